// Quantiles and means from Prometheus histograms (cumulative buckets), as pure functions over scraped data.
import { HarnessError } from '../errors.js';

export interface HistogramBucket {
  /** Inclusive upper bound in the metric's unit (seconds for etcd's durations); `Infinity` for `+Inf`. */
  readonly le: number;
  /** Cumulative: observations ≤ `le`. */
  readonly count: number;
}

export interface Histogram {
  /** Ascending by `le`, cumulative, the `+Inf` bucket included as `Infinity`. */
  readonly buckets: readonly HistogramBucket[];
  readonly count: number;
  readonly sum: number;
}

/** Two histograms whose bucket bounds differ cannot be added (PromQL's `sum by (le)` would mix them). */
export class HistogramLayoutError extends HarnessError {
  override readonly name: string = 'HistogramLayoutError';
}

/**
 * The observations made between two scrapes of the same series. A counter reset (the process restarted, so some
 * count went down) or a different bucket layout means `before` says nothing about `after`'s window: then `after`
 * itself is returned, which is what PromQL's `increase()` assumes after a reset as well.
 */
export function histogramDelta(after: Histogram, before: Histogram): Histogram {
  if (!sameBounds(after, before) || after.count < before.count) return after;
  const buckets: HistogramBucket[] = [];
  for (const [index, bucket] of after.buckets.entries()) {
    const previous = before.buckets[index]!;
    if (bucket.count < previous.count) return after;
    buckets.push({ le: bucket.le, count: bucket.count - previous.count });
  }
  return { buckets, count: after.count - before.count, sum: after.sum - before.sum };
}

/** Adds histograms with the same bucket bounds (PromQL `sum by (le)`); throws on different bounds. */
export function mergeHistograms(histograms: readonly Histogram[]): Histogram | undefined {
  const [first, ...rest] = histograms;
  if (!first) return undefined;
  let buckets = first.buckets.map((bucket) => ({ ...bucket }));
  let count = first.count;
  let sum = first.sum;
  for (const histogram of rest) {
    if (!sameBounds(first, histogram)) {
      throw new HistogramLayoutError('Cannot add histograms with different bucket bounds.', {
        context: { bounds: first.buckets.map((b) => b.le), otherBounds: histogram.buckets.map((b) => b.le) },
      });
    }
    buckets = buckets.map((bucket, index) => ({
      le: bucket.le,
      count: bucket.count + histogram.buckets[index]!.count,
    }));
    count += histogram.count;
    sum += histogram.sum;
  }
  return { buckets, count, sum };
}

/** The mean observation (`sum / count`), NaN when the histogram is empty. */
export function histogramMean(histogram: Histogram): number {
  return histogram.count === 0 ? Number.NaN : histogram.sum / histogram.count;
}

/**
 * Prometheus' `histogram_quantile(q, ...)` on one classic histogram, case for case (promql/quantile.go
 * `bucketQuantile`): linear interpolation inside the bucket holding the rank `q × observations`; the lowest bucket
 * starts at 0 (or, if its bound is ≤ 0, that bound is returned); a rank in the `+Inf` bucket returns the highest
 * finite bound; NaN without observations, without a `+Inf` bucket or with fewer than 2 buckets; −Inf for q < 0 and
 * +Inf for q > 1. Observations are the `+Inf` bucket's count, not `count`. Alert rules compute exactly this, so
 * alert checks must too, even where it is a poor estimate (see `estimateQuantile`).
 */
export function histogramQuantile(q: number, histogram: Histogram): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const located = locateRank(q, histogram);
  if (!located) return Number.NaN;
  const { buckets, index, rank } = located;
  if (index === buckets.length - 1) return buckets[buckets.length - 2]!.le;
  const bucket = buckets[index]!;
  if (index === 0 && bucket.le <= 0) return bucket.le;
  const start = index > 0 ? buckets[index - 1]! : { le: 0, count: 0 };
  // 0/0 (q = 0 and an empty lowest bucket) stays NaN, as in Prometheus.
  return start.le + (bucket.le - start.le) * ((rank - start.count) / (bucket.count - start.count));
}

/**
 * A better quantile estimate than `histogramQuantile` when most observations share one bucket, using `sum`.
 *
 * Why: etcd's duration buckets double (…, 32 ms, 64 ms, …). A 50 ms fsync delay puts every observation into the
 * (32 ms, 64 ms] bucket, where linear interpolation answers 48 ms for the median whatever the real value is. The
 * sum pins the bucket's mean down: when the bucket holding the q-quantile holds at least half of all observations,
 * its mean is estimated as (sum − Σ other buckets' count × their bucket midpoint) / its count, clamped into the
 * bucket. Its observations are then modelled as uniform on [m − w, m + w] with w = min(m − lo, hi − m), the widest
 * spread around m that stays inside the bucket, and the quantile is interpolated there. Otherwise (no dominant
 * bucket, negative bounds, observations in the `+Inf` bucket that have no midpoint) it is `histogramQuantile`.
 *
 * What it cannot do: a histogram carries no spread, so for a point mass at 50.5 ms the median comes out at
 * 50.5 ms but p99 still near the bucket's top (63.7 ms, against Prometheus' 63.7 ms). Use it (or
 * `histogramMean`) to say what delay was observed, and `histogramQuantile` to say whether an alert would fire.
 * Unlike `histogramQuantile`, a dominant `+Inf` bucket yields a value above the highest finite bound.
 */
export function estimateQuantile(q: number, histogram: Histogram): number {
  const prometheus = histogramQuantile(q, histogram);
  if (!Number.isFinite(prometheus) || !Number.isFinite(histogram.sum)) return prometheus;
  const located = locateRank(q, histogram);
  if (!located) return prometheus;
  const { buckets, index, rank } = located;
  const lowerCount = index > 0 ? buckets[index - 1]!.count : 0;
  const lower = index > 0 ? buckets[index - 1]!.le : 0;
  const upper = buckets[index]!.le;
  const observations = buckets[buckets.length - 1]!.count;
  const inBucket = buckets[index]!.count - lowerCount;
  if (lower < 0 || upper <= 0 || inBucket < observations / 2) return prometheus;

  let othersSum = 0;
  for (const [other, bucket] of buckets.entries()) {
    if (other === index) continue;
    const count = bucket.count - (other > 0 ? buckets[other - 1]!.count : 0);
    if (count === 0) continue;
    const otherLower = other > 0 ? buckets[other - 1]!.le : 0;
    if (!Number.isFinite(bucket.le)) return prometheus;
    othersSum += count * ((otherLower + bucket.le) / 2);
  }
  const mean = Math.min(Math.max((histogram.sum - othersSum) / inBucket, lower), upper);
  const halfWidth = Math.min(mean - lower, upper - mean);
  const fraction = (rank - lowerCount) / inBucket;
  return mean - halfWidth + 2 * halfWidth * fraction;
}

interface LocatedRank {
  /** Sorted, coalesced, monotonic buckets ending in `+Inf`. */
  readonly buckets: readonly HistogramBucket[];
  /** Index of the first bucket whose cumulative count reaches `rank` (the `+Inf` bucket if none before it). */
  readonly index: number;
  readonly rank: number;
}

function locateRank(q: number, histogram: Histogram): LocatedRank | undefined {
  const buckets = normalizeBuckets(histogram.buckets);
  if (buckets.length < 2 || buckets[buckets.length - 1]!.le !== Number.POSITIVE_INFINITY) return undefined;
  const observations = buckets[buckets.length - 1]!.count;
  if (observations === 0) return undefined;
  const rank = q * observations;
  let index = buckets.findIndex((bucket, i) => i < buckets.length - 1 && bucket.count >= rank);
  if (index === -1) index = buckets.length - 1;
  return { buckets, index, rank };
}

/** Sorts, merges equal bounds, and repairs what Prometheus repairs: float noise and non-monotonic counts. */
function normalizeBuckets(input: readonly HistogramBucket[]): HistogramBucket[] {
  const sorted = [...input].sort((a, b) => a.le - b.le);
  const coalesced: { le: number; count: number }[] = [];
  for (const bucket of sorted) {
    const last = coalesced[coalesced.length - 1];
    if (last && last.le === bucket.le) last.count += bucket.count;
    else coalesced.push({ ...bucket });
  }
  // correctPrecisionErrors(buckets, 1e-12), then ensureMonotonic, as promql/quantile.go does.
  let previous = coalesced[0]?.count ?? 0;
  for (const bucket of coalesced.slice(1)) {
    const delta = Math.abs(bucket.count - previous);
    if (delta === 0) continue;
    if (delta / bucket.count <= 1e-12) bucket.count = previous;
    else previous = bucket.count;
  }
  let highest = coalesced[0]?.count ?? 0;
  for (const bucket of coalesced) {
    if (bucket.count > highest) highest = bucket.count;
    else bucket.count = highest;
  }
  return coalesced;
}

function sameBounds(a: Histogram, b: Histogram): boolean {
  return (
    a.buckets.length === b.buckets.length && a.buckets.every((bucket, i) => bucket.le === b.buckets[i]!.le)
  );
}
