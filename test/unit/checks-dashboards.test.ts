// The dashboards claim against what each release serves (alerts/etcd-served-metrics.json, recorded from real
// clusters): Grafana 3070 loses its DB size panel after 3.4; etcd's own dashboard reads only served names.
import { describe, expect, it } from 'vitest';
import { recordedReleases, servedFamilies } from '../../harness/alerting/served-metrics.js';
import { checkDashboardMetrics, missingDashboardMetrics } from '../../harness/checks/dashboards.js';
import { ETCD_MIXIN_DASHBOARD, GRAFANA_3070 } from '../../harness/claims/dashboards.js';

describe('dashboards against the metrics each release serves', () => {
  it('Grafana 3070: etcd_debugging_mvcc_db_total_size_in_bytes is gone from 3.5 on, nothing else', () => {
    const missing = Object.fromEntries(
      recordedReleases().map((release) => [
        release,
        missingDashboardMetrics(GRAFANA_3070, servedFamilies(release)!.byDefault),
      ]),
    );
    expect(missing).toEqual({
      '3.4.23': [],
      '3.5.35': ['etcd_debugging_mvcc_db_total_size_in_bytes'],
      '3.6.16': ['etcd_debugging_mvcc_db_total_size_in_bytes'],
      '3.7.3': ['etcd_debugging_mvcc_db_total_size_in_bytes'],
    });
  });

  it("etcd's own dashboard reads only names every release serves", () => {
    for (const release of recordedReleases())
      expect(
        missingDashboardMetrics(ETCD_MIXIN_DASHBOARD, servedFamilies(release)!.byDefault),
        release,
      ).toEqual([]);
  });

  it('a finding per missing name, with its replacement; one passing finding when nothing is missing', () => {
    const served = servedFamilies('3.6.16')!.byDefault;
    const outcomes = checkDashboardMetrics(GRAFANA_3070, served, {
      version: '3.6.16',
      scrapedFrom: 'a recording',
    });
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]!.verdict).toBe('fail');
    expect(outcomes[0]!.check).toBe(
      'Grafana dashboard 3070 (the guide names it): etcd_debugging_mvcc_db_total_size_in_bytes',
    );
    expect(outcomes[0]!.reason).toMatch(/use etcd_mvcc_db_total_size_in_bytes/);
    const mixin = checkDashboardMetrics(ETCD_MIXIN_DASHBOARD, served, {
      version: '3.6.16',
      scrapedFrom: 'a recording',
    });
    expect(mixin.map((outcome) => outcome.verdict)).toEqual(['pass']);
  });
});
