// Histogram math against hand-computed values and Prometheus' own test cases (promql/testdata/histograms.test).
import { describe, expect, it } from 'vitest';
import {
  estimateQuantile,
  type Histogram,
  HistogramLayoutError,
  histogramDelta,
  histogramMean,
  histogramQuantile,
  mergeHistograms,
} from '../../harness/observe/histogram.js';

/** Builds a histogram from `[le, cumulativeCount]` pairs; `count` defaults to the last bucket's. */
function histogram(pairs: readonly [number, number][], sum = 0, count?: number): Histogram {
  const buckets = pairs.map(([le, cumulative]) => ({ le, count: cumulative }));
  return { buckets, count: count ?? buckets[buckets.length - 1]?.count ?? 0, sum };
}

/** etcd's duration buckets: 1 ms doubling to 8.192 s, then +Inf. */
const ETCD_BOUNDS = [
  0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192,
];

/** An etcd-shaped histogram holding `values` (seconds). */
function observe(values: readonly number[]): Histogram {
  const bounds = [...ETCD_BOUNDS, Number.POSITIVE_INFINITY];
  return {
    buckets: bounds.map((le) => ({ le, count: values.filter((value) => value <= le).length })),
    count: values.length,
    sum: values.reduce((total, value) => total + value, 0),
  };
}

// Prometheus' test histograms, at 50m: 10 increments each.
const positive = histogram([
  [0.1, 50],
  [0.2, 70],
  [1, 110],
  [Number.POSITIVE_INFINITY, 120],
]);
const negative = histogram([
  [-0.2, 10],
  [-0.1, 20],
  [0.3, 20],
  [Number.POSITIVE_INFINITY, 30],
]);

describe('histogramQuantile (Prometheus semantics)', () => {
  it('reproduces the quantiles of promql/testdata/histograms.test', () => {
    expect(histogramQuantile(0.2, positive)).toBeCloseTo(0.048, 12);
    expect(histogramQuantile(0.5, positive)).toBeCloseTo(0.15, 12);
    expect(histogramQuantile(0.8, positive)).toBeCloseTo(0.72, 12);
    expect(histogramQuantile(0.2, negative)).toBe(-0.2);
    expect(histogramQuantile(0.5, negative)).toBeCloseTo(-0.15, 12);
    expect(histogramQuantile(0.8, negative)).toBe(0.3);
  });

  it('returns 0 for q=0 with a positive lowest bucket, and the bound itself when that bound is ≤ 0', () => {
    expect(histogramQuantile(0, positive)).toBe(0);
    expect(histogramQuantile(0, negative)).toBe(-0.2);
  });

  it('returns the highest finite bound when the rank falls into the +Inf bucket', () => {
    expect(histogramQuantile(1, positive)).toBe(1);
    expect(histogramQuantile(1, negative)).toBe(0.3);
    // 99 of 100 observations above 8.192 s: p99 is still "8.192".
    expect(histogramQuantile(0.99, observe([...Array(99).fill(20), 0.0005]))).toBe(8.192);
  });

  it('is -Inf below 0, +Inf above 1 and NaN for a NaN quantile', () => {
    expect(histogramQuantile(-0.1, positive)).toBe(Number.NEGATIVE_INFINITY);
    expect(histogramQuantile(1.01, positive)).toBe(Number.POSITIVE_INFINITY);
    expect(histogramQuantile(Number.NaN, positive)).toBeNaN();
  });

  it('is NaN without observations, without a +Inf bucket, or with a single bucket', () => {
    expect(histogramQuantile(0.5, observe([]))).toBeNaN();
    expect(
      histogramQuantile(
        0.5,
        histogram([
          [0.1, 5],
          [0.2, 10],
        ]),
      ),
    ).toBeNaN();
    expect(histogramQuantile(0.5, histogram([[Number.POSITIVE_INFINITY, 10]]))).toBeNaN();
  });

  it('forces monotonic buckets as Prometheus does (its nonmonotonic_bucket case)', () => {
    const nonmonotonic = histogram([
      [0.1, 20],
      [1, 10],
      [10, 50],
      [100, 40],
      [1000, 90],
      [Number.POSITIVE_INFINITY, 80],
    ]);
    expect(histogramQuantile(0.01, nonmonotonic)).toBeCloseTo(0.0045, 12);
    expect(histogramQuantile(0.5, nonmonotonic)).toBeCloseTo(8.5, 12);
    expect(histogramQuantile(0.99, nonmonotonic)).toBeCloseTo(979.75, 10);
  });

  it('sorts unsorted buckets and uses the +Inf bucket, not count, as the number of observations', () => {
    const unsorted = histogram(
      [
        [Number.POSITIVE_INFINITY, 120],
        [0.2, 70],
        [0.1, 50],
        [1, 110],
      ],
      0,
      999,
    );
    expect(histogramQuantile(0.5, unsorted)).toBeCloseTo(0.15, 12);
  });

  it('interpolates linearly inside etcd buckets (hand-computed)', () => {
    // 10 observations ≤ 1 ms, 10 more ≤ 2 ms: p75 is rank 15, halfway through (1 ms, 2 ms].
    const values = [...Array(10).fill(0.0005), ...Array(10).fill(0.0015)];
    expect(histogramQuantile(0.75, observe(values))).toBeCloseTo(0.0015, 12);
    expect(histogramQuantile(0.25, observe(values))).toBeCloseTo(0.0005, 12);
  });

  it('keeps NaN for q=0 with an empty lowest bucket (0/0 in Prometheus too)', () => {
    expect(histogramQuantile(0, observe([0.05]))).toBeNaN();
  });
});

describe('estimateQuantile', () => {
  it('pins a 50.5 ms point mass down where interpolation says 48 ms (worked example)', () => {
    // All 100 fsyncs took 50.5 ms: bucket (32 ms, 64 ms] holds everything, sum = 5.05 s.
    const delayed = observe(Array(100).fill(0.0505));
    expect(histogramQuantile(0.5, delayed)).toBeCloseTo(0.048, 12);
    // mean m = 5.05 / 100 = 0.0505; w = min(0.0505 − 0.032, 0.064 − 0.0505) = 0.0135; p50 = m.
    expect(estimateQuantile(0.5, delayed)).toBeCloseTo(0.0505, 12);
    // The uniform model's tail: m − w + 2w·0.99 = 0.037 + 0.027·0.99 = 0.06373 (the histogram has no spread).
    expect(estimateQuantile(0.99, delayed)).toBeCloseTo(0.06373, 12);
  });

  it('subtracts the other buckets at their midpoints to find the dominant bucket mean', () => {
    // 90 at 50 ms, 10 in (1 ms, 2 ms] at 1.5 ms (midpoint exactly): m = (4.5 + 0.015 − 10·0.0015) / 90 = 0.05.
    const mixed = observe([...Array(90).fill(0.05), ...Array(10).fill(0.0015)]);
    // rank 50: 40 into the 90 of the bucket → (m − w) + 2w·40/90 with w = 0.014.
    expect(estimateQuantile(0.5, mixed)).toBeCloseTo(0.036 + 0.028 * (40 / 90), 12);
  });

  it('equals histogramQuantile when no bucket holds half of the observations (spread data)', () => {
    const spread = observe([
      ...Array(10).fill(0.0005),
      ...Array(20).fill(0.0015),
      ...Array(30).fill(0.003),
      ...Array(40).fill(0.006),
    ]);
    for (const q of [0.1, 0.5, 0.9, 0.99])
      expect(estimateQuantile(q, spread)).toBe(histogramQuantile(q, spread));
  });

  it('clamps an inconsistent mean into the bucket', () => {
    // sum says 1 ms per observation, but all are in (32 ms, 64 ms]: the mean is clamped to 32 ms, w = 0.
    const inconsistent = { ...observe(Array(10).fill(0.05)), sum: 0.01 };
    expect(estimateQuantile(0.5, inconsistent)).toBeCloseTo(0.032, 12);
    expect(estimateQuantile(0.99, inconsistent)).toBeCloseTo(0.032, 12);
  });

  it('goes past the highest bound when the +Inf bucket dominates, unlike histogramQuantile', () => {
    const stuck = observe(Array(10).fill(10));
    expect(histogramQuantile(0.5, stuck)).toBe(8.192);
    expect(estimateQuantile(0.5, stuck)).toBeCloseTo(10, 12);
  });

  it('falls back when observations in the +Inf bucket have no midpoint, and keeps the special cases', () => {
    const withOutlier = observe([...Array(9).fill(0.05), 20]);
    expect(estimateQuantile(0.5, withOutlier)).toBe(histogramQuantile(0.5, withOutlier));
    expect(estimateQuantile(0.5, observe([]))).toBeNaN();
    expect(estimateQuantile(2, withOutlier)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('histogramDelta', () => {
  const before = observe([0.0005, 0.0015]);
  const after = observe([0.0005, 0.0015, 0.05, 0.05, 0.05]);

  it('keeps only the observations between two scrapes', () => {
    const delta = histogramDelta(after, before);
    expect(delta.count).toBe(3);
    expect(delta.sum).toBeCloseTo(0.15, 12);
    expect(delta.buckets.find((bucket) => bucket.le === 0.032)?.count).toBe(0);
    expect(delta.buckets.find((bucket) => bucket.le === 0.064)?.count).toBe(3);
    expect(histogramMean(delta)).toBeCloseTo(0.05, 12);
  });

  it('returns `after` on a counter reset (the member restarted) or another bucket layout', () => {
    const restarted = observe([0.05]);
    expect(histogramDelta(restarted, after)).toBe(restarted);
    const otherLayout = histogram([
      [0.1, 9],
      [Number.POSITIVE_INFINITY, 9],
    ]);
    expect(histogramDelta(otherLayout, before)).toBe(otherLayout);
  });

  it('is empty between identical scrapes (negative control)', () => {
    const delta = histogramDelta(after, after);
    expect(delta.count).toBe(0);
    expect(histogramQuantile(0.99, delta)).toBeNaN();
    expect(histogramMean(delta)).toBeNaN();
  });
});

describe('mergeHistograms', () => {
  it('adds bucket-wise like `sum by (le)`, and refuses different bounds', () => {
    const merged = mergeHistograms([observe([0.0005]), observe([0.05, 0.05])])!;
    expect(merged.count).toBe(3);
    expect(merged.buckets.find((bucket) => bucket.le === 0.001)?.count).toBe(1);
    expect(merged.buckets.at(-1)?.count).toBe(3);
    expect(mergeHistograms([])).toBeUndefined();
    expect(() => mergeHistograms([observe([0.05]), histogram([[Number.POSITIVE_INFINITY, 1]])])).toThrow(
      HistogramLayoutError,
    );
  });
});
