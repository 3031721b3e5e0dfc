// The Kubernetes-shaped data generator's plan (keys, sizes, values) is reproducible from a seed and looks like a
// cluster's keyspace; --scale parses built-in names and files and refuses anything else; the put-load statistics
// and the Go durations etcdctl prints.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { InputError } from '../../harness/errors.js';
import {
  bytePool,
  kubeValue,
  planKubeKeyspace,
  SeededRandom,
  valueScaleOf,
} from '../../harness/scale/kube-data.js';
import { describeProfile, parseScale, SCALE_PROFILES } from '../../harness/scale/profiles.js';
import { parseGoDurationMs, tookMs } from '../../harness/util/go-duration.js';
import {
  longestAckGap,
  type PutLoadRecord,
  putWindowStats,
  throughputSeries,
} from '../../harness/workload/put-load.js';

describe('Kubernetes-shaped keyspace', () => {
  const profile = SCALE_PROFILES.small;

  it('is the same for the same seed and differs for another', () => {
    const a = planKubeKeyspace(profile);
    const b = planKubeKeyspace(profile);
    expect(a.map((object) => [object.key, object.valueBytes])).toEqual(
      b.map((object) => [object.key, object.valueBytes]),
    );
    const c = planKubeKeyspace({ ...profile, seed: 2 });
    expect(c.map((object) => object.key)).not.toEqual(a.map((object) => object.key));
    const pool = bytePool(profile.seed);
    expect(kubeValue(a[5]!, 3, pool).equals(kubeValue(b[5]!, 3, bytePool(profile.seed)))).toBe(true);
    expect(kubeValue(a[5]!, 3, pool).equals(kubeValue(a[5]!, 4, pool))).toBe(false);
  });

  it('has /registry keys per resource, namespaced or not, in the mix’s proportions and sizes', () => {
    const objects = planKubeKeyspace(profile);
    expect(objects).toHaveLength(profile.keys);
    expect(new Set(objects.map((object) => object.key)).size).toBe(profile.keys);
    for (const object of objects) {
      const parts = object.key.split('/');
      expect(parts[1]).toBe('registry');
      expect(parts.length).toBe(
        object.resource.namespaced
          ? object.resource.resource.includes('/')
            ? 6
            : 5
          : object.resource.resource.includes('/')
            ? 5
            : 4,
      );
      expect(object.valueBytes).toBeGreaterThanOrEqual(Math.min(64, object.resource.minValueBytes));
      expect(object.valueBytes).toBeLessThanOrEqual(object.resource.maxValueBytes);
    }
    const events = objects.filter((object) => object.resource.resource === 'events').length;
    expect(events / objects.length).toBeGreaterThan(0.35); // 40 % of the mix
    const value = kubeValue(objects[0]!, 0, bytePool(1));
    expect(value.subarray(0, 4).toString('latin1')).toBe('k8s\u0000');
    expect(value.length).toBe(objects[0]!.valueBytes);
  });

  it('scales values down only when live data would not leave room for history', () => {
    expect(valueScaleOf(SCALE_PROFILES.production)).toBe(1);
    const scale = valueScaleOf(SCALE_PROFILES['4GiB']);
    expect(scale).toBeGreaterThan(0.2);
    expect(scale).toBeLessThan(1);
    expect(SCALE_PROFILES['4GiB'].keys).toBeGreaterThanOrEqual(1_000_000);
  });

  it('draws from a seeded generator that repeats', () => {
    const a = new SeededRandom(7);
    const b = new SeededRandom(7);
    const draws = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(draws);
    expect(new Set(draws).size).toBe(5);
  });
});

describe('--scale', () => {
  it('knows the built-in profiles; production is the guide’s thousands of keys and 100–500 MiB', () => {
    expect(parseScale('production')).toBe(SCALE_PROFILES.production);
    expect(SCALE_PROFILES.production.keys).toBeGreaterThanOrEqual(1_000);
    expect(SCALE_PROFILES.production.keys).toBeLessThan(100_000);
    expect(SCALE_PROFILES.production.dbBytes).toBeGreaterThanOrEqual(100 * 1024 ** 2);
    expect(SCALE_PROFILES.production.dbBytes).toBeLessThanOrEqual(500 * 1024 ** 2);
    expect(describeProfile(SCALE_PROFILES['4GiB'])).toBe('4GiB (1,000,000 keys, db ≈ 4 GiB)');
  });

  it('reads a JSON or YAML file and refuses bad ones with the value quoted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'etcd-chaos-scale-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'big.yaml'), 'name: big\nkeys: 50000\ndbBytes: 2147483648\n');
    expect(parseScale(join(dir, 'big.yaml'))).toMatchObject({
      name: 'big',
      keys: 50_000,
      dbBytes: 2 * 1024 ** 3,
    });
    writeFileSync(join(dir, 'bad.json'), '{"keys": -3}');
    expect(() => parseScale(join(dir, 'bad.json'))).toThrow(/`keys`.*got `-3`/);
    writeFileSync(join(dir, 'extra.json'), '{"keys": 10, "colour": "red"}');
    expect(() => parseScale(join(dir, 'extra.json'))).toThrow(/Unknown field `colour`/);
    expect(() => parseScale('nope')).toThrow(InputError);
    expect(() => parseScale('nope')).toThrow(/got `nope`/);
    expect(() => parseScale(join(dir, 'missing.yaml'))).toThrow(/Cannot read/);
  });
});

describe('put load statistics', () => {
  // Acks every 10 ms from t=0 to t=1000, none from 1000 to 3000 (a stall), then every 10 ms to 4000; target 0
  // everywhere, target 1 only after 3500.
  const sent: number[] = [];
  for (let at = 0; at <= 1000; at += 10) sent.push(at);
  for (let at = 3000; at < 4000; at += 10) sent.push(at);
  const record: PutLoadRecord = {
    startedAt: 0,
    endedAt: 4000,
    inFlight: 1,
    labels: ['m1', 'm2'],
    acknowledged: sent.length,
    sentAt: Float64Array.from(sent),
    latencyMs: Float64Array.from(sent.map(() => 5)),
    target: Uint16Array.from(sent.map((at) => (at >= 3500 ? 1 : 0))),
    failures: [],
  };
  it('measures a stall whole, even when the window covers only part of it', () => {
    expect(longestAckGap(record, { from: 1500, to: 2000 }).durationMs).toBe(2000);
    expect(longestAckGap(record, { from: 100, to: 900 }).durationMs).toBe(10);
    expect(longestAckGap(record, { from: 3000, to: 4000 }, 1).durationMs).toBeGreaterThanOrEqual(3000);
    expect(longestAckGap(record, { from: 3600, to: 4000 }, [0, 1]).durationMs).toBe(10);
  });
  it('gives rates and latency per window and series', () => {
    const stats = putWindowStats(record, { from: 0, to: 1000 });
    expect(stats.puts).toBe(100);
    expect(stats.putsPerSecond).toBe(100);
    expect(stats.latencyMs.p99).toBe(5);
    const series = throughputSeries(record, 1000);
    expect(series.map((point) => point.value)).toEqual([100, 1, 0, 100]);
  });
});

describe('Go durations', () => {
  it('parses what etcdctl prints after "took"', () => {
    expect(parseGoDurationMs('287.452331ms')).toBeCloseTo(287.452, 3);
    expect(parseGoDurationMs('1m2.5s')).toBe(62_500);
    expect(parseGoDurationMs('850µs')).toBeCloseTo(0.85, 5);
    expect(parseGoDurationMs('12 parsecs')).toBeUndefined();
    expect(tookMs('Finished defragmenting etcd member[http://127.0.0.1:2379]. took 4.25s\n')).toBe(4250);
    expect(tookMs('Finished defragmenting etcd member[http://127.0.0.1:2379]\n')).toBeUndefined();
  });
});
