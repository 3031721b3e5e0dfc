// Checks of the tuning claims: pure functions over per-configuration measurements taken under the same faults.
import { type CheckOutcome, measure, outcomeWith } from '../findings/finding.js';

export interface TuningRow {
  readonly label: string;
  readonly heartbeatIntervalMs: number;
  readonly electionTimeoutMs: number;
  /** Leader changes during the fault window (from the leader timeline). */
  readonly leaderChanges: number;
  readonly windowMs: number;
  /** Leader changes etcd itself counted (max over members of etcd_server_leader_changes_seen_total deltas). */
  readonly leaderChangesByMetric: number | undefined;
  /** Time from pausing the leader to a new agreed leader; undefined when none was elected in time. */
  readonly failoverMs: number | undefined;
  /** Raft elections that failover took (the term step; 2 after a split vote); undefined when unknown. */
  readonly failoverElectionRounds?: number | undefined;
  readonly putP99Ms: number | undefined;
  readonly ackedPerSecond: number;
}

export function leaderChangesPerMinuteOf(row: TuningRow): number {
  return row.windowMs > 0 ? (row.leaderChanges * 60_000) / row.windowMs : Number.NaN;
}

function describe(row: TuningRow): string {
  return `${row.label} (${row.heartbeatIntervalMs}/${row.electionTimeoutMs} ms)`;
}

/** tuning.churn: the tuned configuration sees fewer leader changes than etcd's defaults under the same faults. */
export function checkTuningChurn(defaults: TuningRow, tuned: TuningRow): CheckOutcome {
  const base = {
    claim: 'tuning.churn' as const,
    check: `leader changes: ${describe(tuned)} vs ${describe(defaults)}`,
  };
  const expected = `fewer leader changes with ${describe(tuned)} than with the defaults under the same jitter and fsync spikes`;
  const observed = `${defaults.leaderChanges} changes in ${(defaults.windowMs / 1000).toFixed(0)} s with the defaults (${leaderChangesPerMinuteOf(defaults).toFixed(1)}/min) vs ${tuned.leaderChanges} in ${(tuned.windowMs / 1000).toFixed(0)} s (${leaderChangesPerMinuteOf(tuned).toFixed(1)}/min)`;
  const measurements = [
    measure(`leader changes/min, ${defaults.label}`, leaderChangesPerMinuteOf(defaults), 'per-minute'),
    measure(`leader changes/min, ${tuned.label}`, leaderChangesPerMinuteOf(tuned), 'per-minute'),
  ];
  const outcome = outcomeWith({ ...base, expected, observed, measurements });
  if (defaults.leaderChanges === 0) {
    return outcome(
      'inconclusive',
      'the injected faults caused no leader change even with the defaults, so there was no churn to reduce (make the spikes longer than the default election timeout)',
    );
  }
  const fewer = leaderChangesPerMinuteOf(tuned) < leaderChangesPerMinuteOf(defaults);
  return outcome(
    fewer ? 'pass' : 'fail',
    fewer
      ? `the longer election timeout rode out stalls that made the defaults elect a new leader`
      : `the tuned settings did not reduce churn under these faults`,
  );
}

/** tuning.failover-cost: after the leader is lost, a new leader takes longer with the longer election timeout. */
export function checkFailoverCost(defaults: TuningRow, tuned: TuningRow): CheckOutcome {
  const base = {
    claim: 'tuning.failover-cost' as const,
    check: `failover after leader loss: ${describe(tuned)} vs ${describe(defaults)}`,
  };
  const expected = `time to a new leader grows with the election timeout (${defaults.electionTimeoutMs} → ${tuned.electionTimeoutMs} ms)`;
  const format = (row: TuningRow) => {
    if (row.failoverMs === undefined) return 'no new leader';
    const rounds = row.failoverElectionRounds;
    const split = rounds !== undefined && rounds > 1 ? ` (${rounds} election rounds: split vote)` : '';
    return `${(row.failoverMs / 1000).toFixed(2)} s${split}`;
  };
  const observed = `${format(defaults)} with the defaults vs ${format(tuned)} tuned`;
  const measurements = [
    measure(`failover, ${defaults.label}`, defaults.failoverMs ?? Number.NaN, 'ms'),
    measure(`failover, ${tuned.label}`, tuned.failoverMs ?? Number.NaN, 'ms'),
  ];
  const outcome = outcomeWith({ ...base, expected, observed, measurements });
  if (defaults.failoverMs === undefined || tuned.failoverMs === undefined) {
    return outcome('inconclusive', 'a failover was not observed within the time allowed');
  }
  const longerTimeout = tuned.electionTimeoutMs > defaults.electionTimeoutMs;
  const grows = longerTimeout
    ? tuned.failoverMs > defaults.failoverMs
    : tuned.failoverMs <= defaults.failoverMs;
  return outcome(
    grows ? 'pass' : 'fail',
    grows
      ? 'the price of fewer elections: followers wait longer before campaigning after a real leader loss'
      : 'failover time did not follow the election timeout',
  );
}
