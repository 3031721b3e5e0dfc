// Defrag is blocking: a production-size keyspace (--scale; the 1 GiB and 4 GiB measurements use --scale 1GiB and
// --scale 4GiB) restored into a 3-member cluster, compacted and defragmented once (those times are the "defrag after
// compaction" figures), then defragmented member by member in three orders under a put load with writers pinned to
// every member: the naive member-list order (what `etcdctl defrag --cluster` does), the leader last, and the leader
// last after `etcdctl move-leader` handed leadership to a defragmented follower. Each defrag's write stall through
// the member and through the others, p99 and throughput; the recommendation follows from the numbers.
import {
  type ClusterMember,
  checkFollowerDefragStall,
  checkLeaderDefragStall,
  checkMoveLeaderStrategy,
  compact,
  DEFRAG_STRATEGIES,
  type DefragStep,
  type DefragStrategy,
  defineScenario,
  GrpcKvClient,
  latencySeries,
  longestAckGap,
  PutLoad,
  procedureError,
  putWindowStats,
  recommend,
  STRATEGY_TITLES,
  startSeededCluster,
  summarizeStrategies,
  throughputSeries,
  tookMs,
  toolError,
} from '../harness/index.js';

interface StepSpan {
  readonly strategy: DefragStrategy | 'initial';
  readonly member: string;
  readonly wasLeader: boolean;
  readonly from: number;
  readonly to: number;
  readonly exitCode: number;
  readonly error?: string;
  readonly moveLeaderMs?: number;
}

export default defineScenario({
  id: 'defrag-blocking',
  title: 'Defrag blocks: write stalls per member and strategy (naive, leader last, move-leader first)',
  claims: ['defrag.blocking'],
  suites: ['full'],
  params: {
    inFlightPerMember: {
      type: 'number',
      default: 4,
      unit: 'count',
      min: 1,
      max: 256,
      description: 'puts in flight through each member',
    },
    valueBytes: {
      type: 'number',
      default: 512,
      unit: 'bytes',
      min: 1,
      max: 1_048_576,
      description: 'put size',
    },
    quietMs: {
      type: 'number',
      default: 5_000,
      unit: 'ms',
      min: 500,
      max: 120_000,
      description: 'load without a defrag before the strategies and between them',
    },
    settleMs: {
      type: 'number',
      default: 1_000,
      unit: 'ms',
      min: 0,
      max: 60_000,
      description: 'pause between two members of a strategy',
    },
  },
  intensities: { quick: { quietMs: 1_000, settleMs: 300 }, full: { quietMs: 5_000, settleMs: 1_000 } },
  timeoutMs: { quick: 5 * 60_000, full: 120 * 60_000 },
  async run(ctx) {
    const { params } = ctx;
    const { cluster, seed } = await startSeededCluster(ctx);
    const clients = cluster.members.map(
      (member) => new GrpcKvClient({ endpoint: member.urls.client, tls: cluster.clientTls() }),
    );
    const memberIds = new Map<string, string>();
    for (const [index, member] of cluster.members.entries())
      memberIds.set(member.name, (await clients[index]!.status()).header.memberId.toString(16));
    const dbBytes = seed.snapshotBytes;
    // etcdctl's --command-timeout and the process timeout: generous for a multi-GiB copy on a shared disk.
    const commandTimeoutS = Math.max(60, Math.ceil(dbBytes / (2 * 1024 ** 2)));
    const spans: StepSpan[] = [];

    const defragMember = async (
      strategy: StepSpan['strategy'],
      member: ClusterMember,
      moveLeaderMs?: number,
    ): Promise<void> => {
      const wasLeader = (await cluster.leader())?.name === member.name;
      const started = Date.now();
      const run = await cluster.etcdctl(['defrag', `--command-timeout=${commandTimeoutS}s`], {
        members: [member.name],
        allowFailure: true,
        timeoutMs: (commandTimeoutS + 30) * 1000,
      });
      const to = Date.now();
      // The defrag itself, as etcdctl times its call ("took 1.2s", 3.6+), without etcdctl's own start-up.
      const took = tookMs(run.stdout);
      const from = took === undefined ? started : Math.max(started, to - took);
      ctx.recordTool(`defrag ${member.name} (${strategy}${wasLeader ? ', leader' : ''})`, run);
      spans.push({
        strategy,
        member: member.name,
        wasLeader,
        from,
        to,
        exitCode: run.exitCode,
        ...(run.exitCode === 0 ? {} : { error: toolError(run) }),
        ...(moveLeaderMs === undefined ? {} : { moveLeaderMs }),
      });
      await ctx.sleep(params.settleMs);
    };

    const compactFrom = Date.now();
    const revision = Math.max(
      ...(await Promise.all(clients.map((client) => client.status()))).map((s) => s.header.revision),
    );
    const compacted = await compact(cluster, revision);
    ctx.recordTool(`compact ${revision} --physical`, compacted);
    // The defrags "after compaction" would otherwise time a compaction still running on the members.
    if (compacted.exitCode !== 0) throw procedureError(`compact ${revision}`, compacted);
    const compactMs = Date.now() - compactFrom;

    const load = PutLoad.start(
      clients.map((client, index) => ({ client, label: cluster.members[index]!.name })),
      {
        inFlight: params.inFlightPerMember * clients.length,
        valueBytes: params.valueBytes,
        keySpace: 10_000,
        prefix: '/defrag-blocking/',
      },
    );
    let quiet: { from: number; to: number } | undefined;
    let inUseAfterInitial: number | undefined;
    try {
      ctx.step('defragmenting every member once after compaction (the first defrag of the compacted db)');
      for (const member of cluster.members) await defragMember('initial', member);
      inUseAfterInitial = (await clients[0]!.status()).dbSizeInUseBytes;
      const quietFrom = Date.now();
      await ctx.sleep(params.quietMs);
      quiet = { from: quietFrom, to: Date.now() };
      for (const strategy of DEFRAG_STRATEGIES) {
        ctx.step(`strategy: ${STRATEGY_TITLES[strategy]}`);
        const leader = (await cluster.leader()) ?? cluster.members[0]!;
        const followers = cluster.members.filter((member) => member.name !== leader.name);
        if (strategy === 'naive') {
          for (const member of cluster.members) await defragMember(strategy, member);
        } else {
          for (const member of followers) await defragMember(strategy, member);
          let moveLeaderMs: number | undefined;
          if (strategy === 'move-leader') {
            const target = followers[0]!;
            const movedFrom = Date.now();
            const moved = await cluster.etcdctl(['move-leader', memberIds.get(target.name)!], {
              members: [leader.name],
              allowFailure: true,
            });
            ctx.recordTool(`move-leader ${leader.name} → ${target.name}`, moved);
            if (moved.exitCode !== 0) throw new Error(`etcdctl move-leader failed: ${toolError(moved)}`);
            await cluster.waitHealthy({ signal: ctx.signal });
            moveLeaderMs = Date.now() - movedFrom;
          }
          await defragMember(strategy, leader, moveLeaderMs);
        }
        await ctx.sleep(params.quietMs);
      }
    } finally {
      const record = await load.stop();
      for (const client of clients) client.close();
      ctx.series({
        name: 'put latency p99 (all members)',
        unit: 'ms',
        cluster: cluster.name,
        points: latencySeries(record, 250),
      });
      for (const [index, member] of cluster.members.entries())
        ctx.series({
          name: `puts/s through ${member.name}`,
          unit: 'puts/s',
          cluster: cluster.name,
          points: throughputSeries(record, 250, index),
        });
      ctx.series({
        name: 'member defragmenting (1 = m1, 2 = m2, 3 = m3)',
        unit: 'member',
        cluster: cluster.name,
        points: spans.flatMap((span) => {
          const value = cluster.members.findIndex((member) => member.name === span.member) + 1;
          return [
            { at: span.from - 1, value: 0 },
            { at: span.from, value },
            { at: span.to, value },
            { at: span.to + 1, value: 0 },
          ];
        }),
      });
      const targetOf = (name: string) => cluster.members.findIndex((member) => member.name === name);
      const steps: (DefragStep & { strategy: DefragStep['strategy'] })[] = [];
      const initial: { member: string; durationMs: number }[] = [];
      for (const span of spans) {
        if (span.strategy === 'initial') {
          initial.push({ member: span.member, durationMs: span.to - span.from });
          continue;
        }
        const own = targetOf(span.member);
        const others = cluster.members.map((_, index) => index).filter((index) => index !== own);
        const stats = putWindowStats(record, span);
        steps.push({
          strategy: span.strategy,
          member: span.member,
          wasLeader: span.wasLeader,
          from: span.from,
          to: span.to,
          exitCode: span.exitCode,
          ...(span.error ? { error: span.error } : {}),
          ownStallMs: Math.round(longestAckGap(record, span, own).durationMs),
          othersStallMs: Math.round(longestAckGap(record, span, others).durationMs),
          p99Ms: stats.latencyMs.p99,
          putsPerSecond: stats.putsPerSecond,
          ...(span.moveLeaderMs === undefined ? {} : { moveLeaderMs: span.moveLeaderMs }),
        });
      }
      const quietStats = putWindowStats(record, quiet ?? { from: record.startedAt, to: record.endedAt });
      const blocking = {
        dbSizeBytes: seed.generation.dbSizeBytes,
        dbSizeInUseBytes: inUseAfterInitial ?? Number.NaN,
        quietP99Ms: quietStats.latencyMs.p99,
        quietPutsPerSecond: quietStats.putsPerSecond,
        steps,
      };
      ctx.table({
        name: `Defrag after compaction (${seed.profile.name}, ${(dbBytes / 1024 ** 2).toFixed(0)} MiB snapshot; compaction took ${(compactMs / 1000).toFixed(1)} s)`,
        columns: ['member', 'defrag s'],
        rows: initial.map((entry) => [entry.member, Math.round(entry.durationMs / 100) / 10]),
      });
      ctx.table({
        name: 'Defrag under load, per member and strategy',
        columns: [
          'strategy',
          'member',
          'leader',
          'defrag s',
          'stall through it s',
          'stall through others s',
          'p99 ms',
          'puts/s',
        ],
        rows: steps.map((step) => [
          step.strategy,
          step.member,
          step.wasLeader ? 'yes' : 'no',
          Math.round((step.to - step.from) / 100) / 10,
          Math.round(step.ownStallMs / 100) / 10,
          Math.round(step.othersStallMs / 100) / 10,
          Math.round(step.p99Ms),
          Math.round(step.putsPerSecond),
        ]),
        note: `quiet: p99 ${quietStats.latencyMs.p99.toFixed(1)} ms, ${quietStats.putsPerSecond.toFixed(0)} puts/s`,
      });
      const summaries = summarizeStrategies(blocking);
      ctx.table({
        name: 'Strategies compared',
        columns: [
          'strategy',
          'worst stall of the other members s',
          'worst stall of the defragmented member s',
          'total s',
        ],
        rows: summaries.map((summary) => [
          STRATEGY_TITLES[summary.strategy],
          Math.round(summary.worstOthersStallMs / 100) / 10,
          Math.round(summary.worstOwnStallMs / 100) / 10,
          Math.round(summary.totalMs / 100) / 10,
        ]),
        note: `Recommendation: ${recommend(summaries)}`,
        chart: {
          columns: ['worst stall of the other members s', 'worst stall of the defragmented member s'],
        },
      });
      await ctx.evidence.json('defrag-blocking.json', { compactMs, initial, quiet: quietStats, ...blocking });
      ctx.report(checkFollowerDefragStall(blocking));
      ctx.report(checkLeaderDefragStall(blocking));
      ctx.report(checkMoveLeaderStrategy(blocking));
    }
  },
});
