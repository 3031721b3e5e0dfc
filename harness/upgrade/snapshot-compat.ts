// upgrade.snapshot-compat's procedure: the old release's snapshot restored with the new release's tool (etcdutl from
// 3.5) into a fresh single-member cluster on the new release, then compared with what was seeded and acknowledged.
import type { EtcdBinaries } from '../binaries/types.js';
import type { SnapshotCompatRecord } from '../checks/upgrade.js';
import { ClusterSpec } from '../cluster/spec.js';
import { InputError } from '../errors.js';
import { restoreSnapshot, snapshotStatus, snapshotToolOf } from '../procedures/snapshot.js';
import { type ToolRun, toolError } from '../procedures/tool-run.js';
import type { ScenarioContext } from '../scenario/types.js';
import type { Ledger } from '../workload/ledger.js';
import { checkLedger, readLedgerKeys } from '../workload/ledger-check.js';
import { readKeyspace, type SeededKeyspace } from './keyspace.js';

export async function restoreWithNewTool(
  ctx: ScenarioContext<unknown>,
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
  ctx.recordTool(`${tool} snapshot status of the ${input.snapshotFrom} snapshot`, status.run);
  let restoreRun: ToolRun | undefined;
  const spec = ClusterSpec.fromBinaries(binaries)
    .withMembers(1)
    .withNetwork(ctx.target.network)
    .withTls(ctx.target.tls)
    .withDataDirInitializer(async (init) => {
      restoreRun = await restoreSnapshot(init.binaries, input.snapshotPath, {
        name: init.member,
        dataDir: init.dataDir,
        initialCluster: init.initialCluster,
        initialAdvertisePeerUrl: init.initialAdvertisePeerUrl,
        clusterToken: init.clusterToken,
      });
      ctx.recordTool(`${tool} snapshot restore of the ${input.snapshotFrom} snapshot`, restoreRun);
      if (restoreRun.exitCode !== 0)
        throw new InputError(`snapshot restore failed: ${toolError(restoreRun)}`);
    });
  ctx.step(`restoring the ${input.snapshotFrom} snapshot with ${tool}`);
  const restored = await ctx.startCluster(spec).catch(() => undefined);
  const base = {
    snapshotFrom: input.snapshotFrom,
    tool,
    restoreExitCode: restoreRun?.exitCode ?? -1,
    restoreError: restoreRun && restoreRun.exitCode !== 0 ? toolError(restoreRun) : undefined,
    snapshotRevision: status.status?.revision,
  };
  if (!restored)
    return {
      ...base,
      restoredHealthy: false,
      keyspace: { seeded: input.seeded, observed: undefined },
      ledgerCheck: undefined,
    };
  const client = restored.client();
  const observed = await readKeyspace(client).catch(() => undefined);
  const ledgerCheck =
    status.status === undefined
      ? undefined
      : checkLedger(input.ledger, await readLedgerKeys(client, input.ledger.prefix), {
          upToRevision: status.status.revision,
        });
  const health = await restored.members[0]!.health();
  await ctx.releaseCluster(restored);
  return {
    ...base,
    restoredHealthy: health.healthy,
    keyspace: {
      seeded: input.seeded,
      observed: observed && { keys: observed.keys, digest: observed.digest },
    },
    ledgerCheck,
  };
}
