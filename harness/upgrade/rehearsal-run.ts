// The parts every rehearsal shares: which two releases (from the run's target when none is named), a cluster on the
// old release seeded with the Kubernetes-like keyspace under the ledger workload and sampled for versions, and the
// closing readings (ledger, keyspace, hashKV, availability) recorded as a RollingRecord, with the report's tables
// and charts.
import { join } from 'node:path';
import { resolveEtcd } from '../binaries/resolve-etcd.js';
import type { EtcdBinaries } from '../binaries/types.js';
import { supportsBinarySwap } from '../cluster/binary-swap.js';
import { ClusterSpec } from '../cluster/spec.js';
import type { StartedCluster } from '../cluster/types.js';
import { describeError, UnsupportedError } from '../errors.js';
import { memberStatus } from '../observe/status.js';
import { ledgerWritersParam } from '../params.js';
import { hashKvAtCommonRevision } from '../procedures/hashkv.js';
import { restoreInitializer, saveSnapshot } from '../procedures/snapshot.js';
import { capabilitiesOf } from '../versions/capabilities.js';
import { KNOWN_RELEASES, SUPPORTED_LINES } from '../versions/catalog.js';
import { type EtcdVersion, resolveVersion } from '../versions/version.js';
import type { Ledger } from '../workload/ledger.js';
import { checkLedger, type LedgerCheck, readLedgerKeys } from '../workload/ledger-check.js';
import type { LedgerWriter } from '../workload/ledger-writer.js';
import { type AvailabilityReport, availabilityByStep, type RehearsalStep } from './availability.js';
import {
  type KeyspaceComparison,
  observeKeyspace,
  readKeyDigests,
  type SeededKeyspace,
  seedKeyspace,
} from './keyspace.js';
import type { RehearsalPath } from './preconditions.js';
import { type SwappableCluster, versionChanges } from './rehearsal.js';
import type { RehearsalHost } from './rehearsal-host.js';
import { keyspaceByResource, snapshotSeed } from './seed-snapshot.js';
import { type VersionReading, VersionSampler } from './version-probe.js';

export interface HashesAtRevision {
  readonly revision: number;
  /** `etcdctl endpoint hashkv --rev` per member (undefined: no hash from that member). */
  readonly byMember: Readonly<Record<string, number | undefined>>;
}

/** What a rolling upgrade or downgrade rehearsal recorded (closeRehearsal). */
export interface RollingRecord {
  readonly path: RehearsalPath;
  readonly steps: readonly RehearsalStep[];
  readonly availability: AvailabilityReport;
  /** Longest acceptable stretch without any acknowledged write (the quorum criterion). */
  readonly maxOutageMs: number;
  readonly ledgerCheck: LedgerCheck;
  readonly keyspace: KeyspaceComparison;
  readonly hashes: HashesAtRevision | undefined;
  /** Why no hashKV could be taken (when `hashes` is undefined). */
  readonly hashesError?: string;
  /** `/version` of every member, sampled through the rehearsal. */
  readonly versions: readonly VersionReading[];
  /** How long the rehearsal waited for the cluster version to move after the last step. */
  readonly clusterVersionTimeoutMs: number;
}

/** Values a `from`/`to` scenario parameter takes: `auto`, a line, or a known release. */
export const VERSION_CHOICES: readonly string[] = [
  'auto',
  ...SUPPORTED_LINES,
  ...Object.values(KNOWN_RELEASES).flat(),
];

/** The parameters both rehearsal scenarios take (with `auto` meaning what suits the direction). */
export function rehearsalParams(direction: 'upgrade' | 'downgrade') {
  const [autoFrom, autoTo] =
    direction === 'upgrade'
      ? ['the minor before the run target', 'the run target']
      : ['the run target', 'the minor before the run target'];
  return {
    from: {
      type: 'enum',
      choices: VERSION_CHOICES,
      default: 'auto',
      description: `release to ${direction} from (auto: ${autoFrom})`,
    },
    to: {
      type: 'enum',
      choices: VERSION_CHOICES,
      default: 'auto',
      description: `release to ${direction} to (auto: ${autoTo})`,
    },
    seedKeys: {
      type: 'number',
      default: 500,
      unit: 'count',
      min: 1,
      max: 1_000_000,
      description: 'keys under /registry/',
    },
    valueBytes: {
      type: 'number',
      default: 512,
      unit: 'bytes',
      min: 16,
      max: 1_048_576,
      description: 'mean seeded value size',
    },
    writers: ledgerWritersParam(),
    maxOutageMs: {
      type: 'number',
      default: 5_000,
      unit: 'ms',
      min: 100,
      description: 'longest acceptable stretch with no acknowledged write',
    },
    clusterVersionTimeoutMs: {
      type: 'number',
      default: 20_000,
      unit: 'ms',
      min: 1_000,
      description: 'wait for the cluster version to move after the last member',
    },
  } as const;
}

/** The release `minor` steps away from `version`'s line (newest known patch), if that line is supported. */
export function neighbourLine(version: EtcdVersion, minor: number): EtcdVersion | undefined {
  const line = `${version.major}.${version.minor + minor}`;
  return (SUPPORTED_LINES as readonly string[]).includes(line) ? resolveVersion(line) : undefined;
}

/**
 * From and to for a rehearsal. Named ones win; `auto` follows the run's target: an upgrade from the previous minor to
 * the target (or from the target to the next minor when there is no previous one, e.g. 3.4); a downgrade from the
 * target to the previous minor.
 */
export function rehearsalVersions(
  target: EtcdVersion,
  from: string,
  to: string,
  direction: 'upgrade' | 'downgrade',
): { from: EtcdVersion; to: EtcdVersion } {
  const named = (value: string) => (value === 'auto' ? undefined : resolveVersion(value));
  const givenFrom = named(from);
  const givenTo = named(to);
  if (givenFrom && givenTo) return { from: givenFrom, to: givenTo };
  const step = direction === 'upgrade' ? 1 : -1;
  if (givenFrom) return { from: givenFrom, to: neighbourLine(givenFrom, step) ?? givenFrom };
  if (givenTo) return { from: neighbourLine(givenTo, -step) ?? givenTo, to: givenTo };
  if (direction === 'downgrade') return { from: target, to: neighbourLine(target, -1) ?? target };
  const previous = neighbourLine(target, -1);
  return previous ? { from: previous, to: target } : { from: target, to: neighbourLine(target, 1) ?? target };
}

export interface RehearsalCluster {
  readonly cluster: SwappableCluster;
  readonly oldBinaries: EtcdBinaries;
  readonly sampler: VersionSampler;
  readonly writer: LedgerWriter;
  readonly seeded: SeededKeyspace;
  readonly startedAt: number;
}

export interface RehearsalLoad {
  readonly seedKeys: number;
  readonly valueBytes: number;
  readonly writers: number;
  /**
   * A side cluster (the skip attempt, on another release than the run's): a generated keyspace instead of the user's
   * snapshot, and only the run's flags that release knows.
   */
  readonly sideCluster?: boolean;
}

/** A cluster on `version` with the run's TLS, network and flags, seeded, under the ledger, its versions sampled. */
export async function startRehearsalCluster(
  ctx: RehearsalHost,
  version: EtcdVersion,
  load: RehearsalLoad,
): Promise<RehearsalCluster> {
  const oldBinaries = await resolveEtcd(version, { signal: ctx.signal });
  const spec = ClusterSpec.fromBinaries(oldBinaries)
    .withNetwork(ctx.target.network)
    .withTls(ctx.target.tls, ctx.target.tlsKeyType ? { keyType: ctx.target.tlsKeyType } : {});
  const flags = load.sideCluster
    ? Object.fromEntries(
        Object.entries(ctx.target.flags).filter(([name]) => capabilitiesOf(version).flag(name).accepted),
      )
    : ctx.target.flags;
  if (Object.keys(flags).length > 0) spec.withFlags(flags);
  const seed = load.sideCluster ? undefined : ctx.target.seedSnapshot;
  const restoreStartedAt = Date.now();
  if (seed) {
    // The user's snapshot, restored into every member with the tools of the release it starts on (the one that
    // wrote it: checked before the run started).
    ctx.step(
      `restoring ${seed.path} into every member with etcd ${version}'s ${capabilitiesOf(version).snapshotTool}`,
    );
    spec.withDataDirInitializer(
      restoreInitializer(seed.path, {
        recordTool: (label, run) => ctx.recordTool(label, run),
        label: (member) => `snapshot restore of --seed-snapshot for ${member}`,
        ...(seed.integrity.startsWith('none') ? { extraArgs: { skipHashCheck: true } } : {}),
      }),
    );
  }
  ctx.step(`starting a 3-member cluster on etcd ${version}`);
  const cluster = await ctx.startCluster(spec);
  if (!supportsBinarySwap(cluster))
    throw new UnsupportedError(`the ${cluster.backend} backend cannot swap a member's etcd binary`);
  const sampler = VersionSampler.start(cluster);
  cluster.session.defer('version sampler', async () => {
    await sampler.stop();
  });
  let seeded: SeededKeyspace;
  if (seed) {
    ctx.step('reading every key of the restored snapshot (its digest is what the rehearsal must keep)');
    const { digests, bytes, revision } = await readKeyDigests(cluster.client());
    seeded = snapshotSeed(digests, bytes, Date.now() - restoreStartedAt);
    await recordSeedSummary(ctx, cluster, seeded, bytes, revision);
  } else {
    ctx.step(`seeding ${load.seedKeys} Kubernetes-like keys under /registry/`);
    seeded = await seedKeyspace(cluster.client(), { keys: load.seedKeys, valueBytes: load.valueBytes });
  }
  const writer = ctx.ledger(cluster, { writers: load.writers });
  return { cluster, oldBinaries, sampler, writer, seeded, startedAt: Date.now() };
}

/** The report's summary of the user's keyspace: keys and bytes per /registry/<resource>, revision, db size. */
async function recordSeedSummary(
  ctx: RehearsalHost,
  cluster: StartedCluster,
  seeded: SeededKeyspace,
  bytes: ReadonlyMap<string, number>,
  revision: number | undefined,
): Promise<void> {
  const leader = (await cluster.leader()) ?? cluster.members[0]!;
  // An unreachable leader (status.error) leaves the db size out of the summary, nothing else.
  const status = await memberStatus(leader, { tls: cluster.clientTls() });
  const rows = keyspaceByResource(bytes);
  const seed = ctx.target.seedSnapshot;
  ctx.table({
    name: 'Your keyspace (--seed-snapshot)',
    columns: ['resource', 'keys', 'bytes', 'share of keys %'],
    rows: rows.map((row) => [
      row.resource,
      row.keys,
      row.bytes,
      Math.round((row.keys / seeded.keys) * 1000) / 10,
    ]),
    note: `${seed?.path}: ${seeded.keys} keys, ${seeded.bytes} bytes of keys and values, revision ${revision ?? 'n/a'}, db size ${status.dbSizeBytes ?? `n/a (${status.error})`} bytes on ${leader.name}; restored and read in ${(seeded.durationMs / 1000).toFixed(1)} s. SHA-256 of the file before the run: ${seed?.sha256}.`,
  });
  await ctx.evidence.json('seed-snapshot-keyspace.json', {
    path: seed?.path,
    sha256Before: seed?.sha256,
    keys: seeded.keys,
    bytes: seeded.bytes,
    digest: seeded.digest,
    revision,
    dbSizeBytes: status.dbSizeBytes,
    byResource: rows,
  });
}

/** `snapshot save` from the leader with the old release's etcdctl (the guides' "download the snapshot backup"). */
export async function snapshotFromLeader(ctx: RehearsalHost, run: RehearsalCluster): Promise<string> {
  const leader = (await run.cluster.leader()) ?? run.cluster.members[0]!;
  const path = join(ctx.session.workDir, `${ctx.scenario}-${Date.now()}-backup.db`);
  const saved = await saveSnapshot(run.cluster, leader, path);
  ctx.recordTool(`snapshot save from the leader ${leader.name} (etcd ${run.oldBinaries.version})`, saved.run);
  return path;
}

/**
 * Stops the load and reads what the checks need: the ledger against every acknowledged write, the seeded keyspace,
 * hashKV at a common revision, per-step availability and the versions over time (also as report tables and charts).
 */
export async function closeRehearsal(
  ctx: RehearsalHost,
  run: RehearsalCluster,
  input: {
    readonly path: RehearsalPath;
    readonly steps: readonly RehearsalStep[];
    readonly maxOutageMs: number;
    readonly clusterVersionTimeoutMs: number;
  },
): Promise<{ record: RollingRecord; ledger: Ledger }> {
  const { cluster } = run;
  const ledger = await run.writer.stop();
  const versions = await run.sampler.stop();
  const running = cluster.members.filter((member) => member.state === 'running');
  const reader = running[0]?.client({ direct: true }) ?? cluster.client();
  const ledgerCheck = checkLedger(ledger, await readLedgerKeys(reader, ledger.prefix));
  const keyspace = await observeKeyspace(reader, run.seeded);
  // A failed hashKV is part of the verdict (no hash, no agreement): keep why.
  const hashed = await hashKvAtCommonRevision(
    cluster,
    running.map((member) => member.name),
  ).then(
    (hashes) => ({ hashes, error: undefined }),
    (error: unknown) => ({ hashes: undefined, error: describeError(error) }),
  );
  const { hashes } = hashed;
  if (hashes) ctx.recordTool(`etcdctl endpoint hashkv --rev=${hashes.revision}`, hashes.run);
  const steps =
    input.steps.length > 0
      ? input.steps
      : [{ name: 'no step', startedAt: run.startedAt, endedAt: Date.now() }];
  const availability = availabilityByStep(ledger, steps);
  await ctx.evidence.json(`${ctx.scenario}-rehearsal.json`, {
    path: { from: input.path.from.toString(), to: input.path.to.toString(), direction: input.path.direction },
    steps,
    availability,
    versions,
    seeded: run.seeded,
    keyspace,
    hashes: hashes ? { revision: hashes.revision, byMember: hashes.byMember } : { error: hashed.error },
    ledger: { summary: ledgerCheck.summary, missing: ledgerCheck.missing.slice(0, 20) },
  });
  recordReport(ctx, cluster.name, input.path, steps, availability, versions, run.startedAt);
  const record: RollingRecord = {
    path: input.path,
    steps,
    availability,
    maxOutageMs: input.maxOutageMs,
    ledgerCheck,
    keyspace,
    hashes: hashes && { revision: hashes.revision, byMember: hashes.byMember },
    ...(hashed.error ? { hashesError: hashed.error } : {}),
    versions,
    clusterVersionTimeoutMs: input.clusterVersionTimeoutMs,
  };
  return { record, ledger };
}

function recordReport(
  ctx: RehearsalHost,
  clusterName: string,
  path: RehearsalPath,
  steps: readonly RehearsalStep[],
  availability: ReturnType<typeof availabilityByStep>,
  versions: ReturnType<VersionSampler['snapshot']>,
  origin: number,
): void {
  const label = `${path.direction} ${path.from} → ${path.to}`;
  ctx.table({
    name: `${label}: availability per step`,
    columns: [
      'step',
      'duration ms',
      'acknowledged',
      'failed',
      'ambiguous',
      'success %',
      'longest gap ms',
      'error',
    ],
    rows: [...availability.steps, availability.overall].map((entry, index) => [
      entry.step,
      entry.durationMs,
      entry.acknowledged,
      entry.failed,
      entry.ambiguous,
      Number.isFinite(entry.successShare) ? Math.round(entry.successShare * 1000) / 10 : null,
      entry.longestGapMs,
      steps[index]?.error ?? null,
    ]),
    note: `Writes by the ledger workload (one client per member, through its proxy): a writer pinned to the member being swapped fails until it is back. Longest gap: the longest stretch without an acknowledged write from any writer that overlaps the step, measured whole (from the acknowledgement before it to the one after). Longest outage in the rehearsal: ${availability.longestOutage.ms} ms.`,
    chart: { columns: ['success %'] },
  });
  ctx.table({
    name: `${label}: versions over time`,
    columns: ['s since start', 'member', 'etcdserver', 'etcdcluster', 'storage'],
    rows: versionChanges(versions, origin),
    note: 'GET /version on each member, sampled every 250 ms; one row per change.',
  });
  const times = [...new Set(versions.map((reading) => reading.at))].sort((a, b) => a - b);
  const latest = new Map<string, (typeof versions)[number]>();
  const onTarget: { at: number; value: number }[] = [];
  const clusterLine: { at: number; value: number }[] = [];
  for (const at of times) {
    for (const reading of versions.filter((entry) => entry.at === at)) latest.set(reading.member, reading);
    const current = [...latest.values()];
    onTarget.push({ at, value: current.filter((reading) => reading.server === path.to.toString()).length });
    const lines = current.map((reading) =>
      reading.cluster ? Number.parseFloat(reading.cluster) : Number.NaN,
    );
    const agreed = lines.filter(Number.isFinite);
    if (agreed.length > 0) clusterLine.push({ at, value: Math.min(...agreed) });
  }
  ctx.series({
    name: `members running ${path.to} (${label})`,
    unit: 'count',
    cluster: clusterName,
    points: onTarget,
  });
  ctx.series({
    name: `cluster version (${label})`,
    unit: 'version',
    cluster: clusterName,
    points: clusterLine,
  });
}
