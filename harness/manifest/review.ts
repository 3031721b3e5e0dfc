// The static review behind `etcd-chaos validate`: the user's setup judged before any cluster starts, each finding
// with its source. etcd's own rules (it would refuse to start: unknown, removed or mistyped flags, election vs
// heartbeat, https without certificates) fail; the guide's recommendations and etcd's advice (quota range, etcd's
// suggested maximum, auto-compaction, metrics listener, snapshot-count, client and peer certificate auth as kubeadm
// sets them) warn. Pure over the setup and a release.
import { parseGoInteger } from '../versions/flag-values.js';
import type { EtcdVersion } from '../versions/version.js';
import { type Classification, classifySetup } from './classify.js';
import { type EtcdSetup, flagMap } from './read-setup.js';

export type ReviewVerdict = 'pass' | 'warn' | 'fail';

export interface ReviewFinding {
  /** Stable id of the rule (`etcd.starts`, `timing.rtt`, `quota.guide-range`, ...). */
  readonly rule: string;
  readonly verdict: ReviewVerdict;
  readonly title: string;
  readonly expected: string;
  readonly observed: string;
  readonly source: string;
  /** The flags this finding is about. */
  readonly flags: readonly string[];
}

export interface Review {
  readonly version: EtcdVersion;
  /** Where the release came from: the image tag, --etcd-version, --kubernetes-version. */
  readonly versionSource: string;
  readonly classification: Classification;
  readonly findings: readonly ReviewFinding[];
  /**
   * refused: etcd would not start; failed: it would, but a rule failed (no client certificate auth on https,
   * --force-new-cluster left in); advice: recommendations not met; clean: nothing to say.
   */
  readonly verdict: 'refused' | 'failed' | 'advice' | 'clean';
}

export interface ReviewOptions {
  readonly version: EtcdVersion;
  readonly versionSource: string;
  /** The setup was written for another release (image tag ≠ target): renamed flags are translated and listed. */
  readonly crossVersion: boolean;
  /** Expected peer round-trip time (default: the guide's 10 ms ceiling). */
  readonly peerRttMs?: number;
}

const GUIDE = 'etcd operations guide';
const GIB = 1024 ** 3;

export function reviewSetup(setup: EtcdSetup, options: ReviewOptions): Review {
  const { version } = options;
  const classification = classifySetup(setup, version, { translate: options.crossVersion });
  const flags = { ...flagMap(setup), ...classification.flags };
  const findings: ReviewFinding[] = [];
  const add = (finding: ReviewFinding) => findings.push(finding);

  for (const refusal of classification.refusals)
    add({
      rule: 'etcd.refuses',
      verdict: 'fail',
      title: `etcd ${version} would refuse to start: ${refusal.flags.map((flag) => `--${flag}`).join(', ')}`,
      expected: refusal.replacement ? `\`${refusal.replacement}\`` : `a setup etcd ${version.line} accepts`,
      observed: `etcd says: ${refusal.etcdMessage} (${refusal.explanation})`,
      source: refusal.source,
      flags: refusal.flags,
    });
  if (classification.refusals.length === 0)
    add({
      rule: 'etcd.starts',
      verdict: 'pass',
      title: `etcd ${version} accepts every flag`,
      expected: 'every flag known to the release, values of the right type, valid combinations',
      observed: `${setup.flags.length} flags checked`,
      source: 'etcd server/embed/config.go (AddFlags, Validate), server/etcdmain/config.go',
      flags: [],
    });
  for (const entry of classification.entries) {
    if (entry.disposition === 'translated')
      add({
        rule: 'upgrade.renamed',
        verdict: 'warn',
        title: `must change before moving to ${version.line}: --${entry.name}`,
        expected: `\`${entry.as}\``,
        observed: `\`--${entry.name}=${entry.value}\` (${entry.origin}); etcd-chaos runs it as \`${entry.as}\``,
        source: `etcd docs upgrades/upgrade_${version.major}_${version.minor}.md; etcd server/embed/config.go experimentalFlagMigrationMap`,
        flags: [entry.name],
      });
    if (entry.disposition === 'kept' && entry.reason.includes('deprecated'))
      add({
        rule: 'flags.deprecated',
        verdict: 'warn',
        title: `deprecated in etcd ${version.line}: --${entry.name}`,
        expected: 'the flag’s successor',
        observed: entry.reason,
        source: 'etcd server/etcdmain/config.go deprecatedFlags',
        flags: [entry.name],
      });
  }
  for (const key of setup.ignoredKeys)
    add({
      rule: 'config.ignored-key',
      verdict: 'warn',
      title: `config key \`${key}\` is not an etcd setting`,
      expected: 'keys etcd reads',
      observed: 'etcd ignores unknown config-file keys without a word: the setting has no effect',
      source: 'etcd server/embed/config.go ConfigFromFile (yaml.Unmarshal into Config)',
      flags: [],
    });

  findings.push(...timingFindings(flags, options.peerRttMs));
  findings.push(...capacityFindings(flags, version));
  findings.push(...tlsFindings(flags));
  if (flags['force-new-cluster'] === 'true')
    add({
      rule: 'flags.force-new-cluster',
      verdict: 'fail',
      title: '--force-new-cluster is set in the manifest',
      expected: 'only for a one-time recovery, removed right after',
      observed:
        'every restart of the static pod would force a new one-member cluster, discarding the membership',
      source: 'etcd docs op-guide/recovery.md; etcd --help ("Force to create a new one member cluster")',
      flags: ['force-new-cluster'],
    });
  if (flags['unsafe-no-fsync'] === 'true')
    add({
      rule: 'flags.unsafe-no-fsync',
      verdict: 'warn',
      title: '--unsafe-no-fsync is set',
      expected: 'fsync on (etcd’s durability)',
      observed: 'writes are acknowledged before they reach the disk: a power loss loses acknowledged data',
      source: 'etcd --help ("Disables fsync, unsafe, will cause data loss")',
      flags: ['unsafe-no-fsync'],
    });
  const verdict =
    classification.refusals.length > 0
      ? 'refused'
      : findings.some((finding) => finding.verdict === 'fail')
        ? 'failed'
        : findings.some((finding) => finding.verdict === 'warn')
          ? 'advice'
          : 'clean';
  return { version, versionSource: options.versionSource, classification, findings, verdict };
}

function uintOf(flags: Readonly<Record<string, string>>, name: string, fallback: number): number | undefined {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  const parsed = parseGoInteger(raw, false, 64);
  return parsed === undefined ? undefined : Number(parsed);
}

function timingFindings(flags: Readonly<Record<string, string>>, peerRttMs = 10): ReviewFinding[] {
  const heartbeat = uintOf(flags, 'heartbeat-interval', 100);
  const election = uintOf(flags, 'election-timeout', 1000);
  if (heartbeat === undefined || election === undefined || heartbeat === 0) return [];
  const timing = ['heartbeat-interval', 'election-timeout'];
  const rttSource =
    peerRttMs === 10
      ? `the guide's ceiling (${GUIDE}, "Network": "Peer RTT should stay below 10 ms")`
      : '--peer-rtt-ms';
  const findings: ReviewFinding[] = [];
  const ratio = election / heartbeat;
  // Below 5× etcd refuses to start: that finding (etcd.refuses) quotes it; this rule judges what etcd accepts.
  if (ratio >= 5)
    findings.push({
      rule: 'timing.ratio',
      verdict: ratio >= 10 ? 'pass' : 'warn',
      title: `election timeout ${election} ms is ${ratio.toFixed(1)}× the heartbeat ${heartbeat} ms`,
      expected:
        'etcd refuses < 5×; its tuning guide and defaults (100/1000 ms) use 10×: a follower tolerates ~10 lost heartbeats',
      observed: `${heartbeat}/${election} ms`,
      source: 'etcd server/embed/config.go Config.Validate; etcd docs tuning.md "Time parameters"',
      flags: timing,
    });
  findings.push({
    rule: 'timing.rtt',
    verdict: heartbeat >= 0.5 * peerRttMs && election >= 10 * peerRttMs ? 'pass' : 'warn',
    title: `heartbeat and election timeout against a peer RTT of ${peerRttMs} ms`,
    expected: `heartbeat ≈ the maximum average peer RTT (0.5–1.5×, so ≥ ${0.5 * peerRttMs} ms) and election timeout ≥ 10× RTT (${10 * peerRttMs} ms); RTT from ${rttSource}`,
    observed: `heartbeat ${heartbeat} ms, election timeout ${election} ms`,
    source: 'etcd docs tuning.md "Time parameters"',
    flags: timing,
  });
  if (heartbeat === 100 && election === 1000 && !('heartbeat-interval' in flags))
    findings.push({
      rule: 'timing.guide',
      verdict: 'warn',
      title: "etcd's default timing (100/1000 ms)",
      expected: 'the guide raises them to 500/5000 ms against elections caused by jitter and disk spikes',
      observed: 'no --heartbeat-interval / --election-timeout: 100/1000 ms',
      source: `${GUIDE}, "Frequent leader elections" ("Increase --election-timeout to 5000 ms and --heartbeat-interval to 500 ms"); run \`etcd-chaos tune\` to measure both on a modelled environment`,
      flags: timing,
    });
  return findings;
}

function capacityFindings(flags: Readonly<Record<string, string>>, version: EtcdVersion): ReviewFinding[] {
  const findings: ReviewFinding[] = [];
  const quotaRaw = flags['quota-backend-bytes'];
  const quota = quotaRaw === undefined ? 0 : Number(parseGoInteger(quotaRaw, true, 64) ?? 0n);
  const effective = quota > 0 ? quota : 2 * GIB;
  const gib = (bytes: number) => `${(bytes / GIB).toFixed(bytes % GIB === 0 ? 0 : 1)} GiB`;
  findings.push({
    rule: 'quota.guide-range',
    verdict: effective >= 8 * GIB && effective <= 32 * GIB ? 'pass' : 'warn',
    title: `backend quota ${gib(effective)}${quota > 0 ? '' : " (etcd's default: no --quota-backend-bytes)"}`,
    expected:
      'production clusters typically 8–32 GB; past the quota writes fail with "mvcc: database space exceeded"',
    observed: quotaRaw === undefined ? 'unset: 2 GiB' : `--quota-backend-bytes=${quotaRaw}`,
    source: `${GUIDE}, "Important flags" (--quota-backend-bytes)`,
    flags: ['quota-backend-bytes'],
  });
  if (effective > 8 * GIB)
    findings.push({
      rule: 'quota.etcd-maximum',
      verdict: 'warn',
      title: `backend quota ${gib(effective)} is above etcd's suggested maximum of 8 GiB`,
      expected:
        '≤ 8 GiB ("A larger quota may lead to degraded performance"); etcd logs "quota exceeds the maximum value" at start',
      observed: `--quota-backend-bytes=${quotaRaw}`,
      source: 'etcd server/storage/quota.go MaxQuotaBytes; etcd docs dev-guide/limit.md',
      flags: ['quota-backend-bytes'],
    });
  const mode = flags['auto-compaction-mode'];
  const retention = flags['auto-compaction-retention'];
  findings.push({
    rule: 'compaction.auto',
    verdict: retention !== undefined && retention !== '0' ? 'pass' : 'warn',
    title: retention ? `auto-compaction ${mode ?? 'periodic'} ${retention}` : 'no auto-compaction',
    expected:
      'periodic auto-compaction frees old revisions (e.g. periodic, 8h); under Kubernetes the kube-apiserver also compacts every 5 minutes (--etcd-compaction-interval), so this matters for etcd used outside it',
    observed: retention
      ? `--auto-compaction-mode=${mode ?? 'periodic'} --auto-compaction-retention=${retention}`
      : 'unset',
    source: `${GUIDE}, "Important flags" (--auto-compaction-mode, --auto-compaction-retention); etcd docs op-guide/maintenance.md "Auto Compaction"`,
    flags: ['auto-compaction-mode', 'auto-compaction-retention'],
  });
  const metrics = flags['listen-metrics-urls'];
  findings.push({
    rule: 'metrics.listener',
    verdict: metrics ? 'pass' : 'warn',
    title: metrics ? `metrics listener ${metrics}` : 'no metrics listener',
    expected: 'a --listen-metrics-urls listener (port 2381) for Prometheus',
    observed: metrics
      ? `${metrics}${metrics.includes('0.0.0.0') ? ' (every interface: unauthenticated /metrics reachable from the network)' : ''}`
      : 'unset: metrics only on the client port, behind client certificate auth',
    source: `${GUIDE}, "Monitoring" ("add --listen-metrics-urls=http://0.0.0.0:2381 if not already")`,
    flags: ['listen-metrics-urls'],
  });
  const defaultSnapshotCount = version.atLeast('3.6.0') ? 10_000 : 100_000;
  const snapshotCount = uintOf(flags, 'snapshot-count', defaultSnapshotCount);
  findings.push({
    rule: 'snapshot-count',
    verdict: snapshotCount !== undefined && snapshotCount <= 10_000 ? 'pass' : 'warn',
    title: `snapshot every ${snapshotCount} applied entries${'snapshot-count' in flags ? '' : ` (etcd ${version.line}'s default)`}`,
    expected: '10000 for write-heavy workloads (raft log kept in memory between snapshots)',
    observed: `--snapshot-count=${flags['snapshot-count'] ?? `${defaultSnapshotCount} (default)`}`,
    source: `${GUIDE}, "Startup Flags" (--snapshot-count=10000); etcd 3.6 lowered the default from 100000 to 10000 (upgrades/upgrade_3_6.md)`,
    flags: ['snapshot-count'],
  });
  const retained = ['max-snapshots', 'max-wals'].map((name) => [name, uintOf(flags, name, 5)] as const);
  findings.push({
    rule: 'retention.files',
    verdict: retained.every(([, count]) => count !== 0) ? 'pass' : 'warn',
    title: `snapshot and WAL files kept: ${retained.map(([name, count]) => `${name} ${count}`).join(', ')}`,
    expected: '5 each (0 keeps every file: the disk fills)',
    observed: retained
      .map(([name, count]) => `--${name}=${count}${name in flags ? '' : ' (default)'}`)
      .join(' '),
    source: `${GUIDE}, "Startup Flags" (--max-snapshots=5, --max-wals=5)`,
    flags: ['max-snapshots', 'max-wals'],
  });
  return findings;
}

function tlsFindings(flags: Readonly<Record<string, string>>): ReviewFinding[] {
  const findings: ReviewFinding[] = [];
  const https = (name: string) => /(^|,)\s*https:\/\//.test(flags[name] ?? '');
  const on = (name: string) => flags[name] === 'true';
  const kubeadm = 'kubeadm sets it (cmd/kubeadm/app/phases/etcd/local.go)';
  if (https('listen-client-urls') || https('advertise-client-urls')) {
    findings.push({
      rule: 'tls.client-cert-auth',
      verdict: on('client-cert-auth') && flags['trusted-ca-file'] ? 'pass' : 'fail',
      title: 'client certificate auth on the https client listener',
      expected: `--client-cert-auth=true with --trusted-ca-file, as ${kubeadm}`,
      observed: `--client-cert-auth=${flags['client-cert-auth'] ?? 'false (default)'}, --trusted-ca-file ${flags['trusted-ca-file'] ? 'set' : 'unset'}: ${on('client-cert-auth') ? 'clients must present a certificate' : 'any client that reaches the port reads and writes every key'}`,
      source: `${GUIDE}, "apiserver connection refused" (etcdctl with --cacert/--cert/--key); etcd docs op-guide/security.md`,
      flags: ['client-cert-auth', 'trusted-ca-file'],
    });
  }
  if (https('listen-peer-urls') || https('initial-advertise-peer-urls')) {
    findings.push({
      rule: 'tls.peer-cert-auth',
      verdict: on('peer-client-cert-auth') && flags['peer-trusted-ca-file'] ? 'pass' : 'fail',
      title: 'peer certificate auth on the https peer listener',
      expected: `--peer-client-cert-auth=true with --peer-trusted-ca-file, as ${kubeadm}`,
      observed: `--peer-client-cert-auth=${flags['peer-client-cert-auth'] ?? 'false (default)'}, --peer-trusted-ca-file ${flags['peer-trusted-ca-file'] ? 'set' : 'unset'}`,
      source:
        'etcd docs op-guide/security.md "Example 3: Transport security & client certificates in a cluster"',
      flags: ['peer-client-cert-auth', 'peer-trusted-ca-file'],
    });
  }
  const mixed = ['listen-client-urls', 'listen-peer-urls'].some(
    (name) => /https:\/\//.test(flags[name] ?? '') && /http:\/\//.test(flags[name] ?? ''),
  );
  const clientMismatch =
    flags['listen-client-urls'] !== undefined &&
    flags['advertise-client-urls'] !== undefined &&
    https('listen-client-urls') !== https('advertise-client-urls');
  if (mixed || clientMismatch)
    findings.push({
      rule: 'tls.schemes',
      verdict: 'warn',
      title: 'http and https mixed on the same side',
      expected: 'one scheme per side (listen and advertise agree)',
      observed: `listen-client-urls=${flags['listen-client-urls'] ?? ''} advertise-client-urls=${flags['advertise-client-urls'] ?? ''} listen-peer-urls=${flags['listen-peer-urls'] ?? ''}`,
      source: 'etcd docs op-guide/configuration.md (--listen-client-urls, --advertise-client-urls)',
      flags: ['listen-client-urls', 'advertise-client-urls', 'listen-peer-urls'],
    });
  return findings;
}
