import { describe, expect, it } from 'vitest';
import { checkFailoverCost, checkTuningChurn, type TuningRow } from '../../harness/checks/tuning.js';

const row = (overrides: Partial<TuningRow>): TuningRow => ({
  label: 'etcd defaults',
  heartbeatIntervalMs: 100,
  electionTimeoutMs: 1000,
  leaderChanges: 3,
  windowMs: 12_000,
  leaderChangesByMetric: 3,
  failoverMs: 1_400,
  putP99Ms: 1_900,
  ackedPerSecond: 3,
  ...overrides,
});
const defaults = row({});
const guide = row({
  label: 'guide-tuned',
  heartbeatIntervalMs: 500,
  electionTimeoutMs: 5000,
  leaderChanges: 0,
  failoverMs: 7_900,
});

describe('tuning.churn', () => {
  it('passes when the tuned settings see fewer leader changes per minute', () => {
    const outcome = checkTuningChurn(defaults, guide);
    expect(outcome.verdict).toBe('pass');
    expect(outcome.observed).toMatch(/3 changes in 12 s with the defaults \(15\.0\/min\) vs 0/);
  });

  it('fails when tuning does not reduce churn (negative control)', () => {
    expect(checkTuningChurn(defaults, { ...guide, leaderChanges: 3 }).verdict).toBe('fail');
    expect(checkTuningChurn(defaults, { ...guide, leaderChanges: 5, windowMs: 12_000 }).verdict).toBe('fail');
  });

  it('compares rates, not counts, when windows differ', () => {
    // 2 changes in 6 s (20/min) is more churn than 3 in 12 s (15/min).
    expect(checkTuningChurn(defaults, { ...guide, leaderChanges: 2, windowMs: 6_000 }).verdict).toBe('fail');
  });

  it('is inconclusive when the faults did not churn even the defaults', () => {
    const outcome = checkTuningChurn({ ...defaults, leaderChanges: 0 }, guide);
    expect(outcome.verdict).toBe('inconclusive');
    expect(outcome.reason).toMatch(/no leader change even with the defaults/);
  });
});

describe('tuning.failover-cost', () => {
  it('passes when failover takes longer with the longer election timeout', () => {
    expect(checkFailoverCost(defaults, guide).verdict).toBe('pass');
  });

  it('fails when it does not (negative control)', () => {
    expect(checkFailoverCost(defaults, { ...guide, failoverMs: 1_000 }).verdict).toBe('fail');
  });

  it('names a split vote in the observed failover', () => {
    const outcome = checkFailoverCost({ ...defaults, failoverMs: 2_600, failoverElectionRounds: 2 }, guide);
    expect(outcome.observed).toMatch(
      /^2\.60 s \(2 election rounds: split vote\) with the defaults vs 7\.90 s tuned$/,
    );
    expect(outcome.verdict).toBe('pass');
  });

  it('is inconclusive without a measured failover', () => {
    expect(checkFailoverCost(defaults, { ...guide, failoverMs: undefined }).verdict).toBe('inconclusive');
  });
});
