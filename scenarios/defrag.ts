// Compaction then defrag shrinks the database. A few hundred keys are overwritten many times with 1–4 KiB values and
// half of them deleted, the history is compacted to the current revision (which frees bbolt pages but does not give
// them back), then each member is defragmented with etcdctl; its db size must fall to about the size in use.
import { randomBytes, randomInt } from 'node:crypto';
import {
  checkDefragShrinks,
  compact,
  defineScenario,
  defrag,
  endpointStatus,
  HarnessError,
  InputError,
  procedureError,
  toolError,
} from '../harness/index.js';

const PREFIX = '/defrag/';

export default defineScenario({
  id: 'defrag',
  title: 'Compaction then defrag shrinks the database',
  claims: ['defrag.shrinks'],
  params: {
    keys: { type: 'number', default: 500, unit: 'count', min: 10, max: 10_000, description: 'distinct keys' },
    rounds: {
      type: 'number',
      default: 20,
      unit: 'count',
      min: 2,
      max: 1_000,
      description: 'times each key is overwritten',
    },
    minValueBytes: { type: 'number', default: 1024, unit: 'bytes', min: 1, description: 'smallest value' },
    maxValueBytes: { type: 'number', default: 4096, unit: 'bytes', min: 1, description: 'largest value' },
    deletePercent: {
      type: 'number',
      default: 50,
      unit: '%',
      min: 0,
      max: 100,
      description: 'share of the keys deleted at the end',
    },
    opsPerTxn: {
      type: 'number',
      default: 100,
      unit: 'count',
      min: 1,
      max: 128,
      description: 'puts per transaction (etcd refuses more than --max-txn-ops, default 128)',
    },
  },
  intensities: { quick: { keys: 400, rounds: 10 }, full: { keys: 1_000, rounds: 20 } },
  async run(ctx) {
    const { params } = ctx;
    if (params.maxValueBytes < params.minValueBytes)
      throw new InputError(
        `Expected \`maxValueBytes\` (${params.maxValueBytes}) to be at least \`minValueBytes\` (${params.minValueBytes}).`,
      );
    const cluster = await ctx.startCluster();
    const client = cluster.client({ callTimeoutMs: 15_000 });
    const keyOf = (index: number) => `${PREFIX}${String(index).padStart(6, '0')}`;

    ctx.step(`overwriting ${params.keys} keys ${params.rounds} times`);
    let bytesWritten = 0;
    for (let round = 0; round < params.rounds; round++) {
      ctx.signal.throwIfAborted();
      const batches: { request_put: { key: Buffer; value: Buffer } }[][] = [];
      for (let index = 0; index < params.keys; index++) {
        if (index % params.opsPerTxn === 0) batches.push([]);
        const value = randomBytes(randomInt(params.minValueBytes, params.maxValueBytes + 1));
        bytesWritten += value.length;
        batches[batches.length - 1]!.push({ request_put: { key: Buffer.from(keyOf(index)), value } });
      }
      // One round's batches touch distinct keys, so they may run concurrently; rounds run one after another.
      await Promise.all(batches.map((success) => client.kv.txn({ success })));
    }
    const deleteEnd = Math.floor((params.keys * params.deletePercent) / 100);
    const deleted = await cluster.etcdctl(['del', keyOf(0), keyOf(deleteEnd)], { allowFailure: true });
    ctx.recordTool(`delete ${deleteEnd} of the ${params.keys} keys`, deleted);

    ctx.step('compacting to the current revision');
    const revision = Math.max(...(await endpointStatus(cluster)).statuses.map((status) => status.revision));
    const compacted = await compact(cluster, revision);
    ctx.recordTool(`compact ${revision} --physical`, compacted);
    if (compacted.exitCode !== 0) throw procedureError(`compact ${revision}`, compacted);
    // The backend commits every 100 ms: let the compaction's deletions reach the in-use figure.
    await ctx.sleep(300);
    const before = await endpointStatus(cluster);
    ctx.recordTool('endpoint status after compaction, before defrag', before.run);

    ctx.step('defragmenting each member');
    const defragAt = Date.now();
    const runs = await defrag(cluster);
    runs.forEach((run, index) => {
      ctx.recordTool(`defrag ${cluster.members[index]?.name}`, run);
    });
    const after = await endpointStatus(cluster);
    ctx.recordTool('endpoint status after defrag', after.run);
    await ctx.evidence.json('defrag-record.json', {
      keys: params.keys,
      rounds: params.rounds,
      bytesWritten,
      deletedKeys: deleteEnd,
      compactRevision: revision,
      before: before.statuses,
      after: after.statuses,
    });

    for (const [index, member] of cluster.members.entries()) {
      const sizesBefore = before.statuses.find((status) => status.member === member.name);
      const sizesAfter = after.statuses.find((status) => status.member === member.name);
      const run = runs[index]!;
      if (!sizesBefore || !sizesAfter)
        throw new HarnessError(`endpoint status did not report ${member.name}`, {
          context: { member: member.name },
        });
      ctx.series({
        name: `db size of ${member.name} around defrag`,
        unit: 'bytes',
        cluster: cluster.name,
        points: [
          { at: defragAt - 1, value: sizesBefore.dbSizeBytes },
          { at: Date.now(), value: sizesAfter.dbSizeBytes },
        ],
        thresholds: [{ label: 'in use before defrag', value: sizesBefore.dbSizeInUseBytes }],
      });
      ctx.report(
        checkDefragShrinks({
          member: member.name,
          before: sizesBefore,
          after: sizesAfter,
          defragExitCode: run.exitCode,
          ...(run.exitCode === 0 ? {} : { defragError: toolError(run) }),
        }),
      );
    }
  },
});
