// Checks of the defrag-blocking claim: the write stall while a member defragments, through that member and across
// the cluster, for each strategy (the naive member order, the leader last, leadership moved away first), and the
// recommendation that follows. Pure functions over what the defrag-blocking scenario recorded.
import {
  type CheckOutcome,
  formatBytes,
  type Measurement,
  measure,
  outcomeWith,
} from '../findings/finding.js';

export const DEFRAG_STRATEGIES = ['naive', 'leader-last', 'move-leader'] as const;
export type DefragStrategy = (typeof DEFRAG_STRATEGIES)[number];

export const STRATEGY_TITLES: Readonly<Record<DefragStrategy, string>> = {
  naive: 'member-list order (etcdctl defrag --cluster)',
  'leader-last': 'followers first, leader last',
  'move-leader': 'followers first, then move-leader, then the old leader',
};

/** One member's defrag, under a load with writers pinned to every member. */
export interface DefragStep {
  readonly strategy: DefragStrategy;
  readonly member: string;
  /** The member led the cluster when its defrag started. */
  readonly wasLeader: boolean;
  readonly from: number;
  readonly to: number;
  readonly exitCode: number;
  readonly error?: string;
  /** Longest stretch without an acknowledged put through this member, overlapping the defrag (measured whole). */
  readonly ownStallMs: number;
  /** Longest stretch without an acknowledged put through any other member, overlapping the defrag. */
  readonly othersStallMs: number;
  /** Put p99 (all members) and puts/s during the defrag. */
  readonly p99Ms: number;
  readonly putsPerSecond: number;
  /** `etcdctl move-leader` before this defrag (move-leader strategy), how long it took. */
  readonly moveLeaderMs?: number;
}

export interface DefragBlockingRecord {
  readonly dbSizeBytes: number;
  readonly dbSizeInUseBytes: number;
  /** Put p99 and puts/s of the same load with no defrag running. */
  readonly quietP99Ms: number;
  readonly quietPutsPerSecond: number;
  readonly steps: readonly DefragStep[];
}

/**
 * A stall "lasts about the defrag" when the longest stretch without acks covers at least this share of it: the
 * defrag holds the backend's locks from start to end, so a blocked member acknowledges nothing for all of it
 * (measured on 3.6.16 at --scale production, 284 MiB: 96–101 % of the defrag etcdctl timed, over 7 follower defrags); a member that is not blocked acks every few
 * milliseconds, far below half of a defrag of seconds.
 */
export const STALL_SHARE = 0.5;

/**
 * Below this, a defrag is too short to tell a stall from the load's own gaps between acks (put p99 alone reaches
 * 100–500 ms on a busy 2-core host): measured at --scale small (26 MiB), defrags of 0.3–1.1 s (etcdctl's process time)
 * stalled their member for 40–80 % of it.
 */
export const MIN_DEFRAG_MS = 1_000;

const durationOf = (step: DefragStep) => step.to - step.from;

function stepMeasurements(step: DefragStep, prefix: string): Measurement[] {
  return [
    measure(`${prefix} defrag time`, durationOf(step), 'ms'),
    measure(`${prefix} stall through the member`, step.ownStallMs, 'ms'),
    measure(`${prefix} stall through the other members`, step.othersStallMs, 'ms'),
    measure(`${prefix} put p99`, step.p99Ms, 'ms'),
    measure(`${prefix} puts/s`, step.putsPerSecond, 'puts/s'),
  ];
}

function describeStep(step: DefragStep): string {
  return `${step.member}${step.wasLeader ? ' (leader)' : ''} ${(durationOf(step) / 1000).toFixed(2)} s: stall through it ${(step.ownStallMs / 1000).toFixed(2)} s, through the others ${(step.othersStallMs / 1000).toFixed(2)} s`;
}

function failedSteps(steps: readonly DefragStep[]): string[] {
  return steps
    .filter((step) => step.exitCode !== 0)
    .map((step) => `${step.member} (${step.strategy}): ${step.error ?? `exit ${step.exitCode}`}`);
}

/** Writes through a follower stall while it defragments. */
export function checkFollowerDefragStall(record: DefragBlockingRecord): CheckOutcome {
  const steps = record.steps.filter((step) => !step.wasLeader);
  const base = { claim: 'defrag.blocking' as const, check: 'defrag of a follower stalls writes through it' };
  const expected = `for every follower defrag: no put through that member acknowledged for ≥ ${STALL_SHARE * 100} % of the defrag`;
  const observed = steps.map((step) => `${step.strategy}: ${describeStep(step)}`).join('; ');
  const measurements = steps.flatMap((step, index) =>
    stepMeasurements(step, `follower ${index + 1} (${step.member}, ${step.strategy})`),
  );
  return judgeStall(
    base,
    steps,
    (step) => step.ownStallMs,
    expected,
    observed,
    measurements,
    'writes through the follower',
  );
}

/** Writes through every member stall while the leader defragments (no leadership transfer first). */
export function checkLeaderDefragStall(record: DefragBlockingRecord): CheckOutcome {
  const steps = record.steps.filter((step) => step.wasLeader && step.strategy !== 'move-leader');
  const base = {
    claim: 'defrag.blocking' as const,
    check: 'defrag of the leader stalls writes through every member',
  };
  const expected = `for every leader defrag: no put through the other members acknowledged for ≥ ${STALL_SHARE * 100} % of the defrag`;
  const observed = steps.map((step) => `${step.strategy}: ${describeStep(step)}`).join('; ');
  const measurements = steps.flatMap((step) =>
    stepMeasurements(step, `leader ${step.member} (${step.strategy})`),
  );
  return judgeStall(
    base,
    steps,
    (step) => step.othersStallMs,
    expected,
    observed,
    measurements,
    'writes through the other members',
  );
}

function judgeStall(
  base: { claim: 'defrag.blocking'; check: string },
  steps: readonly DefragStep[],
  stallOf: (step: DefragStep) => number,
  expected: string,
  observed: string,
  measurements: Measurement[],
  what: string,
): CheckOutcome {
  const failures = failedSteps(steps);
  const outcome = outcomeWith({ ...base, expected, observed, measurements });
  if (failures.length > 0) return outcome('fail', `defrag failed: ${failures.join('; ')}`);
  const judged = steps.filter((step) => durationOf(step) >= MIN_DEFRAG_MS);
  if (judged.length === 0)
    return outcome(
      'inconclusive',
      `no defrag lasted ${MIN_DEFRAG_MS} ms (${steps.map((step) => `${Math.round(durationOf(step))} ms`).join(', ') || 'none ran'}): the db is too small to tell a stall from the load's gaps; use a larger --scale`,
    );
  const unblocked = judged.filter((step) => stallOf(step) < STALL_SHARE * durationOf(step));
  return outcome(
    unblocked.length === 0 ? 'pass' : 'fail',
    unblocked.length === 0
      ? `${what} stopped for ${judged.map((step) => `${((stallOf(step) / durationOf(step)) * 100).toFixed(0)} %`).join(', ')} of the defrag`
      : `${what} went on during ${unblocked.map((step) => `${step.member} (${step.strategy}): longest stall ${Math.round(stallOf(step))} ms of ${Math.round(durationOf(step))} ms`).join('; ')}`,
  );
}

/** Per strategy: the longest stall of writes through the members not being defragmented, and the total time. */
export interface StrategySummary {
  readonly strategy: DefragStrategy;
  readonly worstOthersStallMs: number;
  readonly worstOwnStallMs: number;
  readonly totalMs: number;
}

export function summarizeStrategies(record: DefragBlockingRecord): StrategySummary[] {
  return DEFRAG_STRATEGIES.flatMap((strategy) => {
    const steps = record.steps.filter((step) => step.strategy === strategy);
    if (steps.length === 0) return [];
    return [
      {
        strategy,
        worstOthersStallMs: Math.max(...steps.map((step) => step.othersStallMs)),
        worstOwnStallMs: Math.max(...steps.map((step) => step.ownStallMs)),
        totalMs:
          Math.max(...steps.map((step) => step.to)) -
          Math.min(...steps.map((step) => step.from - (step.moveLeaderMs ?? 0))),
      },
    ];
  });
}

/**
 * Moving leadership away before defragmenting the old leader keeps the other members writing: during that defrag
 * their longest stall stays under half of it (they are not blocked), where the leader-last order stalls them.
 */
export function checkMoveLeaderStrategy(record: DefragBlockingRecord): CheckOutcome {
  const base = {
    claim: 'defrag.blocking' as const,
    check: 'moving leadership away first keeps the other members writing',
  };
  const moved = record.steps.filter(
    (step) => step.strategy === 'move-leader' && step.moveLeaderMs !== undefined,
  );
  const summaries = summarizeStrategies(record);
  const recommendation = recommend(summaries);
  const expected = `in the move-leader strategy, while the former leader defragments, the other members' longest stall < ${STALL_SHARE * 100} % of the defrag`;
  const observed = `${summaries.map((summary) => `${summary.strategy}: worst stall of the other members ${(summary.worstOthersStallMs / 1000).toFixed(2)} s, of the defragmented member ${(summary.worstOwnStallMs / 1000).toFixed(2)} s, ${(summary.totalMs / 1000).toFixed(1)} s in all`).join('; ')}. Recommendation: ${recommendation}`;
  const measurements = [
    measure('db size', record.dbSizeBytes, 'bytes'),
    measure('db size in use', record.dbSizeInUseBytes, 'bytes'),
    measure('quiet put p99', record.quietP99Ms, 'ms'),
    measure('quiet puts/s', record.quietPutsPerSecond, 'puts/s'),
    ...summaries.flatMap((summary) => [
      measure(`${summary.strategy}: worst stall of the other members`, summary.worstOthersStallMs, 'ms'),
      measure(`${summary.strategy}: worst stall of the defragmented member`, summary.worstOwnStallMs, 'ms'),
      measure(`${summary.strategy}: total time`, summary.totalMs, 'ms'),
    ]),
    ...moved.flatMap((step) => [
      measure(`move-leader away from ${step.member}`, step.moveLeaderMs ?? Number.NaN, 'ms'),
    ]),
  ];
  const failures = failedSteps(record.steps.filter((step) => step.strategy === 'move-leader'));
  const outcome = outcomeWith({ ...base, expected, observed, measurements });
  if (failures.length > 0 || moved.length === 0)
    return outcome(
      failures.length > 0 ? 'fail' : 'inconclusive',
      failures.length > 0
        ? `defrag failed: ${failures.join('; ')}`
        : 'leadership was never moved (no move-leader step ran)',
    );
  const judged = moved.filter((step) => durationOf(step) >= MIN_DEFRAG_MS);
  if (judged.length === 0)
    return outcome(
      'inconclusive',
      `the former leader's defrag took ${moved.map((step) => `${Math.round(durationOf(step))} ms`).join(', ')}, under ${MIN_DEFRAG_MS} ms: too short to judge; use a larger --scale`,
    );
  const stalled = judged.filter((step) => step.othersStallMs >= STALL_SHARE * durationOf(step));
  return outcome(
    stalled.length === 0 ? 'pass' : 'fail',
    stalled.length === 0
      ? `with leadership moved away, the other members kept acknowledging writes (longest stall ${judged.map((step) => `${Math.round(step.othersStallMs)} ms of a ${Math.round(durationOf(step))} ms defrag`).join(', ')}); ${recommendation}`
      : `the other members stalled even with leadership moved away: ${stalled.map((step) => `${Math.round(step.othersStallMs)} ms of ${Math.round(durationOf(step))} ms`).join(', ')}`,
  );
}

/** The strategy with the shortest stall of the members not being defragmented (ties: the shorter total). */
export function recommend(summaries: readonly StrategySummary[]): string {
  const best = [...summaries].sort(
    (a, b) => a.worstOthersStallMs - b.worstOthersStallMs || a.totalMs - b.totalMs,
  )[0];
  if (!best) return 'none measured';
  return `defragment ${STRATEGY_TITLES[best.strategy]}: the rest of the cluster stalled at most ${(best.worstOthersStallMs / 1000).toFixed(2)} s that way`;
}

export function describeDefragSizes(record: DefragBlockingRecord): string {
  return `${formatBytes(record.dbSizeBytes)} db (${formatBytes(record.dbSizeInUseBytes)} in use)`;
}
