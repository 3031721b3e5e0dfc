// Check of the memory claim: resident memory of each member against keyspace size, anonymous (Go heap, raft log,
// index) and file-backed (the mmap'd bbolt db) apart, against the guide's "etcd process uses 1–2 GB". Pure
// function over /proc samples the memory-footprint scenario took.
import { type CheckOutcome, formatBytes, measure, outcomeWith } from '../findings/finding.js';

export interface MemorySample {
  readonly member: string;
  /** Share of the profile's keyspace the member held (0 = empty). */
  readonly fraction: number;
  readonly dbSizeBytes: number;
  readonly keys: number;
  /** After a full read of the keyspace (what kube-apiserver's start does), or right after the start. */
  readonly afterFullRead: boolean;
  readonly rssBytes: number;
  readonly anonBytes: number;
  readonly fileBytes: number;
}

export interface MemoryRecord {
  readonly profile: string;
  readonly samples: readonly MemorySample[];
}

/** The guide's upper figure: "etcd process uses 1‑2 GB". */
export const GUIDE_MEMORY_BYTES = 2 * 1024 ** 3;

export function checkMemoryFootprint(record: MemoryRecord): CheckOutcome {
  const base = {
    claim: 'memory.footprint' as const,
    check: 'resident memory at the full keyspace ≤ 2 GiB',
    environmentDependent: true,
  };
  const full = record.samples.filter((sample) => sample.fraction === 1 && sample.afterFullRead);
  const expected = `every member's resident memory (anonymous + file-backed) ≤ ${formatBytes(GUIDE_MEMORY_BYTES)} with the ${record.profile} keyspace, after a full read`;
  const observed = full
    .map(
      (sample) =>
        `${sample.member}: ${formatBytes(sample.rssBytes)} resident (${formatBytes(sample.anonBytes)} anonymous, ${formatBytes(sample.fileBytes)} file-backed) at ${formatBytes(sample.dbSizeBytes)} db, ${sample.keys} keys`,
    )
    .join('; ');
  const slope = slopeOf(record);
  const measurements = [
    ...full.flatMap((sample) => [
      measure(`${sample.member} resident`, sample.rssBytes, 'bytes'),
      measure(`${sample.member} anonymous`, sample.anonBytes, 'bytes'),
      measure(`${sample.member} file-backed`, sample.fileBytes, 'bytes'),
    ]),
    ...(slope === undefined ? [] : [measure('anonymous bytes per db byte', slope, 'ratio')]),
  ];
  const outcome = outcomeWith({ ...base, expected, observed, measurements });
  if (full.length === 0) return outcome('inconclusive', 'no sample at the full keyspace after a full read');
  const over = full.filter((sample) => sample.rssBytes > GUIDE_MEMORY_BYTES);
  const largest = full.reduce((a, b) => (b.rssBytes > a.rssBytes ? b : a));
  return outcome(
    over.length === 0 ? 'pass' : 'fail',
    over.length === 0
      ? `at most ${formatBytes(largest.rssBytes)} resident (${largest.member}); ${slope === undefined ? '' : `anonymous memory grows by ${slope.toFixed(2)} bytes per db byte`}`
      : `${over.map((sample) => `${sample.member} holds ${formatBytes(sample.rssBytes)}`).join(', ')}, above the guide's 2 GB`,
  );
}

/** Least-squares slope of anonymous memory over db size (after full reads, all members). */
export function slopeOf(record: MemoryRecord): number | undefined {
  const points = record.samples.filter((sample) => sample.afterFullRead);
  if (new Set(points.map((sample) => sample.dbSizeBytes)).size < 2) return undefined;
  const meanX = points.reduce((sum, sample) => sum + sample.dbSizeBytes, 0) / points.length;
  const meanY = points.reduce((sum, sample) => sum + sample.anonBytes, 0) / points.length;
  let numerator = 0;
  let denominator = 0;
  for (const sample of points) {
    numerator += (sample.dbSizeBytes - meanX) * (sample.anonBytes - meanY);
    denominator += (sample.dbSizeBytes - meanX) ** 2;
  }
  return denominator === 0 ? undefined : numerator / denominator;
}
