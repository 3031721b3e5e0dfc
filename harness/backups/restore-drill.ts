// The restore drill of one snapshot: `snapshot restore` (the version's tool: etcdctl for 3.4, etcdutl from 3.5) into
// fresh data dirs of a throwaway cluster (one member by default), start it, and read what it holds: revision and key
// count (`etcdctl get --from-key --limit=1 -w json`) and each member's HashKV at the snapshot revision. The etcd
// version that wrote a file is read from its meta buckets (server/storage/schema: storageVersion since 3.6,
// clusterVersion and term since 3.5).
import type { EtcdBinaries } from '../binaries/types.js';
import type { RestoreDrillRecord, SnapshotFacts } from '../checks/backup-files.js';
import { ClusterSpec } from '../cluster/spec.js';
import type { StartedCluster } from '../cluster/types.js';
import { describeError } from '../errors.js';
import { restoreSnapshot, snapshotToolOf } from '../procedures/snapshot.js';
import { type ToolRun, toolError } from '../procedures/tool-run.js';
import type { ScenarioContext } from '../scenario/types.js';
import { DEFAULT_LINE, SUPPORTED_LINES } from '../versions/catalog.js';
import { type EtcdVersion, resolveVersion } from '../versions/version.js';
import type { EtcdMeta } from './etcd-db.js';

/** etcdctl's default 5 s is too short for a HashKV over a million keys on a busy machine (measured: 5.3 s, failed). */
const COMMAND_TIMEOUT = '--command-timeout=600s';

export interface WriterInfo {
  /** The etcd line that wrote the file, when it can be told. */
  readonly line: string | undefined;
  readonly evidence: string;
}

/** Which etcd wrote a database, from the fields each release added (server/storage/schema/bucket.go). */
export function writerOf(meta: EtcdMeta | undefined): WriterInfo {
  if (!meta) return { line: undefined, evidence: 'unreadable database: the writer cannot be told' };
  const lineOf = (version: string) => /^(\d+\.\d+)/.exec(version)?.[1];
  if (meta.storageVersion)
    return {
      line: lineOf(meta.storageVersion),
      evidence: `storage version ${meta.storageVersion} in the meta bucket (written since 3.6)`,
    };
  if (meta.clusterVersion)
    return {
      line: lineOf(meta.clusterVersion),
      evidence: `cluster version ${meta.clusterVersion} in the cluster bucket (since 3.5), no storage version (before 3.6)`,
    };
  if (meta.term !== undefined)
    return {
      line: '3.5',
      evidence: 'raft term in the meta bucket (since 3.5), no cluster or storage version',
    };
  return {
    line: '3.4',
    evidence: 'no storage version, cluster version or term in the meta buckets: etcd 3.4 or older',
  };
}

/** The release to restore with: the user's, else the newest of the writer's line, else the default line. */
export function restoreVersionFor(writer: WriterInfo, requested: EtcdVersion | undefined): EtcdVersion {
  if (requested) return requested;
  const line =
    writer.line && (SUPPORTED_LINES as readonly string[]).includes(writer.line) ? writer.line : DEFAULT_LINE;
  return resolveVersion(line);
}

export interface RestoreDrillInput {
  readonly file: string;
  readonly snapshotPath: string;
  readonly version: EtcdVersion;
  readonly members: number;
  readonly skipHashCheck: boolean;
  /** What the member must hold; resolved while the restore runs (the file's own reading). */
  readonly expected: Promise<SnapshotFacts | undefined>;
  /** Called once every member's `snapshot restore` has finished (the file is not read after that). */
  readonly onRestoreFinished?: () => void;
  /** Alarms the snapshot carries: the restored member keeps them and never reports healthy. */
  readonly alarms?: readonly string[];
  /** More checks on the restored cluster while it runs (the drill compares it with its ledger). */
  readonly onRestored?: (cluster: StartedCluster, facts: SnapshotFacts | undefined) => Promise<void>;
}

export function toolLabel(binaries: EtcdBinaries): string {
  return `${snapshotToolOf(binaries).split('/').pop()} ${binaries.version}`;
}

export async function runRestoreDrill(
  ctx: ScenarioContext<unknown>,
  input: RestoreDrillInput,
): Promise<RestoreDrillRecord> {
  const startedAt = Date.now();
  let tool = `etcd ${input.version}`;
  let restoreFailure: RestoreDrillRecord['restoreFailure'];
  let restoresDone = 0;
  const spec = ClusterSpec.etcd(input.version)
    .withMembers(input.members)
    .withNetwork(ctx.target.network)
    // A member restored with an alarm never reports healthy: give it long enough to start, not the full wait.
    .withStartTimeout(input.alarms?.length ? 20_000 : 180_000)
    .withDataDirInitializer(async (init) => {
      tool = toolLabel(init.binaries);
      const run: ToolRun = await restoreSnapshot(init.binaries, input.snapshotPath, {
        name: init.member,
        dataDir: init.dataDir,
        initialCluster: init.initialCluster,
        initialAdvertisePeerUrl: init.initialAdvertisePeerUrl,
        clusterToken: init.clusterToken,
        skipHashCheck: input.skipHashCheck,
        timeoutMs: 600_000, // a 4 GiB restore on a slow disk
      });
      ctx.recordTool(`${tool} snapshot restore of ${input.file} for ${init.member}`, run);
      restoresDone += 1;
      if (restoresDone === input.members || run.exitCode !== 0) input.onRestoreFinished?.();
      if (run.exitCode !== 0) {
        // etcd prints both SHA-256 digests as 32-number arrays: keep the words, not the bytes.
        const message = toolError(run).replace(/\[(?:\d+ ){8,}\d+\]/g, '[32 bytes]');
        restoreFailure ??= { member: init.member, exitCode: run.exitCode, message };
        throw new Error(`snapshot restore failed: ${toolError(run)}`);
      }
    });
  const base = {
    file: input.file,
    etcdVersion: input.version.toString(),
    members: input.members,
    skipHashCheck: input.skipHashCheck,
  };
  let cluster: StartedCluster;
  try {
    cluster = await ctx.startCluster(spec);
  } catch (error) {
    return {
      ...base,
      tool,
      restoreFailure,
      startFailure: restoreFailure ? undefined : startFailureOf(describeError(error)),
      alarms: input.alarms,
      expected: await input.expected,
      durationMs: Date.now() - startedAt,
    };
  }
  try {
    const expected = await input.expected;
    const healthy = (await Promise.all(cluster.members.map((member) => member.health()))).filter(
      (report) => report.healthy,
    ).length;
    const range = await cluster.etcdctl<{ header?: { revision?: number }; count?: number }>(
      ['get', '', '--from-key', '--keys-only', '--limit=1', COMMAND_TIMEOUT],
      { json: true, members: [cluster.members[0]!.name], allowFailure: true, timeoutMs: 660_000 },
    );
    ctx.recordTool(`etcdctl get --from-key --limit=1 on the restored member`, asToolRun(range));
    const revision = range.json?.header?.revision;
    const hashRevision = expected?.revision ?? revision;
    const hashes: Record<string, number | undefined> = {};
    for (const member of cluster.members) {
      const run = await cluster.etcdctl<{ HashKV?: { hash?: number } }[]>(
        ['endpoint', 'hashkv', ...(hashRevision ? [`--rev=${hashRevision}`] : []), COMMAND_TIMEOUT],
        { json: true, members: [member.name], allowFailure: true, timeoutMs: 660_000 },
      );
      ctx.recordTool(`etcdctl endpoint hashkv --rev=${hashRevision} on ${member.name}`, asToolRun(run));
      hashes[member.name] = run.json?.[0]?.HashKV?.hash;
    }
    await input.onRestored?.(cluster, expected);
    return {
      ...base,
      tool,
      expected,
      observed: { revision, keys: range.json?.count ?? 0, hashes, healthyMembers: healthy },
      durationMs: Date.now() - startedAt,
    };
  } finally {
    await ctx.releaseCluster(cluster);
  }
}

/** The first line of a start failure, with the reason etcd logged (its fatal or error line's msg and error). */
export function startFailureOf(message: string): string {
  const [first = '', ...rest] = message.split('\n');
  for (const line of rest) {
    const level = /"level":"(fatal|error|panic)"/.exec(line);
    if (!level) continue;
    const msg = /"msg":"([^"]*)"/.exec(line)?.[1];
    const reason = /"error":"((?:[^"\\]|\\.)*)"/.exec(line)?.[1]?.replace(/\\"/g, '"');
    if (msg) return `${first} (etcd: ${msg}${reason ? `: ${reason}` : ''})`;
  }
  return first;
}

function asToolRun(run: {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}): ToolRun {
  return {
    command: run.command,
    exitCode: run.exitCode,
    stdout: run.stdout,
    stderr: run.stderr,
    durationMs: run.durationMs,
  };
}
