// The pair `tune` recommends: a pure function of the measured rows and the profile, built to give the same answer on
// every run of the same profile. etcd's tuning rule decides which pairs may be recommended at all (heartbeat at least
// the maximum peer RTT, election timeout at least 10 × the heartbeat: etcd docs tuning.md); a mechanism margin
// excludes pairs whose outcome would be a race (a follower hears nothing for the longest stall, plus one heartbeat
// interval, plus a round trip and the fault's own switching time: an election timeout closer than 20 % to that
// silence elects a new leader or not by chance); the measurement vetoes any pair that still churned. Of what is
// left, the shortest election timeout wins (the cheapest failover after a real leader loss), then the shorter
// heartbeat. Only the veto depends on the run, and by the margin a pair that passes it has no stall long enough to
// cause an election: the recommendation can change only if a pair churns that by its mechanism should not.

import type { TuningRow } from '../checks/tuning.js';
import { type CheckOutcome, measure } from '../findings/finding.js';
import type { TimingPair } from './measure-pair.js';
import { type EnvironmentProfile, worstCaseOf } from './profiles.js';

/**
 * An allowance for the stall fault switching on and off (strace attaches to every thread, later detaches): the
 * leader can be silent a little longer than the stall itself. Measured in four `tune` runs under a load average of
 * ~20 (fault windows: injectedAt − startedAt): attach took 8–1200 ms, p50 15–526 ms, p90 61–1170 ms. How much of the
 * attach the leader spends stopped is not established; the 20 % headroom covered it in every run (no churn on any pair
 * that cleared the margin). Every run's attach times are in its result.json.
 */
export const FAULT_SWITCH_MS = 250;
/** Headroom over the worst silence a follower sees before a pair counts as safely above it. */
export const HEADROOM = 1.2;

export interface PairAssessment {
  readonly label: string;
  readonly heartbeatIntervalMs: number;
  readonly electionTimeoutMs: number;
  /** etcd's rule: heartbeat ≥ max peer RTT and election ≥ 10 × heartbeat. */
  readonly etcdRule: boolean;
  /** Election timeout ≥ 1.2 × the longest silence a follower sees under the profile. */
  readonly margin: boolean;
  /** No leader change while the profile ran, and a failover observed after the leader was paused. */
  readonly churnFree: boolean;
  readonly eligible: boolean;
  readonly why: string;
}

export interface Recommendation {
  readonly profile: string;
  readonly silenceMs: (heartbeatIntervalMs: number) => number;
  readonly assessments: readonly PairAssessment[];
  readonly recommended: PairAssessment | undefined;
  /** The pair etcd's rule and the margin give for this profile (always measured by `tune`). */
  readonly derived: TimingPair;
  readonly rule: string;
}

/** The longest a follower hears nothing from a healthy leader under the profile, with this heartbeat. */
export function silenceOf(profile: EnvironmentProfile, heartbeatIntervalMs: number): number {
  const { longestStallMs, maxRttMs } = worstCaseOf(profile);
  return longestStallMs + heartbeatIntervalMs + maxRttMs + FAULT_SWITCH_MS;
}

/** etcd's rule plus the margin, rounded up to 500 ms: the pair `tune` adds to every sweep. */
export function derivedPair(profile: EnvironmentProfile): TimingPair {
  const { maxRttMs } = worstCaseOf(profile);
  const heartbeat = Math.max(100, Math.ceil(maxRttMs / 50) * 50);
  const election = Math.max(
    10 * heartbeat,
    Math.ceil((HEADROOM * silenceOf(profile, heartbeat)) / 500) * 500,
  );
  return {
    label: "etcd's rule for this profile",
    heartbeatIntervalMs: heartbeat,
    electionTimeoutMs: election,
  };
}

export function recommendPair(profile: EnvironmentProfile, rows: readonly TuningRow[]): Recommendation {
  const { maxRttMs } = worstCaseOf(profile);
  const assessments = rows.map((row): PairAssessment => {
    const etcdRule =
      row.heartbeatIntervalMs >= maxRttMs && row.electionTimeoutMs >= 10 * row.heartbeatIntervalMs;
    const silence = silenceOf(profile, row.heartbeatIntervalMs);
    const margin = row.electionTimeoutMs >= HEADROOM * silence;
    const churnFree = row.leaderChanges === 0 && row.failoverMs !== undefined;
    const reasons = [
      etcdRule
        ? undefined
        : row.heartbeatIntervalMs < maxRttMs
          ? `heartbeat below the max peer RTT ${maxRttMs} ms`
          : `election < 10 × heartbeat`,
      margin ? undefined : `election < ${HEADROOM} × the ${Math.round(silence)} ms a follower can go unheard`,
      churnFree
        ? undefined
        : row.leaderChanges > 0
          ? `${row.leaderChanges} leader change(s) under the profile`
          : 'no failover observed',
    ].filter(Boolean);
    return {
      label: row.label,
      heartbeatIntervalMs: row.heartbeatIntervalMs,
      electionTimeoutMs: row.electionTimeoutMs,
      etcdRule,
      margin,
      churnFree,
      eligible: etcdRule && margin && churnFree,
      why: reasons.length > 0 ? reasons.join('; ') : 'eligible',
    };
  });
  const recommended = [...assessments]
    .filter((entry) => entry.eligible)
    .sort(
      (a, b) => a.electionTimeoutMs - b.electionTimeoutMs || a.heartbeatIntervalMs - b.heartbeatIntervalMs,
    )[0];
  return {
    profile: profile.name,
    silenceMs: (heartbeat) => silenceOf(profile, heartbeat),
    assessments,
    recommended,
    derived: derivedPair(profile),
    rule: `etcd's tuning rule (docs tuning.md): heartbeat ≈ the maximum peer RTT (here ${maxRttMs} ms; at least that), election timeout ≥ 10 × heartbeat. Margin: election ≥ ${HEADROOM} × (longest stall ${worstCaseOf(profile).longestStallMs} ms + heartbeat + max RTT + ${FAULT_SWITCH_MS} ms fault switching). Measured veto: any leader change under the profile. Choice: the shortest election timeout left (cheapest failover), then the shorter heartbeat.`,
  };
}

/** tuning.recommendation as a finding: stable check name per profile; the pair in `observed`. */
export function recommendationOutcome(recommendation: Recommendation, current: TimingPair): CheckOutcome {
  const pick = recommendation.recommended;
  const yours = recommendation.assessments.find(
    (entry) =>
      entry.heartbeatIntervalMs === current.heartbeatIntervalMs &&
      entry.electionTimeoutMs === current.electionTimeoutMs,
  );
  const base = {
    claim: 'tuning.recommendation' as const,
    check: `recommended heartbeat/election for profile ${recommendation.profile}`,
    expected: recommendation.rule,
    measurements: pick
      ? [
          measure('recommended heartbeat', pick.heartbeatIntervalMs, 'ms'),
          measure('recommended election timeout', pick.electionTimeoutMs, 'ms'),
        ]
      : [],
  };
  const yoursText = yours
    ? `your ${yours.heartbeatIntervalMs}/${yours.electionTimeoutMs} ms: ${yours.eligible ? 'eligible' : yours.why}`
    : `your ${current.heartbeatIntervalMs}/${current.electionTimeoutMs} ms: not measured`;
  if (!pick)
    return {
      ...base,
      verdict: 'fail',
      reason: `no measured pair satisfies etcd's rule and the margin without churn under ${recommendation.profile}; etcd's rule gives ${recommendation.derived.heartbeatIntervalMs}/${recommendation.derived.electionTimeoutMs} ms`,
      observed: `${recommendation.assessments.map((entry) => `${entry.heartbeatIntervalMs}/${entry.electionTimeoutMs}: ${entry.why}`).join('; ')}; ${yoursText}`,
    };
  return {
    ...base,
    verdict: 'pass',
    reason: `${pick.heartbeatIntervalMs}/${pick.electionTimeoutMs} ms (${pick.label}) is the shortest election timeout that satisfies etcd's rule and the margin and saw no leader change under the profile`,
    observed: `recommend --heartbeat-interval=${pick.heartbeatIntervalMs} --election-timeout=${pick.electionTimeoutMs}; ${yoursText}`,
  };
}
