// `tune`'s pure parts: profiles, the pairs it sweeps and the recommendation rule (with negative controls: a pair that
// churned, one too close to the stalls, one against etcd's rule are never recommended).
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { TuningRow } from '../../harness/checks/tuning.js';
import { MEASURED_PAIR_COLUMNS, measuredPairCells } from '../../harness/tuning/measure-pair.js';
import { PROFILES, resolveProfile } from '../../harness/tuning/profiles.js';
import {
  derivedPair,
  recommendationOutcome,
  recommendPair,
  silenceOf,
} from '../../harness/tuning/recommend.js';
import {
  ETCD_DEFAULT_PAIR,
  GUIDE_PAIR,
  pairFromFlags,
  parsePair,
  sweepPairs,
  uniquePairs,
} from '../../harness/tuning/tune-scenario.js';

const ssd = PROFILES.ssd!;
const row = (heartbeat: number, election: number, leaderChanges: number, failoverMs?: number): TuningRow => ({
  label: `${heartbeat}/${election}`,
  heartbeatIntervalMs: heartbeat,
  electionTimeoutMs: election,
  leaderChanges,
  windowMs: 18_000,
  leaderChangesByMetric: leaderChanges,
  failoverMs: failoverMs ?? election * 1.5,
  putP99Ms: 20,
  ackedPerSecond: 100,
});

describe('profiles', () => {
  it('models the environment and takes --peer-rtt-ms, keeping the jitter share', () => {
    const slow = resolveProfile('network-disk', 20);
    expect(slow.peerRttMs).toBe(20);
    expect(slow.peerJitterMs).toBe(12);
    expect(() => resolveProfile('floppy')).toThrow(
      /one of nvme, ssd, network-disk, hdd or a YAML\/JSON profile file, got `floppy`/,
    );
    const file = join(tmpdir(), `etcd-chaos-profile-${process.pid}.yaml`);
    onTestFinished(() => rmSync(file, { force: true }));
    writeFileSync(file, 'name: mine\npeerRttMs: 3\nfsync:\n  baseMs: 2\n  stallsMs: [500, 900]\n');
    expect(resolveProfile(file)).toMatchObject({
      name: 'mine',
      peerRttMs: 3,
      fsync: { stallsMs: [500, 900] },
    });
    writeFileSync(file, 'peerRttMs: 3\nfsync:\n  stallsMs: []\n');
    expect(() => resolveProfile(file)).toThrow(/fsync.stallsMs/);
  });
});

describe('the pairs tune sweeps', () => {
  it("always has etcd's defaults first, yours, the guide's and etcd's rule for the profile, without duplicates", () => {
    const pairs = sweepPairs(ssd, { label: 'yours', heartbeatIntervalMs: 500, electionTimeoutMs: 5000 }, [
      parsePair('250/2500'),
    ]);
    expect(pairs.map((pair) => `${pair.heartbeatIntervalMs}/${pair.electionTimeoutMs}`)).toEqual([
      '100/1000',
      '500/5000',
      '100/2500',
      '250/2500',
    ]);
    expect(pairs[1]!.label).toBe('yours');
    expect(() => parsePair('500/2000')).toThrow(/should be at least as 5 times/);
    expect(() => parsePair('fast')).toThrow(/got `fast`/);
  });

  it("takes your pair from your flags (the tuning scenario too), with etcd's default for the one left out", () => {
    expect(pairFromFlags({ 'quota-backend-bytes': '8589934592' }, 'yours')).toBeUndefined();
    expect(pairFromFlags({ 'election-timeout': '2500' }, 'your flags')).toEqual({
      label: 'your flags',
      heartbeatIntervalMs: 100,
      electionTimeoutMs: 2500,
    });
    const once = uniquePairs([ETCD_DEFAULT_PAIR, GUIDE_PAIR, { ...GUIDE_PAIR, label: 'your flags' }]);
    expect(once.map((pair) => pair.label)).toEqual(['etcd defaults', 'guide-tuned']);
  });

  it("derives etcd's rule for the profile with a margin over its longest stall", () => {
    // ssd: longest stall 1600 + heartbeat 100 + RTT 3 + 250 ms switching = 1953; × 1.2 → 2343.6 → 2500.
    expect(silenceOf(ssd, 100)).toBe(1953);
    expect(derivedPair(ssd)).toMatchObject({ heartbeatIntervalMs: 100, electionTimeoutMs: 2500 });
    expect(derivedPair(resolveProfile('network-disk', 20))).toMatchObject({
      heartbeatIntervalMs: 100,
      electionTimeoutMs: 5000,
    });
  });
});

describe('the tables of measured pairs', () => {
  it('show a row the same way in the tuning scenario and in tune (measured in the quick suite: 3 changes in 15 s)', () => {
    const row: TuningRow = {
      ...ETCD_DEFAULT_PAIR,
      leaderChanges: 3,
      windowMs: 15_000,
      leaderChangesByMetric: 3,
      failoverMs: 1_093,
      failoverElectionRounds: 1,
      putP99Ms: 1_964.6,
      ackedPerSecond: 2.63,
    };
    expect(MEASURED_PAIR_COLUMNS).toHaveLength(measuredPairCells(row).length);
    expect(measuredPairCells(row)).toEqual(['etcd defaults', 100, 1000, 3, 12, 3, 1.09, 1, 1965, 2.6]);
    expect(measuredPairCells({ ...row, failoverMs: undefined, putP99Ms: undefined }, 'yours')).toEqual([
      'yours',
      100,
      1000,
      3,
      12,
      3,
      null,
      1,
      null,
      2.6,
    ]);
  });
});

describe('the recommendation', () => {
  it('picks the shortest election timeout that follows the rule, clears the margin and did not churn', () => {
    const rows = [row(100, 1000, 3), row(500, 5000, 0), row(100, 2500, 0), row(250, 2500, 0)];
    const recommendation = recommendPair(ssd, rows);
    expect(recommendation.recommended).toMatchObject({ heartbeatIntervalMs: 100, electionTimeoutMs: 2500 });
    // 250/2500: a longer heartbeat lengthens the silence (1600 + 250 + 3 + 250 = 2103 ms; × 1.2 > 2500): no margin.
    expect(recommendation.assessments.map((entry) => entry.eligible)).toEqual([false, true, true, false]);
    const outcome = recommendationOutcome(recommendation, GUIDE_PAIR);
    expect(outcome.verdict).toBe('pass');
    expect(outcome.check).toBe('recommended heartbeat/election for profile ssd');
    expect(outcome.observed).toContain(
      'recommend --heartbeat-interval=100 --election-timeout=2500; your 500/5000 ms: eligible',
    );
  });

  it('never recommends a pair that churned, sits within the margin, or breaks the rule (negative controls)', () => {
    const churned = recommendPair(ssd, [row(100, 1000, 2), row(100, 2500, 1), row(500, 5000, 0)]);
    expect(churned.recommended).toMatchObject({ heartbeatIntervalMs: 500, electionTimeoutMs: 5000 });
    // 100/2000 did not churn this time, but 2000 ms < 1.2 × 1953 ms: by chance, so not recommended.
    const lucky = recommendPair(ssd, [row(100, 2000, 0), row(500, 5000, 0)]);
    expect(lucky.assessments[0]).toMatchObject({ margin: false, eligible: false });
    expect(lucky.recommended?.electionTimeoutMs).toBe(5000);
    // 400/3000: election < 10 × heartbeat.
    const ruled = recommendPair(ssd, [row(400, 3000, 0)]);
    expect(ruled.recommended).toBeUndefined();
    expect(recommendationOutcome(ruled, ETCD_DEFAULT_PAIR).verdict).toBe('fail');
  });
});
