// Latency percentiles (nearest rank), window splits and chart buckets.
import { describe, expect, it } from 'vitest';
import {
  bucketize,
  bucketPoints,
  latencyStats,
  percentileOfSorted,
  perSecond,
  splitByWindows,
} from '../../harness/workload/windows.js';

describe('latencyStats', () => {
  it('uses nearest-rank percentiles: always an observed value', () => {
    const samples = Array.from({ length: 100 }, (_, index) => 100 - index); // 100..1, unsorted
    expect(latencyStats(samples)).toEqual({ p50: 50, p90: 90, p99: 99, max: 100, mean: 50.5 });
    expect(latencyStats([7])).toEqual({ p50: 7, p90: 7, p99: 7, max: 7, mean: 7 });
    expect(latencyStats([1, 2, 3])).toMatchObject({ p50: 2, p90: 3, p99: 3 });
    expect(latencyStats([0.4, 0.2])).toMatchObject({ p50: 0.2, max: 0.4 });
  });

  it('is NaN without samples, and ignores NaN samples', () => {
    const empty = latencyStats([]);
    expect(Object.values(empty).every(Number.isNaN)).toBe(true);
    expect(JSON.parse(JSON.stringify(empty))).toEqual({
      p50: null,
      p90: null,
      p99: null,
      max: null,
      mean: null,
    });
    expect(latencyStats([Number.NaN, 3])).toMatchObject({ p50: 3, mean: 3 });
  });

  it('percentileOfSorted clamps ranks', () => {
    expect(percentileOfSorted([1, 2, 3, 4], 0)).toBe(1);
    expect(percentileOfSorted([1, 2, 3, 4], 100)).toBe(4);
    expect(percentileOfSorted([1, 2, 3, 4], 25)).toBe(1);
    expect(percentileOfSorted([1, 2, 3, 4], 26)).toBe(2);
  });
});

describe('splitByWindows', () => {
  it('puts an item in every window holding its time, from inclusive, to exclusive', () => {
    const items = [{ at: 0 }, { at: 5 }, { at: 10 }, { at: 15 }];
    const split = splitByWindows(items, (item) => item.at, [
      { label: 'before', from: 0, to: 10 },
      { label: 'during', from: 10, to: 20 },
      { label: 'all', from: 0, to: 100 },
      { label: 'empty', from: 50, to: 60 },
    ]);
    expect(split.map((entry) => [entry.window.label, entry.items.map((item) => item.at)])).toEqual([
      ['before', [0, 5]],
      ['during', [10, 15]],
      ['all', [0, 5, 10, 15]],
      ['empty', []],
    ]);
  });
});

describe('perSecond', () => {
  it('divides by the span, 0 for an empty span', () => {
    expect(perSecond(50, 1_000, 1_500)).toBe(100);
    expect(perSecond(50, 1_000, 1_000)).toBe(0);
  });
});

describe('bucketize', () => {
  it('gives one bucket per width, keeping empty ones, errors apart from latencies', () => {
    const buckets = bucketize(
      [
        { at: 1_000, latencyMs: 2, ok: true },
        { at: 1_050, latencyMs: 4, ok: true },
        { at: 1_060, latencyMs: Number.NaN, ok: false },
        { at: 1_250, latencyMs: 9, ok: true },
        { at: 1_300, latencyMs: 1, ok: true }, // at the end: outside
      ],
      1_000,
      1_300,
      100,
    );
    expect(
      buckets.map((bucket) => [bucket.at, bucket.count, bucket.errors, bucket.p50Ms, bucket.maxMs]),
    ).toEqual([
      [1_000, 2, 1, 2, 4],
      [1_100, 0, 0, Number.NaN, Number.NaN],
      [1_200, 1, 0, 9, 9],
    ]);
  });
});

describe('bucketPoints', () => {
  /** Buckets of 100 ms from t=0 whose p99 is the given value (NaN: no acknowledged write). */
  const buckets = (values: number[]) =>
    values.map((p99Ms, index) => ({
      at: index * 100,
      count: 1,
      errors: 0,
      p50Ms: p99Ms,
      p99Ms,
      maxMs: p99Ms,
    }));

  it('places each point at its bucket middle and breaks the line at an outage of 4+ buckets', () => {
    const points = bucketPoints(buckets([5, 6, NaN, NaN, NaN, NaN, 900, 7]), (bucket) => bucket.p99Ms, 100);
    expect(points).toEqual([
      { at: 50, value: 5 },
      { at: 150, value: 6 },
      { at: 250, value: null },
      { at: 650, value: 900 },
      { at: 750, value: 7 },
    ]);
  });

  it('bridges short runs without a value, and does not start or end on a gap', () => {
    const points = bucketPoints(
      buckets([NaN, NaN, NaN, NaN, 5, NaN, NaN, 6, NaN, NaN, NaN, NaN]),
      (b) => b.p99Ms,
      100,
    );
    expect(points).toEqual([
      { at: 450, value: 5 },
      { at: 750, value: 6 },
    ]);
  });
});
