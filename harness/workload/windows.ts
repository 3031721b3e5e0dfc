// Pure statistics over recorded samples: latency percentiles, samples split into labelled time windows (before /
// during / after a fault), and fixed-width time buckets for charts.

/** A labelled time range, `from` inclusive, `to` exclusive, both epoch ms. */
export interface TimeWindow {
  readonly label: string;
  readonly from: number;
  readonly to: number;
}

/** Latency percentiles in milliseconds; every field is NaN when there are no samples (`null` in JSON). */
export interface LatencyStats {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/**
 * Nearest-rank percentile of an ascending array: the smallest sample such that at least `percent` % of the
 * samples are less than or equal to it (no interpolation, so the result is always an observed value; the same
 * definition HdrHistogram's `valueAtPercentile` approximates).
 */
export function percentileOfSorted(sorted: ArrayLike<number>, percent: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((percent / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** p50/p90/p99 (nearest rank), max and mean of `samples` (any order; NaN samples are ignored). */
export function latencyStats(samples: ArrayLike<number>): LatencyStats {
  const sorted = Float64Array.from(samples).filter((value) => !Number.isNaN(value));
  sorted.sort();
  if (sorted.length === 0) {
    return { p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN };
  }
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    p50: percentileOfSorted(sorted, 50),
    p90: percentileOfSorted(sorted, 90),
    p99: percentileOfSorted(sorted, 99),
    max: sorted[sorted.length - 1] as number,
    mean: sum / sorted.length,
  };
}

export interface WindowSplit<T> {
  readonly window: TimeWindow;
  readonly items: readonly T[];
}

/**
 * The items whose time (`timeOf`) falls in each window (`from <= t < to`). Windows may overlap or leave gaps; an
 * item belongs to every window containing its time, in the order of `items`.
 */
export function splitByWindows<T>(
  items: readonly T[],
  timeOf: (item: T) => number,
  windows: readonly TimeWindow[],
): WindowSplit<T>[] {
  return windows.map((window) => ({
    window,
    items: items.filter((item) => {
      const at = timeOf(item);
      return at >= window.from && at < window.to;
    }),
  }));
}

/** Rate per second of `count` events over `[from, to)`; 0 for an empty or inverted range. */
export function perSecond(count: number, from: number, to: number): number {
  const spanMs = to - from;
  return spanMs > 0 ? (count * 1000) / spanMs : 0;
}

export interface TimeBucket {
  /** Start of the bucket, epoch ms. */
  readonly at: number;
  /** Successful samples in the bucket. */
  readonly count: number;
  readonly errors: number;
  /** Percentiles over the successful samples' latencies (NaN when there were none). */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface TimedSample {
  readonly at: number;
  readonly latencyMs: number;
  readonly ok: boolean;
}

/**
 * Fixed-width buckets (`bucketMs`) from `from` to `to` over samples: a bounded series for charts whatever the
 * number of samples (empty buckets are kept, so an outage shows as a gap with errors or nothing).
 */
export function bucketize(
  samples: readonly TimedSample[],
  from: number,
  to: number,
  bucketMs: number,
): TimeBucket[] {
  const bucketCount = Math.max(0, Math.ceil((to - from) / bucketMs));
  const latencies: number[][] = Array.from({ length: bucketCount }, () => []);
  const errors = new Array<number>(bucketCount).fill(0);
  for (const sample of samples) {
    const index = Math.floor((sample.at - from) / bucketMs);
    if (index < 0 || index >= bucketCount) continue;
    if (sample.ok) latencies[index]?.push(sample.latencyMs);
    else errors[index] = (errors[index] ?? 0) + 1;
  }
  return latencies.map((bucket, index) => {
    const stats = latencyStats(bucket);
    return {
      at: from + index * bucketMs,
      count: bucket.length,
      errors: errors[index] ?? 0,
      p50Ms: stats.p50,
      p99Ms: stats.p99,
      maxMs: stats.max,
    };
  });
}

/** A value at an instant (epoch ms); null where there is no data. */
export interface TimedValue {
  readonly at: number;
  readonly value: number | null;
}

/**
 * Chart points of one statistic over buckets, each at its bucket's middle. A run of at least `gapBuckets` buckets
 * without a value (no successful write: an outage) becomes a null point, so a chart breaks the line there instead
 * of drawing a ramp across it; shorter runs (a slow writer between two acks) are bridged.
 */
export function bucketPoints(
  buckets: readonly TimeBucket[],
  statistic: (bucket: TimeBucket) => number,
  bucketMs: number,
  gapBuckets = 4,
): TimedValue[] {
  const points: TimedValue[] = [];
  let gapStart = 0;
  let gapBucketCount = 0;
  for (const bucket of buckets) {
    const value = statistic(bucket);
    if (!Number.isFinite(value)) {
      if (gapBucketCount++ === 0) gapStart = bucket.at;
      continue;
    }
    if (points.length > 0 && gapBucketCount >= gapBuckets)
      points.push({ at: gapStart + bucketMs / 2, value: null });
    gapBucketCount = 0;
    points.push({ at: bucket.at + bucketMs / 2, value });
  }
  return points;
}
