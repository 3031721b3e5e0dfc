// One heartbeat/election pair measured under a fault plan, on a fresh cluster: leader changes while the faults run
// (the leader timeline), put p99 and acknowledged puts/s (the ledger), then the failover after pausing the leader
// (time to a new leader and its election rounds). The tuning scenario and `etcd-chaos tune` both measure this way;
// they differ only in the faults they run (the plan).
import { leaderChangesPerMinuteOf, type TuningRow } from '../checks/tuning.js';
import type { StartedCluster } from '../cluster/types.js';
import type { FaultRunner } from '../faults/runner.js';
import {
  failoverAfter,
  type LeaderTimeline,
  leaderChangesFromMetrics,
  leaderTransitions,
} from '../observe/leader-timeline.js';
import { scrapeCluster } from '../observe/metrics.js';
import type { ScenarioContext } from '../scenario/types.js';

export interface TimingPair {
  readonly label: string;
  readonly heartbeatIntervalMs: number;
  readonly electionTimeoutMs: number;
}

/** What a plan gets: the cluster, a fault runner on it and its leader timeline. */
export interface FaultPlanContext {
  readonly cluster: StartedCluster;
  readonly faults: FaultRunner;
  readonly timeline: LeaderTimeline;
  readonly signal: AbortSignal;
}

/**
 * Runs the faults the pair is judged under; returns when the measured window started (its end is when it returns,
 * after `settleMs`) and, optionally, what to finish once the window has closed and the faults are healed (a load run
 * beside the faults: the tuning scenario's kube-apiserver).
 */
export type FaultPlan = (
  context: FaultPlanContext,
) => Promise<{ readonly startedAt: number; readonly afterWindow?: () => Promise<void> }>;

export interface MeasurePairOptions {
  readonly writers: number;
  /** Runs before the window closes, after the plan (the tuning scenario lets a last stall's election land). */
  readonly settleMs?: number;
}

export async function measurePair(
  ctx: Pick<
    ScenarioContext<unknown>,
    | 'startCluster'
    | 'clusterSpec'
    | 'faults'
    | 'leaderTimeline'
    | 'ledger'
    | 'releaseCluster'
    | 'sleep'
    | 'signal'
  >,
  pair: TimingPair,
  plan: FaultPlan,
  options: MeasurePairOptions,
): Promise<TuningRow> {
  const cluster = await ctx.startCluster(
    ctx.clusterSpec().withFlags({
      'heartbeat-interval': pair.heartbeatIntervalMs,
      'election-timeout': pair.electionTimeoutMs,
    }),
  );
  const faults = ctx.faults(cluster, { waitHealthyAfterHeal: false });
  const timeline = ctx.leaderTimeline(cluster, { intervalMs: 100 });
  const writer = ctx.ledger(cluster, { writers: options.writers });
  await timeline.waitFor((view) => view.leader !== undefined, 30_000);
  const metricsBefore = await scrapeCluster(cluster);
  const { startedAt, afterWindow } = await plan({ cluster, faults, timeline, signal: ctx.signal });
  if (options.settleMs) await ctx.sleep(options.settleMs);
  const windowEnd = Date.now();
  await faults.healAll();
  await afterWindow?.();
  const metricsAfter = await scrapeCluster(cluster);
  const during = writer
    .snapshot()
    .acknowledged.filter((write) => write.ackAt >= startedAt && write.ackAt <= windowEnd);

  await cluster.waitHealthy({ timeoutMs: 60_000 });
  const leader = (await timeline.waitFor((view) => view.leader !== undefined, 30_000))?.leader;
  const pause = await faults.inject('pause', {}, { target: leader ?? 'leader', requireHealthy: false });
  await timeline.waitForNewLeader(pause.window.targets[0]!, pair.electionTimeoutMs * 4 + 5_000);
  await pause.heal();
  const result = await timeline.stop();
  const windowChanges = leaderTransitions(result.samples).filter(
    (transition) => transition.at >= startedAt && transition.at <= windowEnd,
  );
  const failover = failoverAfter(result, pause.window.startedAt);
  const latencies = during.map((write) => write.ackAt - write.sentAt).sort((a, b) => a - b);
  await ctx.releaseCluster(cluster);
  return {
    ...pair,
    leaderChanges: windowChanges.length,
    windowMs: windowEnd - startedAt,
    leaderChangesByMetric: leaderChangesFromMetrics(metricsBefore, metricsAfter),
    failoverMs: failover.durationMs,
    failoverElectionRounds: failover.electionRounds,
    putP99Ms: latencies.length
      ? latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.99) - 1)]
      : undefined,
    ackedPerSecond: (during.length * 1000) / Math.max(1, windowEnd - startedAt),
  };
}

/** The columns every table of measured pairs starts with (the tuning scenario's and `tune`'s). */
export const MEASURED_PAIR_COLUMNS = [
  'settings',
  'heartbeat ms',
  'election ms',
  'leader changes',
  'per minute',
  'by etcd metric',
  'failover s',
  'election rounds',
  'put p99 ms',
  'acked puts/s',
] as const;

/** A measured pair's cells under MEASURED_PAIR_COLUMNS. */
export function measuredPairCells(row: TuningRow, label: string = row.label): (string | number | null)[] {
  const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
  return [
    label,
    row.heartbeatIntervalMs,
    row.electionTimeoutMs,
    row.leaderChanges,
    round(leaderChangesPerMinuteOf(row), 1),
    row.leaderChangesByMetric ?? null,
    row.failoverMs === undefined ? null : round(row.failoverMs / 1000, 2),
    row.failoverElectionRounds ?? null,
    row.putP99Ms === undefined ? null : Math.round(row.putP99Ms),
    round(row.ackedPerSecond, 1),
  ];
}
