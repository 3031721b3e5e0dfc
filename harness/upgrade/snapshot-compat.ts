// upgrade.snapshot-compat's procedure: the old release's snapshot restored with the new release's tool (etcdutl from
// 3.5) into a fresh single-member cluster on the new release, then compared with what was seeded and acknowledged.
import type { EtcdBinaries } from '../binaries/types.js';
import { ClusterSpec } from '../cluster/spec.js';
import { describeError, MemberStartError, ProcedureError } from '../errors.js';
import { restoreInitializer, snapshotStatus, snapshotToolOf } from '../procedures/snapshot.js';
import { type ToolRun, toolError } from '../procedures/tool-run.js';
import type { Ledger } from '../workload/ledger.js';
import { checkLedger, type LedgerCheck, readLedgerKeys } from '../workload/ledger-check.js';
import {
  compareKeyspace,
  type KeyspaceComparison,
  observeKeyspace,
  type SeededKeyspace,
} from './keyspace.js';
import { refusalLine } from './rehearsal.js';
import type { RehearsalHost } from './rehearsal-host.js';

/** What restoring the old version's snapshot with the new version's tool recorded. */
export interface SnapshotCompatRecord {
  readonly snapshotFrom: string;
  readonly tool: string;
  readonly restoreExitCode: number;
  readonly restoreError: string | undefined;
  readonly snapshotRevision: number | undefined;
  /** The restored member started and was healthy on the new version. */
  readonly restoredHealthy: boolean;
  /** Why the restored cluster did not start, when it did not (after a successful restore). */
  readonly startError?: string;
  /** The tail of the restored member's log when it did not start. */
  readonly startLogTail?: string;
  /** etcd's own words for why it did not start (its fatal/panic line, else the last line of the log). */
  readonly startRefusal?: string;
  readonly keyspace: KeyspaceComparison;
  /** The ledger bounded to the snapshot revision, checked on the restored member. */
  readonly ledgerCheck: LedgerCheck | undefined;
}

export async function restoreWithNewTool(
  host: RehearsalHost,
  input: {
    readonly snapshotPath: string;
    readonly snapshotFrom: string;
    readonly binaries: EtcdBinaries;
    readonly seeded: SeededKeyspace;
    readonly ledger: Ledger;
  },
): Promise<SnapshotCompatRecord> {
  const { binaries } = input;
  const tool = `${snapshotToolOf(binaries).split('/').pop()} ${binaries.version}`;
  const status = await snapshotStatus(binaries, input.snapshotPath);
  host.recordTool(`${tool} snapshot status of the ${input.snapshotFrom} snapshot`, status.run);
  let restoreRun: ToolRun | undefined;
  const spec = ClusterSpec.fromBinaries(binaries)
    .withMembers(1)
    .withNetwork(host.target.network)
    .withTls(host.target.tls)
    .withDataDirInitializer(
      restoreInitializer(input.snapshotPath, {
        label: () => `${tool} snapshot restore of the ${input.snapshotFrom} snapshot`,
        recordTool: (label, run) => {
          restoreRun = run;
          host.recordTool(label, run);
        },
      }),
    );
  host.step(`restoring the ${input.snapshotFrom} snapshot with ${tool}`);
  const base = () => ({
    snapshotFrom: input.snapshotFrom,
    tool,
    restoreExitCode: restoreRun?.exitCode ?? -1,
    restoreError: restoreRun && restoreRun.exitCode !== 0 ? toolError(restoreRun) : undefined,
    snapshotRevision: status.status?.revision,
  });
  let restored: Awaited<ReturnType<RehearsalHost['startCluster']>>;
  try {
    restored = await host.startCluster(spec);
  } catch (error) {
    if (host.signal.aborted) throw error;
    // The refused restore (a ProcedureError) is in the record already; a member that did not start on the restored
    // data is the finding's evidence: keep why, with etcd's log tail.
    return {
      ...base(),
      restoredHealthy: false,
      ...(error instanceof ProcedureError ? {} : { startError: describeError(error).split('\n')[0] }),
      ...(error instanceof MemberStartError
        ? { startLogTail: error.logTail, startRefusal: refusalLine(error.logTail) }
        : {}),
      keyspace: compareKeyspace(input.seeded, undefined),
      ledgerCheck: undefined,
    };
  }
  const client = restored.client();
  const keyspace = await observeKeyspace(client, input.seeded);
  const ledgerCheck =
    status.status === undefined
      ? undefined
      : checkLedger(input.ledger, await readLedgerKeys(client, input.ledger.prefix), {
          upToRevision: status.status.revision,
        });
  const health = await restored.members[0]!.health();
  await host.releaseCluster(restored);
  return { ...base(), restoredHealthy: health.healthy, keyspace, ledgerCheck };
}
