// etcd flags a user may set: parsing `k=v` arguments, presets from the operations guide, and the flags the harness owns.
import { InputError } from '../errors.js';
import { ETCD_FLAGS } from '../versions/etcd-flags.js';
import { checkFlagValue } from '../versions/flag-values.js';

/** A flag value as etcd receives it after `--name=`. */
export type FlagValue = string;
export type EtcdFlags = Readonly<Record<string, FlagValue>>;

const FLAG_NAME = /^[a-z0-9][a-z0-9.-]*$/;

/**
 * Flags that define the topology (names, URLs, data dir, TLS files): the harness sets them, a user may not, since
 * changing them would detach members from their proxies or data dirs.
 */
export const MANAGED_FLAGS: ReadonlySet<string> = new Set([
  'name',
  'data-dir',
  'wal-dir',
  'listen-client-urls',
  'advertise-client-urls',
  'listen-peer-urls',
  'initial-advertise-peer-urls',
  'initial-cluster',
  'initial-cluster-state',
  'initial-cluster-token',
  'listen-metrics-urls',
  'cert-file',
  'key-file',
  'trusted-ca-file',
  'client-cert-auth',
  'peer-cert-file',
  'peer-key-file',
  'peer-trusted-ca-file',
  'peer-client-cert-auth',
  'discovery',
  'discovery-srv',
  'config-file',
]);

/** Presets of tuned flags. `guide-tuned` is the manifest excerpt of the operations guide (section "Startup Flags"). */
export const PRESETS = {
  'guide-tuned': {
    'quota-backend-bytes': '8589934592',
    'auto-compaction-mode': 'periodic',
    'auto-compaction-retention': '8h',
    'max-snapshots': '5',
    'max-wals': '5',
    'election-timeout': '5000',
    'heartbeat-interval': '500',
    'snapshot-count': '10000',
  },
} as const satisfies Record<string, EtcdFlags>;

export type PresetName = keyof typeof PRESETS;

export function presetNames(): PresetName[] {
  return Object.keys(PRESETS) as PresetName[];
}

export function presetFlags(name: string): EtcdFlags {
  if (!(name in PRESETS)) {
    throw new InputError(`Unknown preset \`${name}\`.`, {
      hint: `Known presets: ${presetNames().join(', ')}.`,
    });
  }
  return PRESETS[name as PresetName];
}

/**
 * Parses one `--flag` argument: `quota-backend-bytes=2147483648`, `--snapshot-count=5000`, or a bare boolean
 * `enable-pprof` (meaning `true`). Throws an InputError quoting the argument when it does not parse.
 */
export function parseFlagArgument(argument: string): [string, FlagValue] {
  const text = argument.trim().replace(/^--?/, '');
  const eq = text.indexOf('=');
  const name = (eq === -1 ? text : text.slice(0, eq)).trim();
  const value = eq === -1 ? 'true' : text.slice(eq + 1);
  if (!FLAG_NAME.test(name)) {
    throw new InputError(
      `Expected \`--flag\` to be \`name=value\` with an etcd flag name (lower case, digits, dashes), got \`${argument}\`.`,
      { hint: 'Example: --flag quota-backend-bytes=2147483648 --flag heartbeat-interval=500' },
    );
  }
  checkUserFlag(name, argument);
  checkFlagKnownAndTyped(name, value);
  return [name, value];
}

/** Parses a list of `--flag` arguments; a later value for the same flag wins. */
export function parseFlagArguments(argumentsList: readonly string[]): Record<string, FlagValue> {
  const flags: Record<string, FlagValue> = {};
  for (const argument of argumentsList) {
    const [name, value] = parseFlagArgument(argument);
    flags[name] = value;
  }
  return flags;
}

/** Validates flags given programmatically (`withFlags({...})`), normalising values to strings. */
export function normalizeFlags(
  flags: Readonly<Record<string, string | number | boolean>>,
): Record<string, FlagValue> {
  const normalized: Record<string, FlagValue> = {};
  for (const [rawName, rawValue] of Object.entries(flags)) {
    const name = rawName.replace(/^--?/, '');
    if (!FLAG_NAME.test(name)) {
      throw new InputError(`Expected an etcd flag name (lower case, digits, dashes), got \`${rawName}\`.`);
    }
    checkUserFlag(name, rawName);
    checkFlagKnownAndTyped(name, String(rawValue));
    normalized[name] = String(rawValue);
  }
  return normalized;
}

function checkUserFlag(name: string, argument: string): void {
  if (MANAGED_FLAGS.has(name)) {
    throw new InputError(
      `\`--${name}\` is managed by the harness (it wires members to their proxies and data dirs), got \`${argument}\`.`,
      {
        hint: 'Use --members, --tls or --base-port to shape the topology; every other etcd flag can be passed.',
      },
    );
  }
}

/**
 * Refuses a flag no supported release knows, or a value of the wrong type, before anything starts: etcd would exit
 * with "flag provided but not defined" or "invalid value ... parse error" followed by its whole usage text. Which
 * release knows which flag, and combinations (election vs heartbeat), are checked against the target version
 * (versions/flag-check.ts) when the cluster spec is built.
 */
function checkFlagKnownAndTyped(name: string, value: string): void {
  if (!(name in ETCD_FLAGS))
    throw new InputError(
      `Expected \`--flag\` to name an etcd flag, got \`${name}\`: no etcd release from 3.4 to 3.7 has \`--${name}\` (etcd would exit with "flag provided but not defined: -${name}").`,
      { hint: 'See `etcd --help` of your release for its flags.' },
    );
  const problem = checkFlagValue(name, value);
  if (problem)
    throw new InputError(
      `Expected \`--${name}\` to be ${problem.expected}, got \`${value}\`: etcd would refuse it (${problem.etcdMessage}).`,
      { context: { flag: name, value } },
    );
}

/** Renders flags as etcd arguments (`--name=value`), in a stable order. */
export function renderFlags(flags: EtcdFlags): string[] {
  return Object.entries(flags).map(([name, value]) => `--${name}=${value}`);
}

/** Reads a duration flag in milliseconds (`election-timeout`, `heartbeat-interval`), with etcd's defaults. */
export function timingOf(flags: EtcdFlags): { heartbeatIntervalMs: number; electionTimeoutMs: number } {
  return {
    heartbeatIntervalMs: Number(flags['heartbeat-interval'] ?? 100),
    electionTimeoutMs: Number(flags['election-timeout'] ?? 1000),
  };
}
