// Prometheus rules files: the two etcd-chaos ships (the guide's alerts, etcd's mixin rendered), read, combined for
// export, and time-compressed for a run (every `for:` and every range window divided by one factor).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { HarnessError, InputError } from '../errors.js';
import { packageRoot } from '../util/package-info.js';
import { toYaml } from './mixin.js';
import { compressDuration, compressExpression, metricNamesOf } from './promql.js';

export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly keep_firing_for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export type Rule = AlertingRule | RecordingRule;

export interface RuleGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly Rule[];
}

export interface RuleFile {
  readonly groups: readonly RuleGroup[];
}

export const RULE_SETS = ['guide', 'mixin', 'all'] as const;
export type RuleSet = (typeof RULE_SETS)[number];

const SHIPPED: Readonly<Record<Exclude<RuleSet, 'all'>, string>> = {
  guide: 'etcd-guide.rules.yml',
  mixin: 'etcd-mixin.rules.yml',
};

export function isAlertingRule(rule: Rule): rule is AlertingRule {
  return 'alert' in rule;
}

/** Where a shipped rules file is (the package's `alerts/` dir). */
export function shippedRulesPath(set: Exclude<RuleSet, 'all'>): string {
  return join(packageRoot(), 'alerts', SHIPPED[set]);
}

export function parseRuleSet(value: string): RuleSet {
  if ((RULE_SETS as readonly string[]).includes(value)) return value as RuleSet;
  throw new InputError(`Expected \`--set\` to be one of ${RULE_SETS.join(', ')}, got \`${value}\`.`);
}

/** Parses a rules file, checking the shape the harness relies on (promtool checks the rest). */
export function parseRules(text: string, origin: string): RuleFile {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new HarnessError(`${origin} is not valid YAML`, { cause: error });
  }
  const groups = (document as { groups?: unknown } | null)?.groups;
  if (!Array.isArray(groups)) throw new HarnessError(`${origin} has no \`groups\` list`);
  for (const group of groups as { name?: unknown; rules?: unknown }[]) {
    if (typeof group.name !== 'string' || !Array.isArray(group.rules))
      throw new HarnessError(`${origin}: every group needs a \`name\` and a \`rules\` list`);
    for (const rule of group.rules as { alert?: unknown; record?: unknown; expr?: unknown }[]) {
      if (
        typeof rule.expr !== 'string' ||
        (typeof rule.alert !== 'string' && typeof rule.record !== 'string')
      )
        throw new HarnessError(
          `${origin}: a rule in group ${group.name} has no alert/record name or no expr`,
        );
    }
  }
  return document as RuleFile;
}

export async function readShippedRules(set: Exclude<RuleSet, 'all'>): Promise<RuleFile> {
  const path = shippedRulesPath(set);
  return parseRules(await readFile(path, 'utf8'), path);
}

/** The groups of `set` in one file (`all`: the guide's first, then the mixin's). */
export async function rulesOf(set: RuleSet): Promise<RuleFile> {
  if (set !== 'all') return readShippedRules(set);
  const [guide, mixin] = await Promise.all([readShippedRules('guide'), readShippedRules('mixin')]);
  return { groups: [...guide.groups, ...mixin.groups] };
}

export function alertNames(file: RuleFile): string[] {
  return [
    ...new Set(file.groups.flatMap((group) => group.rules.filter(isAlertingRule).map((rule) => rule.alert))),
  ];
}

/** Every metric name the alerting rules read, with the alerts reading each. */
export function metricsReadBy(file: RuleFile): Map<string, string[]> {
  const readers = new Map<string, string[]>();
  for (const group of file.groups) {
    for (const rule of group.rules.filter(isAlertingRule)) {
      for (const name of metricNamesOf(rule.expr)) {
        const list = readers.get(name) ?? [];
        if (!list.includes(rule.alert)) list.push(rule.alert);
        readers.set(name, list);
      }
    }
  }
  return readers;
}

/**
 * The rules with every `for:`/`keep_firing_for:` and every range, subquery and offset duration divided by `factor`
 * (factor 1 returns them unchanged). Thresholds, labels and annotations stay as written.
 */
export function compressRules(file: RuleFile, factor: number): RuleFile {
  if (!Number.isFinite(factor) || factor < 1)
    throw new InputError(`Expected the time-compression factor to be a number ≥ 1, got \`${factor}\`.`);
  if (factor === 1) return file;
  return {
    groups: file.groups.map((group) => ({
      ...group,
      ...(group.interval ? { interval: compressDuration(group.interval, factor) } : {}),
      rules: group.rules.map((rule) => {
        const scaled: Record<string, unknown> = { ...rule, expr: compressExpression(rule.expr, factor) };
        if (isAlertingRule(rule)) {
          if (rule.for) scaled.for = compressDuration(rule.for, factor);
          if (rule.keep_firing_for) scaled.keep_firing_for = compressDuration(rule.keep_firing_for, factor);
        }
        return scaled as unknown as Rule;
      }),
    })),
  };
}

export function rulesToYaml(file: RuleFile, header: readonly string[] = []): string {
  return `${header.map((line) => `# ${line}`.trimEnd()).join('\n')}${header.length > 0 ? '\n' : ''}${toYaml(file)}`;
}
