// Parsing real etcd scrapes (one per supported line) and the label-matching rules of a MetricsSnapshot.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { histogramQuantile } from '../../harness/observe/histogram.js';
import { METRIC, MetricsParseError, parseMetrics } from '../../harness/observe/metrics.js';
import { capabilitiesOf } from '../../harness/versions/capabilities.js';
import { parseExactVersion } from '../../harness/versions/version.js';

const VERSIONS = ['3.4.23', '3.5.35', '3.6.16', '3.7.3'] as const;

function fixture(version: string) {
  const text = readFileSync(new URL(`../fixtures/metrics/etcd-${version}.txt`, import.meta.url), 'utf8');
  return parseMetrics('m1', text, 1_700_000_000_000);
}

/** Names every version exposes (the fixtures were scraped with `--metrics=extensive` after peers were probed). */
const EVERYWHERE = [
  METRIC.walFsync,
  METRIC.backendCommit,
  METRIC.leaderChanges,
  METRIC.isLeader,
  METRIC.hasLeader,
  METRIC.walWriteBytes,
  METRIC.dbTotalSize,
  METRIC.dbInUse,
  METRIC.quota,
  METRIC.proposalsFailed,
  METRIC.proposalsApplied,
  METRIC.proposalsCommitted,
  METRIC.proposalsPending,
  METRIC.heartbeatSendFailures,
  METRIC.slowApplies,
  METRIC.grpcHandled,
  METRIC.grpcHandling,
  METRIC.peerRoundTrip,
];

describe.each(VERSIONS)('a real scrape of etcd %s (the leader)', (version) => {
  const snapshot = fixture(version);
  const capabilities = capabilitiesOf(parseExactVersion(version));

  it('has every catalogue name that all versions share', () => {
    expect(EVERYWHERE.filter((name) => !snapshot.names().includes(name))).toEqual([]);
    expect(snapshot.member).toBe('m1');
    expect(snapshot.takenAt).toBe(1_700_000_000_000);
  });

  it('matches the capability table on the names that differ by version', () => {
    const has = (name: string) => snapshot.names().includes(name);
    expect(has(METRIC.debuggingDbTotalSize)).toBe(capabilities.debuggingDbTotalSizeMetric !== undefined);
    expect(has(METRIC.requestDuration)).toBe(capabilities.requestDurationMetric !== undefined);
    expect(has(METRIC.applyDuration)).toBe(capabilities.applyDurationMetric !== undefined);
    for (const name of [capabilities.dbTotalSizeMetric, capabilities.dbInUseSizeMetric])
      expect(has(name)).toBe(true);
  });

  it('reads the leader gauges, counters and db sizes', () => {
    expect(snapshot.gauge(METRIC.isLeader)).toBe(1);
    expect(snapshot.gauge(METRIC.hasLeader)).toBe(1);
    expect(snapshot.counter(METRIC.leaderChanges)).toBe(1);
    expect(snapshot.gauge(METRIC.quota)).toBe(2 * 1024 ** 3);
    expect(snapshot.gauge(capabilities.dbTotalSizeMetric)).toBe(36_864);
    expect(snapshot.gauge(capabilities.dbInUseSizeMetric)).toBeGreaterThan(0);
    // etcd types these `_total`s as gauges; both readers answer.
    expect(snapshot.counter(METRIC.proposalsApplied)).toBe(snapshot.gauge(METRIC.proposalsApplied));
    expect(snapshot.counter(METRIC.proposalsApplied)).toBeGreaterThan(50);
    expect(snapshot.counter(METRIC.proposalsFailed)).toBe(0);
  });

  it('assembles the WAL fsync histogram: ascending bounds ending in +Inf, count and sum', () => {
    const fsync = snapshot.histogram(METRIC.walFsync)!;
    expect(fsync.buckets.map((bucket) => bucket.le)).toEqual([
      0.001,
      0.002,
      0.004,
      0.008,
      0.016,
      0.032,
      0.064,
      0.128,
      0.256,
      0.512,
      1.024,
      2.048,
      4.096,
      8.192,
      Number.POSITIVE_INFINITY,
    ]);
    expect(fsync.buckets.at(-1)!.count).toBe(fsync.count);
    expect(fsync.count).toBeGreaterThanOrEqual(59);
    expect(fsync.sum).toBeGreaterThan(0);
    expect(histogramQuantile(0.99, fsync)).toBeLessThan(0.064);
  });

  it('keeps every series of a labelled histogram apart (the library alone would merge them)', () => {
    const peers = snapshot.histogram(METRIC.peerRoundTrip)!;
    expect(peers.count).toBe(4); // two peers, probed twice each
    const peerIds = [...snapshot.text.matchAll(/round_trip_time_seconds_count\{To="([0-9a-f]+)"\}/g)].map(
      (m) => m[1]!,
    );
    expect(peerIds).toHaveLength(2);
    for (const peer of peerIds) expect(snapshot.histogram(METRIC.peerRoundTrip, { To: peer })?.count).toBe(2);
    expect(snapshot.histogram(METRIC.peerRoundTrip, { To: 'ffff' })).toBeUndefined();
  });

  it('sums gRPC counters over codes and agrees with the gRPC latency histogram', () => {
    const puts = snapshot.counter(METRIC.grpcHandled, { grpc_method: 'Put' })!;
    expect(puts).toBeGreaterThan(0);
    expect(snapshot.counter(METRIC.grpcHandled, { grpc_method: 'Put', grpc_code: 'OK' })).toBe(puts);
    expect(snapshot.counter(METRIC.grpcHandled, { grpc_method: 'Put', grpc_code: 'Unavailable' })).toBe(0);
    expect(snapshot.histogram(METRIC.grpcHandling, { grpc_method: 'Put' })?.count).toBe(puts);
  });
});

describe('version-specific families', () => {
  it('3.7 reports request durations per type, and its puts match the gRPC count', () => {
    const snapshot = fixture('3.7.3');
    const all = snapshot.histogram(METRIC.requestDuration)!;
    const puts = snapshot.histogram(METRIC.requestDuration, { type: 'Put' })!;
    const ranges = snapshot.histogram(METRIC.requestDuration, { type: 'Range', success: 'true' })!;
    expect(puts.count).toBe(18);
    expect(ranges.count).toBe(2);
    expect(all.count).toBe(18 + 2 + 1 + 1); // + ClusterMemberAttrSet, ClusterVersionSet
    expect(puts.count).toBe(snapshot.counter(METRIC.grpcHandled, { grpc_method: 'Put' }));
    expect(puts.sum).toBeGreaterThan(0);
  });

  it('3.4 still has the etcd_debugging_ db size twin, equal to the new name', () => {
    const snapshot = fixture('3.4.23');
    expect(snapshot.gauge(METRIC.debuggingDbTotalSize)).toBe(snapshot.gauge(METRIC.dbTotalSize));
    expect(fixture('3.5.35').gauge(METRIC.debuggingDbTotalSize)).toBeUndefined();
  });
});

const SYNTHETIC = `# HELP requests_total Requests.
# TYPE requests_total counter
requests_total{method="put",code="ok"} 10
requests_total{method="put",code="error"} 2
requests_total{method="get",code="ok"} 5
# TYPE temperature gauge
temperature 21.5
temperature{room="attic"} 30
# TYPE lat_seconds histogram
lat_seconds_bucket{op="a",le="0.1"} 1
lat_seconds_bucket{op="a",le="+Inf"} 2
lat_seconds_sum{op="a"} 0.5
lat_seconds_count{op="a"} 2
lat_seconds_bucket{op="b",le="0.1"} 3
lat_seconds_bucket{op="b",le="+Inf"} 3
lat_seconds_sum{op="b"} 0.15
lat_seconds_count{op="b"} 3
# TYPE gc_seconds summary
gc_seconds{quantile="0.5"} 0.001
gc_seconds_sum 0.01
gc_seconds_count 7
# TYPE weird untyped
weird{kind="up"} +Inf
weird{kind="down"} -Inf
weird{kind="nan"} NaN
last_line_without_newline 42`;

describe('label matching', () => {
  const snapshot = parseMetrics('m9', SYNTHETIC);

  it('sums a labelled family when no labels are given, and sums the subset that matches', () => {
    expect(snapshot.counter('requests_total')).toBe(17);
    expect(snapshot.counter('requests_total', { method: 'put' })).toBe(12);
    expect(snapshot.counter('requests_total', { method: 'put', code: 'ok' })).toBe(10);
    expect(snapshot.sumOf('requests_total', { code: 'ok' })).toBe(15);
  });

  it('prefers the exact label set: no labels means the unlabelled series when there is one', () => {
    expect(snapshot.gauge('temperature')).toBe(21.5);
    expect(snapshot.gauge('temperature', { room: 'attic' })).toBe(30);
    expect(snapshot.sumOf('temperature')).toBe(51.5);
  });

  it('is undefined when the family or the labels do not match (negative controls)', () => {
    expect(snapshot.counter('requests_total', { method: 'delete' })).toBeUndefined();
    expect(snapshot.counter('no_such_metric')).toBeUndefined();
    expect(snapshot.sumOf('no_such_metric')).toBeUndefined();
    expect(snapshot.histogram('requests_total')).toBeUndefined();
    expect(snapshot.counter('lat_seconds')).toBeUndefined();
  });

  it('adds histograms bucket-wise over the series that match', () => {
    const a = snapshot.histogram('lat_seconds', { op: 'a' })!;
    expect(a).toEqual({
      buckets: [
        { le: 0.1, count: 1 },
        { le: Number.POSITIVE_INFINITY, count: 2 },
      ],
      count: 2,
      sum: 0.5,
    });
    const both = snapshot.histogram('lat_seconds')!;
    expect(both.count).toBe(5);
    expect(both.sum).toBeCloseTo(0.65, 12);
    expect(both.buckets[0]).toEqual({ le: 0.1, count: 4 });
  });

  it('keeps summaries as plain series, non-finite values, and a last line without a newline', () => {
    expect(snapshot.gauge('gc_seconds', { quantile: '0.5' })).toBe(0.001);
    expect(snapshot.counter('gc_seconds_count')).toBe(7);
    expect(snapshot.gauge('weird', { kind: 'up' })).toBe(Number.POSITIVE_INFINITY);
    expect(snapshot.gauge('weird', { kind: 'down' })).toBe(Number.NEGATIVE_INFINITY);
    expect(snapshot.gauge('weird', { kind: 'nan' })).toBeNaN();
    expect(snapshot.gauge('last_line_without_newline')).toBe(42);
  });

  it('lists family names, histograms by their base name', () => {
    expect(snapshot.names()).toEqual([
      'gc_seconds',
      'gc_seconds_count',
      'gc_seconds_sum',
      'last_line_without_newline',
      'lat_seconds',
      'requests_total',
      'temperature',
      'weird',
    ]);
    expect(snapshot.text).toBe(SYNTHETIC);
  });

  it('rejects text that is not Prometheus exposition, naming the member', () => {
    expect(() => parseMetrics('m2', 'metric{label=unquoted} 1\n')).toThrow(MetricsParseError);
    expect(() => parseMetrics('m2', 'metric{label=unquoted} 1\n')).toThrow(/m2/);
  });
});
