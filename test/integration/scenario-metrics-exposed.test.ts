import { describe, expect, it } from 'vitest';
import metricsExposed from '../../scenarios/metrics-exposed.js';
import { removeReport, runScenarioForTest } from '../helpers/scenario.js';

// What each version serves of the guide's names. The claim fails on every version: etcd_disk_writes_total has
// never existed, and etcd_debugging_mvcc_db_total_size_in_bytes is gone since 3.5.
const EXPECTED: Record<string, Record<string, string>> = {
  '3.4': {
    etcd_server_leader_changes_seen_total: 'pass',
    etcd_disk_writes_total: 'fail',
    etcd_disk_wal_fsync_duration_seconds: 'pass',
    etcd_disk_backend_commit_duration_seconds: 'pass',
    etcd_debugging_mvcc_db_total_size_in_bytes: 'pass',
  },
  later: {
    etcd_server_leader_changes_seen_total: 'pass',
    etcd_disk_writes_total: 'fail',
    etcd_disk_wal_fsync_duration_seconds: 'pass',
    etcd_disk_backend_commit_duration_seconds: 'pass',
    etcd_debugging_mvcc_db_total_size_in_bytes: 'fail',
  },
};

describe.each(['default', '3.5', '3.4', '3.7'])('metrics-exposed on etcd %s', (version) => {
  it('serves /metrics on the metrics listener, but not every name the guide gives', async () => {
    const run = await runScenarioForTest(metricsExposed, { version });
    try {
      expect(run.result.status, run.result.message).toBe('completed');
      const [listener, ...perMetric] = run.findings;
      expect(listener!.check).toBe('the --listen-metrics-urls listener serves /metrics');
      expect(listener!.verdict, listener!.reason).toBe('pass');
      expect(Object.fromEntries(perMetric.map((finding) => [finding.check, finding.verdict]))).toEqual(
        EXPECTED[version === '3.4' ? '3.4' : 'later'],
      );
      const diskWrites = perMetric.find((finding) => finding.check === 'etcd_disk_writes_total')!;
      expect(diskWrites.reason).toContain('etcd_disk_wal_fsync_duration_seconds_count');
      if (version !== '3.4') {
        const dbSize = perMetric.find(
          (finding) => finding.check === 'etcd_debugging_mvcc_db_total_size_in_bytes',
        )!;
        expect(dbSize.reason).toContain('serves instead: etcd_mvcc_db_total_size_in_bytes');
      }
      expect(listener!.evidence.some((path) => path.endsWith('metrics-m1.txt'))).toBe(true);
    } finally {
      removeReport(run);
    }
  });
});
