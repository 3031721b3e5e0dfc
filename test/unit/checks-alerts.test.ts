import { describe, expect, it } from 'vitest';
import { checkAlert, GUIDE_ALERTS, type MetricsWindow } from '../../harness/checks/alerts.js';
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
