// Flag values checked the way etcd checks them: Go's flag package parses the value when the command line is read
// (a wrong type ends etcd with `invalid value "abc" for flag -quota-backend-bytes: parse error` and its whole usage
// text), etcd's Validate() refuses some values at start. Both are checked here before anything starts, with etcd's
// own message quoted.
import { ETCD_FLAGS, type EtcdFlagSpec, FEATURE_GATES } from './etcd-flags.js';

export interface FlagValueProblem {
  readonly flag: string;
  readonly value: string;
  /** What a valid value looks like, for people (`an integer (int64)`). */
  readonly expected: string;
  /** What etcd itself says about this value. */
  readonly etcdMessage: string;
  /** When etcd refuses it: while parsing the command line, or in its configuration check at start. */
  readonly refusedAt: 'parse' | 'start';
}

const UNSIGNED_BITS: Partial<Record<EtcdFlagSpec['type'], number>> = { uint: 64, uint32: 32, uint64: 64 };
const SIGNED_BITS: Partial<Record<EtcdFlagSpec['type'], number>> = { int: 64, int64: 64 };

/** strconv.ParseBool's accepted spellings. */
const GO_BOOLS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False']);

/** strconv.ParseBool, as the flag package applies it to boolean flags. */
export function parseGoBool(value: string): boolean | undefined {
  if (!GO_BOOLS.has(value)) return undefined;
  return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value);
}

/** strconv.ParseInt/ParseUint with base 0 (what the flag package uses): decimal, 0x, 0o, 0b and leading-0 octal. */
export function parseGoInteger(value: string, signed: boolean, bits: number): bigint | undefined {
  const match =
    /^([+-]?)(0[xX][0-9a-fA-F](?:_?[0-9a-fA-F])*|0[bB][01](?:_?[01])*|0[oO]?[0-7](?:_?[0-7])*|[1-9](?:_?[0-9])*|0)$/.exec(
      value,
    );
  if (!match) return undefined;
  const [, sign = '', digits = ''] = match;
  if (sign && !signed) return undefined;
  const clean = digits.replace(/_/g, '');
  const normalized = /^0[0-7]+$/.test(clean) ? `0o${clean.slice(1)}` : clean.replace(/^0O/, '0o');
  let magnitude: bigint;
  try {
    magnitude = BigInt(normalized);
  } catch {
    return undefined;
  }
  const number = sign === '-' ? -magnitude : magnitude;
  const limit = signed ? 1n << BigInt(bits - 1) : 1n << BigInt(bits);
  if (signed ? number < -limit || number >= limit : number >= limit) return undefined;
  return number;
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

/** time.ParseDuration (`300ms`, `1h30m`, `5s`, `0`), in milliseconds; undefined when Go would refuse it. */
export function parseGoDuration(value: string): number | undefined {
  if (value === '0' || value === '+0' || value === '-0') return 0;
  const match = /^([+-]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(value);
  if (!match) return undefined;
  let total = 0;
  for (const part of match[2]!.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g))
    total += Number(part[1]) * DURATION_UNITS_MS[part[2]!]!;
  return match[1] === '-' ? -total : total;
}

/** Go's time.ParseDuration error text for a value it refuses. */
function goDurationError(value: string): string {
  const unit = /^[+-]?(?:\d+\.?\d*|\.\d+)([^\d.]+)/.exec(value)?.[1];
  return unit && !(unit in DURATION_UNITS_MS)
    ? `time: unknown unit "${unit}" in duration "${value}"`
    : `time: invalid duration "${value}"`;
}

/** etcd's URL list check (types.NewURLs): scheme http/https/unix/unixs, `host:port`, no path. */
function urlProblem(value: string): string | undefined {
  for (const raw of value.split(',')) {
    const item = raw.trim();
    if (item === '*') continue;
    let url: URL;
    try {
      url = new URL(item);
    } catch {
      return `parse "${item}": invalid URI for request`;
    }
    const scheme = url.protocol.replace(/:$/, '');
    if (!['http', 'https', 'unix', 'unixs'].includes(scheme))
      return `URL scheme must be http, https, unix, or unixs: ${item}`;
    if ((scheme === 'http' || scheme === 'https') && url.port === '' && !/:\d+$/.test(url.host))
      return `URL address does not have the form "host:port": ${item}`;
    if (url.pathname !== '' && url.pathname !== '/') return `URL must not contain a path: ${item}`;
  }
  return undefined;
}

const EXPECTED: Readonly<Record<EtcdFlagSpec['type'], string>> = {
  bool: 'true or false',
  int: 'an integer',
  int64: 'an integer (int64)',
  uint: 'a non-negative integer',
  uint32: 'a non-negative integer below 2^32',
  uint64: 'a non-negative integer (uint64)',
  duration: 'a Go duration such as 500ms, 5s or 1h',
  string: 'a string',
  list: 'a comma-separated list',
  urls: 'comma-separated URLs such as https://10.0.0.1:2379',
  enum: 'one of the listed values',
  'feature-gates': 'Gate=true|false pairs, comma-separated',
  ignored: 'anything (etcd ignores this flag)',
};

/** What `--flag` should hold, for messages. */
export function expectedValueOf(flag: string): string {
  const spec = ETCD_FLAGS[flag];
  if (!spec) return 'a value';
  if (spec.type === 'enum' && spec.choices) return `one of ${spec.choices.join(', ')}`;
  return EXPECTED[spec.type];
}

/**
 * Checks a value against the flag's type as Go's flag package parses it (version-independent: a type never changed
 * between releases), and, given the feature gates and removed values of a release, what that release refuses.
 * Undefined when etcd would accept it. Unknown flags are not judged here (see the capability table).
 */
export function checkFlagValue(
  flag: string,
  value: string,
  release?: { readonly featureGates: readonly string[]; readonly version: { atLeast(v: string): boolean } },
): FlagValueProblem | undefined {
  const spec = ETCD_FLAGS[flag];
  if (!spec) return undefined;
  const problem = (etcdDetail: string, refusedAt: FlagValueProblem['refusedAt'] = 'parse') => ({
    flag,
    value,
    expected: expectedValueOf(flag),
    etcdMessage:
      refusedAt === 'parse'
        ? spec.type === 'bool'
          ? `invalid boolean value "${value}" for -${flag}: ${etcdDetail}`
          : `invalid value "${value}" for flag -${flag}: ${etcdDetail}`
        : etcdDetail,
    refusedAt,
  });
  const unsignedBits = UNSIGNED_BITS[spec.type];
  const signedBits = SIGNED_BITS[spec.type];
  if (unsignedBits !== undefined && parseGoInteger(value, false, unsignedBits) === undefined)
    // uint32 is etcd's own flag.Value (pkg/flags Uint32Value): it returns strconv's error instead of "parse error".
    return problem(
      spec.type === 'uint32'
        ? `strconv.ParseUint: parsing "${value}": ${parseGoInteger(value, false, 64) === undefined ? 'invalid syntax' : 'value out of range'}`
        : 'parse error',
    );
  if (signedBits !== undefined && parseGoInteger(value, true, signedBits) === undefined)
    return problem('parse error');
  if (spec.type === 'bool' && parseGoBool(value) === undefined) return problem('parse error');
  if (spec.type === 'duration' && parseGoDuration(value) === undefined) return problem('parse error');
  if (spec.type === 'urls') {
    const detail = urlProblem(value);
    if (detail) return problem(detail);
  }
  if (spec.type === 'enum' && spec.choices && !spec.choices.includes(value)) return problem('invalid value');
  if (spec.type === 'feature-gates') {
    for (const pair of value.split(',').filter((item) => item.trim() !== '')) {
      const [name = '', setting] = pair.split('=').map((part) => part.trim());
      if (setting === undefined) return problem(`missing bool value for ${name}`);
      const known = release ? release.featureGates.includes(name) : name in FEATURE_GATES;
      if (!known) return problem(`unrecognized feature gate: ${name}`);
      if (parseGoBool(setting) === undefined)
        return problem(
          `invalid value of ${name}=${setting}, err: strconv.ParseBool: parsing "${setting}": invalid syntax`,
        );
    }
  }
  const removedIn = spec.removedValues?.[value];
  if (release && removedIn && release.version.atLeast(removedIn))
    return problem(
      // embed/config_logging.go (3.6.16 says exactly this for capnslog, naming the release that deprecated it).
      spec.type === 'enum' ? 'invalid value' : `--${flag}=${value} is removed in v3.5`,
      spec.type === 'enum' ? 'parse' : 'start',
    );
  return startProblem(flag, value);
}

/** Values etcd parses as strings and refuses in its configuration check at start (embed.Config.Validate and co.). */
function startProblem(flag: string, value: string): FlagValueProblem | undefined {
  const refuse = (expected: string, etcdMessage: string): FlagValueProblem => ({
    flag,
    value,
    expected,
    etcdMessage,
    refusedAt: 'start',
  });
  switch (flag) {
    case 'auto-compaction-mode':
      return value === 'periodic' || value === 'revision'
        ? undefined
        : refuse('periodic or revision', `unknown auto-compaction-mode "${value}"`);
    case 'auto-compaction-retention': {
      // embed/etcd.go parseCompactionRetention: an integer (hours when periodic, revisions when revision mode) or a
      // Go duration.
      if (/^\d+$/.test(value) || parseGoDuration(value) !== undefined) return undefined;
      return refuse(
        'an integer (hours for periodic, revisions for revision mode) or a Go duration such as 8h',
        `error parsing CompactionRetention: ${goDurationError(value)}`,
      );
    }
    case 'log-level':
      // zap's level parser panics at start (measured on 3.6.16: `panic: unrecognized level: "loud"`).
      return ['', 'debug', 'info', 'warn', 'error', 'dpanic', 'panic', 'fatal'].includes(value)
        ? undefined
        : refuse('debug, info, warn, error, dpanic, panic or fatal', `panic: unrecognized level: "${value}"`);
    case 'tls-min-version':
    case 'tls-max-version':
      return ['', 'TLS1.2', 'TLS1.3'].includes(value)
        ? undefined
        : refuse('TLS1.2 or TLS1.3', `unexpected TLS version "${value}" (must be one of: TLS1.2, TLS1.3)`);
    default:
      return undefined;
  }
}
