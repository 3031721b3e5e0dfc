// Would this etcd release start with these flags? The checks etcd itself makes, in the order it makes them: every
// flag known to the release (flag package: "flag provided but not defined"), every value of the right type, then the
// combinations its configuration check refuses (embed.Config.Validate, SetFeatureGatesFromExperimentalFlags). Each
// refusal quotes etcd's own message. Pure: used before anything starts (CLI, ClusterSpec) and by `validate`.
import { InputError } from '../errors.js';
import { capabilitiesOf, type EtcdCapabilities } from './capabilities.js';
import { ETCD_FLAGS, type FlagSuccessor } from './etcd-flags.js';
import { checkFlagValue, parseGoInteger } from './flag-values.js';
import type { EtcdVersion } from './version.js';

export interface FlagRefusal {
  /** The flag (or, for a combination, the flags) etcd refuses. */
  readonly flags: readonly string[];
  readonly kind: 'unknown' | 'removed' | 'not-yet' | 'value' | 'combination';
  /** What etcd prints. */
  readonly etcdMessage: string;
  /** Why, and what would work instead. */
  readonly explanation: string;
  /** Where the rule is in etcd's source or docs. */
  readonly source: string;
  /** A replacement etcd documents for this release (a renamed flag or a feature gate), when there is one. */
  readonly replacement?: string;
}

const FLAG_SOURCE = 'etcd server/embed/config.go AddFlags and server/etcdmain/config.go (flag registrations)';
const VALIDATE_SOURCE = 'etcd server/embed/config.go Config.Validate';

/** The release's name for the successor of a flag, rendered as a command-line flag with the value carried over. */
export function renderSuccessor(successor: FlagSuccessor, value: string): string {
  return 'flag' in successor
    ? `--${successor.flag}=${value}`
    : `--feature-gates=${successor.featureGate}=${value === '' ? 'true' : value}`;
}

/** Flags an older release called differently: `watch-progress-notify-interval` ← `experimental-watch-...`. */
export function predecessorsOf(flag: string): string[] {
  return Object.entries(ETCD_FLAGS)
    .filter(([, spec]) => spec.successor && 'flag' in spec.successor && spec.successor.flag === flag)
    .map(([name]) => name);
}

/** The experimental flag that a feature gate replaced (`InitialCorruptCheck` ← `experimental-initial-corrupt-check`). */
export function flagOfFeatureGate(gate: string): string | undefined {
  return Object.entries(ETCD_FLAGS).find(
    ([, spec]) => spec.successor && 'featureGate' in spec.successor && spec.successor.featureGate === gate,
  )?.[0];
}

/** Every reason `capabilities`' release would refuse to start with `flags` (empty: it would start). */
export function flagRefusals(
  capabilities: EtcdCapabilities,
  flags: Readonly<Record<string, string>>,
): FlagRefusal[] {
  const version = capabilities.version;
  const refusals: FlagRefusal[] = [];
  for (const [flag, value] of Object.entries(flags)) {
    const availability = capabilities.flag(flag);
    const notDefined = `flag provided but not defined: -${flag}`;
    if (!availability.accepted) {
      const spec = availability.spec;
      if (availability.why === 'unknown') {
        refusals.push({
          flags: [flag],
          kind: 'unknown',
          etcdMessage: notDefined,
          explanation: `no etcd release from 3.4 to 3.7 has \`--${flag}\``,
          source: FLAG_SOURCE,
        });
      } else if (availability.why === 'removed') {
        const replacement = availability.successor && renderSuccessor(availability.successor, value);
        refusals.push({
          flags: [flag],
          kind: 'removed',
          etcdMessage: notDefined,
          explanation: `etcd ${version.line} no longer has \`--${flag}\` (removed in ${spec?.removedIn})${replacement ? `; use \`${replacement}\`` : ''}`,
          source: `etcd docs upgrades/upgrade_${version.major}_${version.minor}.md "Flags removed"; ${FLAG_SOURCE}`,
          ...(replacement ? { replacement } : {}),
        });
      } else {
        const older = predecessorsOf(flag).find((name) => capabilities.flag(name).accepted);
        const replacement = older
          ? `--${older}=${value}`
          : featureGatesAsOlderFlags(capabilities, flag, value);
        refusals.push({
          flags: [flag],
          kind: 'not-yet',
          etcdMessage: notDefined,
          explanation: `\`--${flag}\` is new in etcd ${spec?.since}; etcd ${version} does not know it${replacement ? ` (it calls it \`${replacement}\`)` : ''}`,
          source: FLAG_SOURCE,
          ...(replacement ? { replacement } : {}),
        });
      }
      continue;
    }
    const problem = checkFlagValue(flag, value, capabilities);
    if (problem) {
      const gatesOfOlder = featureGatesAsOlderFlags(capabilities, flag, value);
      refusals.push({
        flags: [flag],
        kind: 'value',
        etcdMessage: problem.etcdMessage,
        explanation: `\`--${flag}\` expects ${problem.expected}, got \`${value}\`${gatesOfOlder ? `; etcd ${version} calls it \`${gatesOfOlder}\`` : ''}`,
        source: problem.refusedAt === 'parse' ? FLAG_SOURCE : VALIDATE_SOURCE,
        ...(gatesOfOlder ? { replacement: gatesOfOlder } : {}),
      });
    }
  }
  refusals.push(...combinationRefusals(capabilities, flags));
  return refusals;
}

/** `--feature-gates=InitialCorruptCheck=true` on a release without that gate, as its experimental flags. */
function featureGatesAsOlderFlags(
  capabilities: EtcdCapabilities,
  flag: string,
  value: string,
): string | undefined {
  if (flag !== 'feature-gates') return undefined;
  const older = value
    .split(',')
    .filter(Boolean)
    .map((pair) => {
      const [gate = '', setting = 'true'] = pair.split('=');
      const name = capabilities.featureGates.includes(gate) ? undefined : flagOfFeatureGate(gate);
      return name && capabilities.flag(name).accepted ? `--${name}=${setting}` : undefined;
    });
  return older.length > 0 && older.every(Boolean) ? older.join(' ') : undefined;
}

/** The combinations etcd's configuration check refuses at start, with its messages (3.4–3.7 say the same). */
function combinationRefusals(
  capabilities: EtcdCapabilities,
  flags: Readonly<Record<string, string>>,
): FlagRefusal[] {
  const refusals: FlagRefusal[] = [];
  const uint = (name: string, fallback: number) => {
    const raw = flags[name];
    if (raw === undefined) return fallback;
    const parsed = parseGoInteger(raw, false, 64);
    return parsed === undefined ? undefined : Number(parsed);
  };
  const heartbeat = uint('heartbeat-interval', 100);
  const election = uint('election-timeout', 1000);
  if (heartbeat !== undefined && election !== undefined) {
    const timing = ['heartbeat-interval', 'election-timeout'].filter((name) => name in flags);
    if (heartbeat === 0)
      refusals.push(timingRefusal(timing, `--heartbeat-interval must be >0 (set to ${heartbeat}ms)`));
    else if (election === 0)
      refusals.push(timingRefusal(timing, `--election-timeout must be >0 (set to ${election}ms)`));
    else if (5 * heartbeat > election)
      refusals.push(
        timingRefusal(
          timing,
          `--election-timeout[${election}ms] should be at least as 5 times as --heartbeat-interval[${heartbeat}ms]`,
        ),
      );
    else if (election > 50_000)
      refusals.push(
        timingRefusal(
          timing,
          `--election-timeout[${election}ms] is too long, and should be set less than 50000ms`,
        ),
      );
  }
  // 3.6+: an experimental flag and the feature gate that replaced it, both set (embed.SetFeatureGatesFromExperimentalFlags).
  const gates = flags['feature-gates'];
  if (gates !== undefined && capabilities.featureGates.length > 0) {
    for (const [flag, value] of Object.entries(flags)) {
      const successor = ETCD_FLAGS[flag]?.successor;
      if (!successor || !('featureGate' in successor) || !gates.includes(successor.featureGate)) continue;
      const gateValue = /=(\w+)/.exec(gates.slice(gates.indexOf(successor.featureGate)))?.[1] ?? 'true';
      refusals.push({
        flags: [flag, 'feature-gates'],
        kind: 'combination',
        etcdMessage: `cannot specify both flags: --${flag}=${value} and --feature-gates=${successor.featureGate}=${gateValue} at the same time, please just use --feature-gates=${successor.featureGate}=${gateValue}`,
        explanation: `\`--${flag}\` and the feature gate ${successor.featureGate} that replaced it are both set`,
        source: 'etcd server/embed/config.go SetFeatureGatesFromExperimentalFlags',
      });
    }
  }
  refusals.push(...tlsRefusals(flags));
  if (flags['auto-compaction-retention'] !== undefined && flags['auto-compaction-mode'] === '')
    refusals.push({
      flags: ['auto-compaction-mode'],
      kind: 'combination',
      etcdMessage: 'undefined auto-compaction-mode',
      explanation: '`--auto-compaction-mode` is empty',
      source: VALIDATE_SOURCE,
    });
  return refusals;
}

/** https listeners without the certificates to serve them (messages measured on etcd 3.6.16). */
function tlsRefusals(flags: Readonly<Record<string, string>>): FlagRefusal[] {
  const refusals: FlagRefusal[] = [];
  const on = (name: string) => flags[name] !== undefined && flags[name] !== '' && flags[name] !== 'false';
  const https = (name: string) =>
    (flags[name] ?? '')
      .split(',')
      .map((url) => url.trim())
      .filter((url) => url.startsWith('https://'));
  const clientCerts = (on('cert-file') && on('key-file')) || on('auto-tls');
  const clientUrl = https('listen-client-urls')[0];
  if (clientUrl && !clientCerts)
    refusals.push({
      flags: ['listen-client-urls', 'cert-file', 'key-file'],
      kind: 'combination',
      etcdMessage: `TLS key/cert (--cert-file, --key-file) must be provided for client url ${clientUrl} with HTTPS scheme`,
      explanation: 'an https client listener needs --cert-file and --key-file (or --auto-tls)',
      source: 'etcd server/embed/etcd.go configureClientListeners',
    });
  const peerUrl = https('listen-peer-urls')[0];
  if (peerUrl && !((on('peer-cert-file') && on('peer-key-file')) || on('peer-auto-tls')))
    refusals.push({
      flags: ['listen-peer-urls', 'peer-cert-file', 'peer-key-file'],
      kind: 'combination',
      etcdMessage: `cannot listen on TLS for ${peerUrl.replace(/^https:\/\//, '')}: KeyFile and CertFile are not presented`,
      explanation: 'an https peer listener needs --peer-cert-file and --peer-key-file (or --peer-auto-tls)',
      source: 'etcd server/embed/etcd.go configurePeerListeners',
    });
  if (https('listen-metrics-urls').length > 0 && !clientCerts)
    refusals.push({
      flags: ['listen-metrics-urls', 'cert-file', 'key-file'],
      kind: 'combination',
      etcdMessage: 'client TLS key/cert (--cert-file, --key-file) must be provided for metrics secure url',
      explanation: 'an https metrics listener uses the client certificate',
      source: 'etcd server/embed/etcd.go ErrMissingClientTLSInfoForMetricsURL',
    });
  return refusals;
}

function timingRefusal(flags: readonly string[], etcdMessage: string): FlagRefusal {
  return {
    flags: flags.length > 0 ? flags : ['election-timeout'],
    kind: 'combination',
    etcdMessage,
    explanation:
      'etcd requires 0 < 5 × heartbeat-interval ≤ election-timeout ≤ 50000 ms (etcd docs tuning.md: election timeout about 10 × the heartbeat)',
    source: `${VALIDATE_SOURCE}; etcd docs tuning.md "Time parameters"`,
  };
}

/** One line per refusal, for error messages: etcd's message, then why. */
export function describeRefusals(refusals: readonly FlagRefusal[]): string {
  return refusals.map((refusal) => `  - ${refusal.etcdMessage}\n    (${refusal.explanation})`).join('\n');
}

/**
 * Refuses (InputError, exit 2, before anything starts) flags `version` would not start with, quoting etcd. `what`
 * names where they came from (`--flag`, `the manifest`).
 */
export function assertFlagsAccepted(
  version: EtcdVersion,
  flags: Readonly<Record<string, string>>,
  what = 'the etcd flags',
): void {
  const refusals = flagRefusals(capabilitiesOf(version), flags);
  if (refusals.length === 0) return;
  throw new InputError(`etcd ${version} would refuse to start with ${what}:\n${describeRefusals(refusals)}`, {
    hint: 'Fix or drop these flags; `etcd-chaos validate --manifest FILE --etcd-version V` reviews a whole manifest.',
    context: { version: version.toString(), flags: refusals.flatMap((refusal) => refusal.flags) },
  });
}
