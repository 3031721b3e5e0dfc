import { describe, expect, it } from 'vitest';
import {
  checkAlert,
  checkAlertWithPrometheus,
  GUIDE_ALERTS,
  type MetricsWindow,
} from '../../harness/checks/alerts.js';
import { parseMetrics } from '../../harness/observe/metrics.js';

const BUCKETS = [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128];

/** A scrape with cumulative fsync/commit buckets built from per-bucket counts. */
function scrape(
  member: string,
  counts: { fsync: number[]; commit: number[]; leaderChanges: number; dbBytes: number; quotaBytes: number },
) {
  const lines: string[] = [];
  for (const [name, perBucket] of [
    ['etcd_disk_wal_fsync_duration_seconds', counts.fsync],
    ['etcd_disk_backend_commit_duration_seconds', counts.commit],
  ] as const) {
    lines.push(`# TYPE ${name} histogram`);
    let cumulative = 0;
    let sum = 0;
    BUCKETS.forEach((le, index) => {
      cumulative += perBucket[index] ?? 0;
      sum += (perBucket[index] ?? 0) * le * 0.9;
      lines.push(`${name}_bucket{le="${le}"} ${cumulative}`);
    });
    lines.push(
      `${name}_bucket{le="+Inf"} ${cumulative}`,
      `${name}_sum ${sum}`,
      `${name}_count ${cumulative}`,
    );
  }
  lines.push(
    '# TYPE etcd_server_leader_changes_seen_total counter',
    `etcd_server_leader_changes_seen_total ${counts.leaderChanges}`,
  );
  lines.push(
    '# TYPE etcd_mvcc_db_total_size_in_bytes gauge',
    `etcd_mvcc_db_total_size_in_bytes ${counts.dbBytes}`,
  );
  lines.push(
    '# TYPE etcd_server_quota_backend_bytes gauge',
    `etcd_server_quota_backend_bytes ${counts.quotaBytes}`,
  );
  return parseMetrics(member, `${lines.join('\n')}\n`);
}

const idle = { fsync: [100], commit: [100], leaderChanges: 1, dbBytes: 100_000, quotaBytes: 32 * 1048576 };
function window(after: Partial<typeof idle>): MetricsWindow {
  return { before: [scrape('m1', idle)], after: [scrape('m1', { ...idle, ...after })], durationMs: 10_000 };
}
const quiet = window({ fsync: [200], commit: [200] });
const rule = (id: string) => GUIDE_ALERTS.find((entry) => entry.id === id)!;
const options = { dbSizeMetric: 'etcd_mvcc_db_total_size_in_bytes' };

describe("the guide's alerts, evaluated like Prometheus", () => {
  it('WAL fsync p99: 100 slow fsyncs in the 32–64 ms bucket fire, fast ones stay quiet', () => {
    const slow = window({ fsync: [100, 0, 0, 0, 0, 0, 100] });
    const evaluation = rule('wal-fsync-p99').evaluate(slow, options);
    expect(evaluation.fires).toBe(true);
    expect(evaluation.value).toBeCloseTo(63.68, 1); // histogram_quantile interpolates within [32, 64) ms
    expect(
      checkAlert({
        rule: rule('wal-fsync-p99'),
        quiet: rule('wal-fsync-p99').evaluate(quiet, options),
        underFault: evaluation,
      }).verdict,
    ).toBe('pass');
  });

  it('fails when an alert that should fire stays quiet (negative control)', () => {
    const notSlowEnough = window({ fsync: [100, 100] }); // everything under 2 ms
    const outcome = checkAlert({
      rule: rule('wal-fsync-p99'),
      quiet: rule('wal-fsync-p99').evaluate(quiet, options),
      underFault: rule('wal-fsync-p99').evaluate(notSlowEnough, options),
    });
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/did not fire/);
  });

  it('fails when an alert fires without its fault (negative control)', () => {
    const noisy = window({ commit: [100, 0, 0, 0, 0, 0, 100] });
    const outcome = checkAlert({
      rule: rule('backend-commit-p99'),
      quiet: rule('backend-commit-p99').evaluate(noisy, options),
      underFault: rule('backend-commit-p99').evaluate(noisy, options),
    });
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/fired without the fault/);
    // 100 commits in the window (200 after, 100 before): what the p99 rests on is part of what is observed.
    expect(outcome.observed).toMatch(
      /^without the fault \d+\.\d ms \(FIRES, on m1, p99 of 100 observations\)/,
    );
  });

  it('counts leader changes within the minute: 3 fire, 2 do not', () => {
    expect(rule('leader-changes').evaluate(window({ leaderChanges: 4 }), options)).toMatchObject({
      value: 3,
      fires: true,
    });
    expect(rule('leader-changes').evaluate(window({ leaderChanges: 3 }), options)).toMatchObject({
      value: 2,
      fires: false,
    });
  });

  it('db size: 85 % of the quota fires, 1 % does not; absent metrics make it unevaluable', () => {
    expect(rule('db-size').evaluate(window({ dbBytes: 0.85 * 32 * 1048576 }), options).fires).toBe(true);
    expect(rule('db-size').evaluate(quiet, options).fires).toBe(false);
    const missing = rule('db-size').evaluate(quiet, {
      dbSizeMetric: 'etcd_debugging_mvcc_db_total_size_in_bytes',
    });
    expect(missing.fires).toBe(false);
    expect(missing.missing).toMatch(/absent/);
  });
});

describe('verdicts from the states Prometheus reported', () => {
  const wal = rule('wal-fsync-p99');
  const inactive = {
    alert: wal.prometheusAlert,
    state: 'inactive' as const,
    atStart: 'inactive' as const,
    pendingAt: undefined,
    firingAt: undefined,
    activeAt: undefined,
    firedInstances: [],
    carriedFiring: [],
  };
  const fired = (at: number) => ({
    ...inactive,
    state: 'firing' as const,
    pendingAt: at - 6_000,
    firingAt: at,
    activeAt: at - 6_000,
    firedInstances: [{ instance: '10.0.0.2:2381' }],
  });
  const quietEval = { value: 3, member: 'm1', fires: false, missing: undefined, observations: 300 };
  const faultEval = { value: 45, member: 'm2', fires: true, missing: undefined, observations: 90 };
  const base = {
    rule: wal,
    timeFactor: 20,
    compressedRule: 'etcdGuideWalFsyncSlow: window [15s], for 6s',
    faultDescription: 'an fsync delay of 40 ms on m2',
    quiet: inactive,
    underFault: fired(10_000),
    faultStartedAt: 1_000,
    faultHeldMs: 9_500,
    crossCheck: { quiet: quietEval, underFault: faultEval },
  };

  it('passes when Prometheus fired under the fault only, with the time to firing in compressed and production time', () => {
    const outcome = checkAlertWithPrometheus(base);
    expect(outcome.verdict).toBe('pass');
    expect(outcome.reason).toMatch(
      /firing 9.0 s after the fault \(180.0 s of production time at factor 20\)/,
    );
    expect(outcome.reason).toMatch(/the cross-check agrees/);
    expect(outcome.environmentDependent).toBe(true);
    expect(outcome.measurements).toContainEqual({
      name: 'time-compression factor',
      value: 20,
      unit: 'ratio',
    });
  });

  it("fails when it fired without the fault, saying the host's disk did it, and reports a disagreeing cross-check", () => {
    const outcome = checkAlertWithPrometheus({ ...base, quiet: fired(500) });
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/firing without any fault .*this host's own disk/);
    expect(outcome.reason).toMatch(
      /cross-check disagrees: quiet window: the cross-check says quiet \(3.0 ms/,
    );
  });

  it('is inconclusive when the alert was still firing from before the fault began (nothing shown about the fault)', () => {
    const carried = {
      ...inactive,
      state: 'firing' as const,
      atStart: 'firing' as const,
      carriedFiring: [{ instance: 'x' }],
    };
    const outcome = checkAlertWithPrometheus({ ...base, underFault: carried });
    expect(outcome.verdict).toBe('inconclusive');
    expect(outcome.reason).toMatch(/still firing from before/);
  });

  it('fails when Prometheus never fired under the fault, and is inconclusive when the rule could not evaluate', () => {
    expect(checkAlertWithPrometheus({ ...base, underFault: inactive }).verdict).toBe('fail');
    const broken = checkAlertWithPrometheus({ ...base, underFault: inactive, ruleError: 'parse error' });
    expect(broken.verdict).toBe('inconclusive');
    expect(broken.reason).toMatch(/could not evaluate etcdGuideWalFsyncSlow: parse error/);
  });

  it('marks only the disk alerts environment-dependent', () => {
    const leader = rule('leader-changes');
    const outcome = checkAlertWithPrometheus({
      ...base,
      rule: leader,
      quiet: { ...inactive, alert: leader.prometheusAlert },
      underFault: { ...fired(3_000), alert: leader.prometheusAlert },
      crossCheck: {
        quiet: { value: 0, member: undefined, fires: false, missing: undefined },
        underFault: { value: 3, member: undefined, fires: true, missing: undefined },
      },
    });
    expect(outcome.verdict).toBe('pass');
    expect(outcome.environmentDependent).toBeUndefined();
  });
});
