// The dashboards the guide and etcd point to, against a live cluster's metrics listeners: on 3.6 etcd's own dashboard
// reads only served names, and Grafana 3070's DB size panel reads a name etcd stopped serving in 3.5.
import { describe, expect, it } from 'vitest';
import dashboardMetrics from '../../scenarios/dashboard-metrics.js';
import { removeReport, runScenarioForTest } from '../helpers/scenario.js';

describe('dashboard-metrics on etcd default', () => {
  it('passes for etcd’s own dashboard and names the one Grafana 3070 metric gone, with its replacement', async () => {
    const run = await runScenarioForTest(dashboardMetrics);
    try {
      expect(run.result.status, run.result.message).toBe('completed');
      const findings = run.findings.filter((finding) => finding.claim === 'dashboards.metrics');
      expect(findings.map((finding) => [finding.check, finding.verdict])).toEqual([
        ['Grafana dashboard 3070 (the guide names it): etcd_debugging_mvcc_db_total_size_in_bytes', 'fail'],
        ["etcd's own dashboard (contrib/mixin)", 'pass'],
      ]);
      expect(findings[0]!.reason).toMatch(/use etcd_mvcc_db_total_size_in_bytes/);
      expect(findings[1]!.observed).toContain('etcd_network_peer_round_trip_time_seconds_bucket');
    } finally {
      removeReport(run);
    }
  });
});
