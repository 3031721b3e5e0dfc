// Typed parameters (of faults and scenarios): declared once (type, unit, default, bounds), parsed from CLI strings or
// scenario configs with errors that quote the bad value, and inferred as TypeScript types.
import { InputError } from './errors.js';

interface BaseSpec {
  readonly description: string;
}
export interface NumberSpec extends BaseSpec {
  readonly type: 'number';
  readonly default: number;
  readonly unit?: 'ms' | 'bytes' | 'KB/s' | '%' | 'count';
  readonly min?: number;
  readonly max?: number;
}
export interface EnumSpec<C extends string = string> extends BaseSpec {
  readonly type: 'enum';
  readonly choices: readonly C[];
  readonly default: C;
}
export interface BooleanSpec extends BaseSpec {
  readonly type: 'boolean';
  readonly default: boolean;
}
export interface ListSpec extends BaseSpec {
  readonly type: 'list';
  readonly default: readonly string[];
  readonly choices?: readonly string[];
}
export type ParamSpec = NumberSpec | EnumSpec | BooleanSpec | ListSpec;
export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

type ValueOf<S extends ParamSpec> = S extends NumberSpec
  ? number
  : S extends EnumSpec<infer C>
    ? C
    : S extends BooleanSpec
      ? boolean
      : S extends ListSpec
        ? readonly string[]
        : never;

export type ParsedParams<S extends ParamSpecs> = { readonly [K in keyof S]: ValueOf<S[K]> };

/**
 * Parses raw values (strings from the CLI, or typed values from a config) against `specs`, applying defaults.
 * `owner` names the fault or scenario in errors; a `target` key is left to the caller.
 */
export function parseParams<S extends ParamSpecs>(
  owner: string,
  specs: S,
  raw: Readonly<Record<string, unknown>>,
): ParsedParams<S> {
  for (const key of Object.keys(raw)) {
    if (key === 'target') continue;
    if (!(key in specs)) {
      const known = Object.keys(specs);
      throw new InputError(`\`${owner}\` has no parameter \`${key}\`.`, {
        hint: known.length ? `Its parameters: ${known.join(', ')}.` : 'It takes no parameters.',
      });
    }
  }
  const parsed: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    parsed[key] =
      key in raw && raw[key] !== undefined ? parseValue(owner, key, spec, raw[key]) : spec.default;
  }
  return parsed as ParsedParams<S>;
}

function parseValue(owner: string, key: string, spec: ParamSpec, value: unknown): unknown {
  const where = `\`${owner}\` parameter \`${key}\``;
  switch (spec.type) {
    case 'number': {
      const number = typeof value === 'number' ? value : Number(String(value).trim());
      if (String(value).trim() === '' || !Number.isFinite(number)) {
        throw new InputError(
          `Expected ${where} to be a number${spec.unit ? ` (${spec.unit})` : ''}, got \`${String(value)}\` (${typeof value}).`,
        );
      }
      if ((spec.min !== undefined && number < spec.min) || (spec.max !== undefined && number > spec.max)) {
        throw new InputError(
          `Expected ${where} to be within [${spec.min ?? '-∞'}, ${spec.max ?? '∞'}], got \`${number}\`.`,
        );
      }
      return number;
    }
    case 'enum': {
      const text = String(value);
      if (!spec.choices.includes(text)) {
        throw new InputError(`Expected ${where} to be one of ${spec.choices.join(', ')}, got \`${text}\`.`);
      }
      return text;
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      const text = String(value).toLowerCase();
      if (['true', '1', 'yes'].includes(text)) return true;
      if (['false', '0', 'no'].includes(text)) return false;
      throw new InputError(`Expected ${where} to be true or false, got \`${String(value)}\`.`);
    }
    case 'list': {
      const items = Array.isArray(value)
        ? value.map(String)
        : String(value)
            .split(',')
            .map((item) => item.trim())
            .filter(Boolean);
      if (spec.choices) {
        const bad = items.find((item) => !spec.choices?.includes(item));
        if (bad !== undefined)
          throw new InputError(
            `Expected ${where} items to be among ${spec.choices.join(', ')}, got \`${bad}\`.`,
          );
      }
      return items;
    }
  }
}

/** One line per parameter, for `etcd-chaos faults` and error hints. */
export function describeParam(key: string, spec: ParamSpec): string {
  const values =
    spec.type === 'enum'
      ? ` (${spec.choices.join('|')})`
      : spec.type === 'list' && spec.choices
        ? ` (${spec.choices.join(',')})`
        : '';
  const unit = spec.type === 'number' && spec.unit ? ` ${spec.unit}` : '';
  const fallback = Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default);
  return `${key}=${spec.type}${unit}${values}, default ${fallback || '(none)'}: ${spec.description}`;
}

/** The `writers` parameter scenarios share: how many concurrent ledger writers run during the scenario. */
export function ledgerWritersParam(defaultCount = 4): NumberSpec {
  return {
    type: 'number',
    default: defaultCount,
    unit: 'count',
    min: 1,
    max: 64,
    description: 'concurrent ledger writers',
  };
}
