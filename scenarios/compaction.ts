// Periodic auto-compaction. A 3-member cluster runs with `--auto-compaction-mode=periodic` and a short retention
// while a ledger writer writes steadily; the compactions are read from the members' logs ("starting auto periodic
// compaction", logged by the leader), the revision written first is probed with `etcdctl get --rev` (it must be
// compacted by the end) and so is one written well within the retention (it must still be readable). A second,
// single-member cluster with the same flags stays idle throughout: whether an unchanged revision is compacted again
// every interval differs by version (capability `periodicCompactionSkipsUnchangedRevision`).
import { readFile } from 'node:fs/promises';
import {
  type CompactionEvent,
  checkIdleCompaction,
  checkPeriodicCompaction,
  defineScenario,
  HarnessError,
  InputError,
  parseCompactionLog,
  parseRetention,
  type RevisionProbe,
  type StartedCluster,
} from '../harness/index.js';

export default defineScenario({
  id: 'compaction',
  title: 'Periodic auto-compaction',
  claims: ['compaction.periodic'],
  params: {
    retentionMs: {
      type: 'number',
      default: 5_000,
      unit: 'ms',
      min: 1_000,
      max: 600_000,
      description: '--auto-compaction-retention (periodic mode), in ms',
    },
    writeMs: {
      type: 'number',
      default: 25_000,
      unit: 'ms',
      min: 1_000,
      description: 'steady writes (at least 2.5 retentions to judge the schedule)',
    },
    ratePerSecond: {
      type: 'number',
      default: 50,
      min: 1,
      max: 5_000,
      description: 'ledger puts per second (steady, so revisions map to times)',
    },
  },
  intensities: { quick: { retentionMs: 2_000, writeMs: 6_000 } },
  async run(ctx) {
    const { params } = ctx;
    const retentionFlag =
      params.retentionMs % 1_000 === 0 ? `${params.retentionMs / 1_000}s` : `${params.retentionMs}ms`;
    const retentionMs = parseRetention(retentionFlag);
    if (retentionMs === undefined) throw new InputError(`cannot read the retention \`${retentionFlag}\``);
    const flags = { 'auto-compaction-mode': 'periodic', 'auto-compaction-retention': retentionFlag };
    ctx.step(`two clusters with --auto-compaction-retention=${retentionFlag}: one written to, one idle`);
    const [cluster, idle] = await Promise.all([
      ctx.startCluster(ctx.clusterSpec().withFlags(flags)),
      ctx.startCluster(ctx.clusterSpec().withMembers(1).withFlags(flags)),
    ]);

    ctx.step(`writing ${params.ratePerSecond} puts/s for ${params.writeMs} ms`);
    const writer = ctx.ledger(cluster, { writers: 2, ratePerSecond: params.ratePerSecond });
    const writesFrom = Date.now();
    await ctx.sleep(params.writeMs);

    ctx.step('probing an old and a recent revision with etcdctl get --rev');
    const acked = writer.snapshot().acknowledged;
    const oldest = acked.reduce(
      (first, write) => (write.revision < first.revision ? write : first),
      acked[0]!,
    );
    if (!oldest)
      throw new HarnessError('the ledger writer acknowledged nothing: the cluster did not take writes');
    // Written half a retention ago: the compactor only compacts to revisions it sampled at least a retention ago.
    const recentBefore = Date.now() - retentionMs / 2;
    const recent =
      [...acked].reverse().find((write) => write.sentAt <= recentBefore) ?? acked[acked.length - 1]!;
    const probe = async (label: string, write: typeof oldest): Promise<RevisionProbe> => {
      const probedAt = Date.now();
      const run = await cluster.etcdctl(['get', write.key, `--rev=${write.revision}`, '--print-value-only'], {
        allowFailure: true,
      });
      ctx.recordTool(label, run);
      return {
        key: write.key,
        revision: write.revision,
        ageMs: probedAt - write.ackAt,
        exitCode: run.exitCode,
        output: (run.exitCode === 0
          ? run.stdout
          : (run.stderr.split('\n').filter(Boolean).pop() ?? '')
        ).trim(),
      };
    };
    const oldProbe = await probe(`get the oldest ledger revision ${oldest.revision}`, oldest);
    const recentProbe = await probe(`get a revision within the retention (${recent.revision})`, recent);
    const writesTo = Date.now();
    const ledger = await writer.stop();

    const [events, idleEvents] = await Promise.all([compactionsOf(cluster), compactionsOf(idle)]);
    const until = Date.now();
    await ctx.evidence.json('compaction-record.json', {
      retentionFlag,
      writesFrom,
      writesTo,
      events,
      idleEvents,
      oldProbe,
      recentProbe,
    });
    ctx.series({
      name: 'current revision (ledger acknowledgements)',
      unit: 'revision',
      cluster: cluster.name,
      points: ledger.acknowledged
        .filter((_, index) => index % 10 === 0)
        .map((write) => ({ at: write.ackAt, value: write.revision })),
    });
    ctx.series({
      name: 'compacted revision (auto compaction)',
      unit: 'revision',
      cluster: cluster.name,
      points: events.map((event) => ({ at: event.at, value: event.revision })),
    });
    ctx.report(
      checkPeriodicCompaction({
        retentionFlag,
        retentionMs,
        events,
        writes: ledger.acknowledged,
        writesFrom,
        writesTo,
        oldProbe,
        recentProbe: { ...recentProbe, expectedValue: recent.value },
      }),
    );
    ctx.report(
      checkIdleCompaction({
        retentionMs,
        events: idleEvents,
        until,
        skipsUnchangedRevision: ctx.target.capabilities.periodicCompactionSkipsUnchangedRevision,
        version: ctx.target.version.toString(),
      }),
    );
  },
});

/** Every periodic compaction the members of `cluster` logged so far. */
async function compactionsOf(cluster: StartedCluster): Promise<CompactionEvent[]> {
  const logs = await Promise.all(
    cluster.members.map(async (member) =>
      parseCompactionLog(member.name, await readFile(member.logPath, 'utf8')),
    ),
  );
  return logs.flat().sort((a, b) => a.at - b.at);
}
