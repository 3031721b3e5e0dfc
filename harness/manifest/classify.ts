// Every flag of the user's setup, classified for one etcd release: kept as given (tuning and behaviour), translated
// (the release renamed it: the successor gets the same value), mapped to the throwaway cluster (names, data dir,
// URLs, certificates, metrics listener: the harness wires these itself), or refused (the release would not start
// with it: etcd's own message quoted). Pure: the same setup and release always classify the same way.
import type { TlsKeyType } from '../cluster/tls.js';
import { capabilitiesOf } from '../versions/capabilities.js';
import { type FlagRefusal, flagRefusals, renderSuccessor } from '../versions/flag-check.js';
import type { EtcdVersion } from '../versions/version.js';
import { type EtcdSetup, flagMap, type SetupFlag } from './read-setup.js';

export type Disposition = 'kept' | 'translated' | 'mapped' | 'refused';

export interface ClassifiedFlag {
  readonly name: string;
  readonly value: string;
  readonly origin: string;
  readonly disposition: Disposition;
  /** Why, in one line. */
  readonly reason: string;
  /** translated: what the cluster gets instead (`--watch-progress-notify-interval=5s`). */
  readonly as?: string;
  /** refused: what etcd says. */
  readonly etcdMessage?: string;
}

export type { TlsKeyType } from '../cluster/tls.js';

export interface Classification {
  readonly version: EtcdVersion;
  readonly entries: readonly ClassifiedFlag[];
  /** The flags the throwaway cluster gets from the setup: kept ones and translations (managed ones excluded). */
  readonly flags: Readonly<Record<string, string>>;
  /** Everything the release refuses, including combinations (election vs heartbeat): the setup cannot run as is. */
  readonly refusals: readonly FlagRefusal[];
  /** TLS on when the setup uses https URLs or certificates (the harness generates its own, per run). */
  readonly tls: boolean;
  readonly tlsReason: string;
  /** The key type of the generated certificates, and why (the setup's cipher suites can require RSA). */
  readonly keyType: TlsKeyType;
  readonly keyTypeReason: string;
}

/** Flags that wire a member into its cluster: the harness sets its own (proxies, per-member dirs, its CA). */
const MAPPED: Readonly<Record<string, string>> = {
  name: 'members are named m1, m2, m3',
  'data-dir': 'each member gets a fresh data dir of its own',
  'wal-dir': 'the WAL stays in each member’s data dir',
  'listen-client-urls': 'members listen on ports the harness allocates (behind Toxiproxy)',
  'advertise-client-urls': 'members advertise their client proxies',
  'listen-client-http-urls': 'HTTP is served on the client listener',
  'listen-peer-urls': 'members listen on ports the harness allocates',
  'initial-advertise-peer-urls': 'members advertise their peer proxies',
  'initial-cluster': 'the cluster is the throwaway members',
  'initial-cluster-state': 'throwaway clusters bootstrap new',
  'initial-cluster-token': 'each throwaway cluster has its own token',
  'listen-metrics-urls': 'kept as a listener: every member serves /metrics on a metrics URL of its own',
  'cert-file': 'TLS material is generated per run (same CA for client and peer)',
  'key-file': 'TLS material is generated per run',
  'trusted-ca-file': 'the run’s CA',
  'client-cert-auth': 'client certificate auth is on whenever TLS is on',
  'client-cert-file': 'the run’s client certificate',
  'client-key-file': 'the run’s client key',
  'client-crl-file': 'no revocation list for per-run certificates',
  'client-cert-allowed-hostname': 'per-run certificates carry the harness’s names',
  'peer-cert-file': 'TLS material is generated per run',
  'peer-key-file': 'TLS material is generated per run',
  'peer-trusted-ca-file': 'the run’s CA',
  'peer-client-cert-auth': 'peer certificate auth is on whenever TLS is on',
  'peer-client-cert-file': 'the run’s member certificates',
  'peer-client-key-file': 'the run’s member keys',
  'peer-crl-file': 'no revocation list for per-run certificates',
  'peer-cert-allowed-cn': 'per-run certificates carry the harness’s names',
  'peer-cert-allowed-hostname': 'per-run certificates carry the harness’s names',
  'auto-tls': 'TLS material is generated per run (a CA, not self-signed certificates)',
  'peer-auto-tls': 'TLS material is generated per run',
  'self-signed-cert-validity': 'TLS material is generated per run',
  discovery: 'throwaway clusters bootstrap from a static member list',
  'discovery-srv': 'throwaway clusters bootstrap from a static member list',
  'discovery-srv-name': 'throwaway clusters bootstrap from a static member list',
  'discovery-proxy': 'throwaway clusters bootstrap from a static member list',
  'discovery-fallback': 'throwaway clusters bootstrap from a static member list',
  'discovery-token': 'throwaway clusters bootstrap from a static member list',
  'discovery-endpoints': 'throwaway clusters bootstrap from a static member list',
  'log-outputs': 'logs go to stderr, which the harness keeps as evidence',
  'log-output': 'logs go to stderr, which the harness keeps as evidence',
  logger: 'the harness reads zap JSON logs',
  'enable-log-rotation': 'logs go to stderr, which the harness keeps as evidence',
  'log-rotation-config-json': 'logs go to stderr, which the harness keeps as evidence',
  'config-file': 'pass the config file itself with --manifest',
  'force-new-cluster': 'a one-time recovery flag: throwaway clusters bootstrap fresh',
  version: 'prints the version and exits',
};

const URL_FLAGS = [
  'listen-client-urls',
  'advertise-client-urls',
  'listen-peer-urls',
  'initial-advertise-peer-urls',
  'initial-cluster',
];

export interface ClassifyOptions {
  /**
   * The setup was written for another release (its image tag differs from the target, or it names none): a flag the
   * target removed and renamed is translated to the new name (etcd's upgrade guides: same value, new flag or feature
   * gate) instead of refused. Within its own release a removed flag is an error of the setup and is refused.
   */
  readonly translate?: boolean;
}

export function classifySetup(
  setup: Pick<EtcdSetup, 'flags'>,
  version: EtcdVersion,
  options: ClassifyOptions = {},
): Classification {
  const capabilities = capabilitiesOf(version);
  const all = flagMap(setup);
  const { flags: translatedFlags, translations } = options.translate
    ? translateFlags(all, version)
    : { flags: all, translations: new Map<string, string>() };
  const refusals = flagRefusals(capabilities, translatedFlags);
  const refusalOf = (name: string) =>
    refusals.find((refusal) => refusal.flags.length === 1 && refusal.flags[0] === name) ??
    refusals.find((refusal) => refusal.kind === 'combination' && refusal.flags.includes(name));
  const last = new Map(setup.flags.map((flag) => [flag.name, flag] as const));
  const entries: ClassifiedFlag[] = [];
  const flags: Record<string, string> = {};
  for (const flag of setup.flags) {
    if (last.get(flag.name) !== flag) {
      entries.push({
        ...base(flag),
        disposition: 'mapped',
        reason: 'set again later: the last value wins (Go flag)',
      });
      continue;
    }
    const translation = translations.get(flag.name);
    if (translation) {
      const successorName = /^--([a-z0-9.-]+)=/.exec(translation)?.[1] ?? flag.name;
      const refusal = refusalOf(successorName);
      entries.push({
        ...base(flag),
        disposition: refusal ? 'refused' : 'translated',
        reason: refusal
          ? refusal.explanation
          : `etcd ${version.line} removed \`--${flag.name}\`; same setting under its new name (etcd docs upgrades/upgrade_${version.major}_${version.minor}.md)`,
        as: translation,
        ...(refusal ? { etcdMessage: refusal.etcdMessage } : {}),
      });
      continue;
    }
    const refusal = refusalOf(flag.name);
    if (flag.name in MAPPED) {
      entries.push({
        ...base(flag),
        disposition: refusal ? 'refused' : 'mapped',
        reason: refusal ? refusal.explanation : MAPPED[flag.name]!,
        ...(refusal ? { etcdMessage: refusal.etcdMessage } : {}),
      });
      continue;
    }
    if (refusal) {
      entries.push({
        ...base(flag),
        disposition: 'refused',
        reason: refusal.explanation,
        etcdMessage: refusal.etcdMessage,
      });
      continue;
    }
    const availability = capabilities.flag(flag.name);
    if (availability.accepted && availability.spec.type === 'ignored') {
      entries.push({
        ...base(flag),
        disposition: 'kept',
        reason: `etcd ${version} accepts and ignores it (v2-era flag)`,
      });
      flags[flag.name] = flag.value;
      continue;
    }
    const deprecated = availability.accepted ? availability.deprecatedFor : undefined;
    entries.push({
      ...base(flag),
      disposition: 'kept',
      reason: deprecated
        ? `kept; deprecated in etcd ${version.line}, which warns: use ${renderSuccessor(deprecated, flag.value)} (removed in the next minor)`
        : 'kept as given',
    });
    flags[flag.name] = flag.value;
  }
  for (const [name, value] of Object.entries(translatedFlags))
    if (!(name in all) || name === 'feature-gates') if (!(name in MAPPED)) flags[name] = value;
  const https = URL_FLAGS.some((name) => /(^|[,=])https:\/\//.test(all[name] ?? ''));
  const certs = ['cert-file', 'peer-cert-file', 'auto-tls', 'peer-auto-tls'].filter(
    (name) => all[name] !== undefined && all[name] !== 'false' && all[name] !== '',
  );
  const tls = https || certs.length > 0;
  const tlsReason = tls
    ? `TLS on: the setup uses ${[https ? 'https URLs' : '', ...certs.map((name) => `--${name}`)].filter(Boolean).join(', ')} (certificates generated per run, client and peer, with client certificate auth as kubeadm sets it)`
    : 'TLS off: no https URL and no certificate flag';
  const { keyType, keyTypeReason } = keyTypeFor(all['cipher-suites']);
  return { version, entries, flags, refusals, tls, tlsReason, keyType, keyTypeReason };
}

/**
 * Flags `version` removed and renamed, under their new names (a feature gate joins `--feature-gates`); a name the
 * setup also sets itself keeps the setup's value. `translations` maps each old name to what replaced it.
 */
export function translateFlags(
  flags: Readonly<Record<string, string>>,
  version: EtcdVersion,
): { flags: Record<string, string>; translations: Map<string, string> } {
  const capabilities = capabilitiesOf(version);
  const result: Record<string, string> = {};
  const translations = new Map<string, string>();
  const gates: string[] = [];
  for (const [name, value] of Object.entries(flags)) {
    const availability = capabilities.flag(name);
    if (availability.accepted || availability.why !== 'removed' || !availability.successor) {
      result[name] = value;
      continue;
    }
    const successor = availability.successor;
    translations.set(name, renderSuccessor(successor, value));
    if ('flag' in successor) {
      if (!(successor.flag in flags)) result[successor.flag] = value;
    } else gates.push(`${successor.featureGate}=${value === '' ? 'true' : value}`);
  }
  if (gates.length > 0) {
    const own = result['feature-gates'];
    const named = new Set((own ?? '').split(',').map((pair) => pair.split('=')[0]));
    result['feature-gates'] = [own, ...gates.filter((gate) => !named.has(gate.split('=')[0]))]
      .filter(Boolean)
      .join(',');
  }
  return { flags: result, translations };
}

function base(flag: SetupFlag): Pick<ClassifiedFlag, 'name' | 'value' | 'origin'> {
  return { name: flag.name, value: flag.value, origin: flag.origin };
}

/**
 * The certificates' key type matters only where the setup's cipher suites name one: suites with RSA key exchange or
 * authentication only (TLS_ECDHE_RSA_*, TLS_RSA_*) cannot be negotiated with an ECDSA certificate, and the reverse.
 */
export function keyTypeFor(cipherSuites: string | undefined): { keyType: TlsKeyType; keyTypeReason: string } {
  const suites = (cipherSuites ?? '')
    .split(',')
    .map((suite) => suite.trim())
    .filter(Boolean);
  if (suites.length === 0)
    return {
      keyType: 'ecdsa-p256',
      keyTypeReason:
        'no --cipher-suites: Go negotiates any suite, ECDSA P-256 certificates as generated per run',
    };
  const rsaOnly = suites.every((suite) => /^TLS_(ECDHE_RSA|RSA)_/.test(suite));
  const ecdsaOnly = suites.every((suite) => /^TLS_ECDHE_ECDSA_/.test(suite));
  if (rsaOnly)
    return {
      keyType: 'rsa-2048',
      keyTypeReason: `--cipher-suites allows RSA certificates only (${suites.join(', ')}): RSA 2048 certificates, as kubeadm generates by default`,
    };
  return {
    keyType: 'ecdsa-p256',
    keyTypeReason: ecdsaOnly
      ? `--cipher-suites allows ECDSA certificates only: ECDSA P-256`
      : '--cipher-suites allows ECDSA certificates: ECDSA P-256 as generated per run',
  };
}
