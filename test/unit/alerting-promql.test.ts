import { describe, expect, it } from 'vitest';
import {
  compressDuration,
  compressExpression,
  formatDurationMs,
  metricNamesOf,
  parseDurationMs,
} from '../../harness/alerting/promql.js';
import { InputError } from '../../harness/errors.js';

describe('Prometheus durations', () => {
  it('parse and format both ways, exactly', () => {
    expect(parseDurationMs('5m')).toBe(300_000);
    expect(parseDurationMs('1h30m')).toBe(5_400_000);
    expect(parseDurationMs('120s')).toBe(120_000);
    expect(parseDurationMs('1500ms')).toBe(1_500);
    expect(formatDurationMs(90_000)).toBe('1m30s');
    expect(formatDurationMs(1_500)).toBe('1s500ms');
    expect(formatDurationMs(14_400_000)).toBe('4h');
  });

  it('refuses what is not a duration, quoting it', () => {
    expect(() => parseDurationMs('5 minutes')).toThrow(InputError);
    expect(() => parseDurationMs('5 minutes')).toThrow(/`5 minutes`/);
    expect(() => parseDurationMs('')).toThrow(InputError);
  });

  it('compress by a factor to whole milliseconds, never below 1 ms', () => {
    expect(compressDuration('5m', 20)).toBe('15s');
    expect(compressDuration('20m', 20)).toBe('1m');
    expect(compressDuration('2m', 20)).toBe('6s');
    expect(compressDuration('1m', 60)).toBe('1s');
    expect(compressDuration('1m', 7)).toBe('8s571ms');
    expect(compressDuration('1ms', 20)).toBe('1ms');
  });
});

describe('time compression of an expression', () => {
  it('divides range windows, subquery range and step, and offsets', () => {
    expect(compressExpression('rate(x[5m])', 20)).toBe('rate(x[15s])');
    expect(compressExpression('increase((max without (instance) (x))[15m:1m]) >= 4', 20)).toBe(
      'increase((max without (instance) (x))[45s:3s]) >= 4',
    );
    expect(compressExpression('x offset 10m', 20)).toBe('x offset 30s');
    expect(compressExpression('max_over_time(x[10m:]) ', 20)).toBe('max_over_time(x[30s:]) ');
  });

  it('leaves brackets inside label matchers and strings alone', () => {
    const expr = 'rate(grpc_server_handled_total{grpc_code=~"[A-Z].*", job="a]b"}[5m])';
    expect(compressExpression(expr, 10)).toBe(
      'rate(grpc_server_handled_total{grpc_code=~"[A-Z].*", job="a]b"}[30s])',
    );
  });

  it("divides predict_linear's horizon (seconds, a number) by the same factor", () => {
    expect(compressExpression('predict_linear(db[4h], 4*60*60) > quota', 20)).toBe(
      'predict_linear(db[12m], (4*60*60) / 20) > quota',
    );
  });

  it('is the identity at factor 1 in effect (durations re-rendered only when scaled)', () => {
    expect(compressExpression('rate(x[5m]) > 1', 1)).toBe('rate(x[5m]) > 1');
  });
});

describe('metric names an expression reads', () => {
  it('skips functions, aggregations, keywords and label names', () => {
    expect(
      metricNamesOf(
        'histogram_quantile(0.99, sum by (job, instance, le) (rate(etcd_disk_wal_fsync_duration_seconds_bucket{job=~".*etcd.*"}[5m]))) > 0.010',
      ),
    ).toEqual(['etcd_disk_wal_fsync_duration_seconds_bucket']);
    expect(
      metricNamesOf(
        'max without (endpoint) (sum without (instance) (up{job=~".*etcd.*"} == bool 0) or count without (To) (sum without (instance) (rate(etcd_network_peer_sent_failures_total[120s])) > 0.01)) > 0',
      ),
    ).toEqual(['etcd_network_peer_sent_failures_total', 'up']);
    expect(metricNamesOf('a / on(instance) group_left(version) b * 0*absent(c)')).toEqual(['a', 'b', 'c']);
  });
});
