// The metrics checks over real scrapes of every supported line (test/fixtures/metrics): which of the guide's names
// each version serves, and what the findings offer instead. Negative controls: a failed scrape, a member missing a
// name the others serve.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  checkGuideMetric,
  checkMetricsListener,
  GUIDE_METRICS,
  type MetricsScrape,
  similarNames,
} from '../../harness/checks/metrics.js';
import { parseMetrics } from '../../harness/observe/metrics.js';

function namesOf(version: string): string[] {
  const text = readFileSync(new URL(`../fixtures/metrics/etcd-${version}.txt`, import.meta.url), 'utf8');
  return parseMetrics('m1', text).names();
}

function scrapes(names: readonly string[]): MetricsScrape[] {
  return ['m1', 'm2', 'm3'].map((member, index) => ({
    member,
    url: `http://10.213.0.${11 + index}:2381/metrics`,
    listenFlag: `http://10.213.0.${11 + index}:2381`,
    names,
  }));
}

function verdicts(names: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    GUIDE_METRICS.map((metric) => [
      metric.name,
      checkGuideMetric({ metric, scrapes: scrapes(names) }).verdict,
    ]),
  );
}

const metric = (name: string) => GUIDE_METRICS.find((entry) => entry.name === name)!;

describe("the guide's metric names on real scrapes", () => {
  it('3.4.23 serves all but etcd_disk_writes_total (and flags the debugging name as deprecated)', () => {
    expect(verdicts(namesOf('3.4.23'))).toEqual({
      etcd_server_leader_changes_seen_total: 'pass',
      etcd_disk_writes_total: 'fail',
      etcd_disk_wal_fsync_duration_seconds: 'pass',
      etcd_disk_backend_commit_duration_seconds: 'pass',
      etcd_debugging_mvcc_db_total_size_in_bytes: 'pass',
    });
    const debugging = checkGuideMetric({
      metric: metric('etcd_debugging_mvcc_db_total_size_in_bytes'),
      scrapes: scrapes(namesOf('3.4.23')),
    });
    expect(debugging.reason).toContain('removed in 3.5');
    expect(debugging.reason).toContain('also served: etcd_mvcc_db_total_size_in_bytes');
  });

  it.each(['3.5.35', '3.6.16', '3.7.3'])(
    '%s lacks etcd_disk_writes_total and etcd_debugging_mvcc_db_total_size_in_bytes, and says what to use',
    (version) => {
      const names = namesOf(version);
      expect(verdicts(names)).toEqual({
        etcd_server_leader_changes_seen_total: 'pass',
        etcd_disk_writes_total: 'fail',
        etcd_disk_wal_fsync_duration_seconds: 'pass',
        etcd_disk_backend_commit_duration_seconds: 'pass',
        etcd_debugging_mvcc_db_total_size_in_bytes: 'fail',
      });
      const dbSize = checkGuideMetric({
        metric: metric('etcd_debugging_mvcc_db_total_size_in_bytes'),
        scrapes: scrapes(names),
      });
      expect(dbSize.reason).toContain('serves instead: etcd_mvcc_db_total_size_in_bytes');
      const diskWrites = checkGuideMetric({
        metric: metric('etcd_disk_writes_total'),
        scrapes: scrapes(names),
      });
      expect(diskWrites.reason).toContain('rate(etcd_disk_wal_fsync_duration_seconds_count[1m])');
      expect(diskWrites.reason).toContain('etcd_disk_wal_write_bytes_total');
      expect(diskWrites.observed).toContain('etcd_disk_wal_fsync_duration_seconds');
    },
  );

  it('no supported version has etcd_disk_writes_total', () => {
    for (const version of ['3.4.23', '3.5.35', '3.6.16', '3.7.3'])
      expect(namesOf(version)).not.toContain('etcd_disk_writes_total');
  });

  it('lists served names sharing the longest prefix', () => {
    expect(
      similarNames('etcd_disk_writes_total', ['etcd_disk_wal_fsync_duration_seconds', 'etcd_server_x']),
    ).toEqual(['etcd_disk_wal_fsync_duration_seconds']);
    expect(similarNames('foo_bar', ['etcd_x'])).toEqual([]);
  });
});

describe('negative controls', () => {
  it('fails a metric that one member does not serve', () => {
    const names = namesOf('3.6.16');
    const partial = scrapes(names).map((scrape) =>
      scrape.member === 'm2'
        ? { ...scrape, names: names.filter((name) => name !== 'etcd_server_leader_changes_seen_total') }
        : scrape,
    );
    const outcome = checkGuideMetric({
      metric: metric('etcd_server_leader_changes_seen_total'),
      scrapes: partial,
    });
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toContain('not served by m2 (but by m1, m3)');
  });

  it('fails the listener when a member does not answer, and leaves metrics inconclusive without scrapes', () => {
    const failed = scrapes([]).map((scrape) => ({
      ...scrape,
      names: undefined,
      error: 'Could not scrape the metrics of m1: fetch failed',
    }));
    expect(checkMetricsListener(failed).verdict).toBe('fail');
    const listener = checkMetricsListener(scrapes(namesOf('3.6.16')));
    expect(listener.verdict).toBe('pass');
    expect(listener.reason).toContain("on port 2381, the guide's");
    expect(checkGuideMetric({ metric: GUIDE_METRICS[0]!, scrapes: failed }).verdict).toBe('inconclusive');
  });

  it('fails the listener when a member was started without --listen-metrics-urls', () => {
    const unflagged = scrapes(namesOf('3.6.16')).map((scrape) => ({ ...scrape, listenFlag: undefined }));
    expect(checkMetricsListener(unflagged).verdict).toBe('fail');
  });
});
