// Checks of the defragmentation claim: after compaction, defrag shrinks each member's db file towards the size in
// use. Pure functions over endpoint status before and after `etcdctl defrag`.
import { type CheckOutcome, formatBytes, measure, outcomeWith } from '../findings/finding.js';

/** One member's sizes as `etcdctl endpoint status` reports them. */
export interface DbSizes {
  /** Physically allocated size of the backend db (bbolt's high-water mark). */
  readonly dbSizeBytes: number;
  /** Logically used size: the db size minus bbolt's free and pending pages. */
  readonly dbSizeInUseBytes: number;
}

export interface DefragRecord {
  readonly member: string;
  /** After compaction, before defrag. */
  readonly before: DbSizes;
  readonly after: DbSizes;
  readonly defragExitCode: number;
  readonly defragError?: string;
}

/**
 * How close to the in-use size a defragmented db must come: defrag copies every live key into a new bbolt file, so
 * the new file holds the in-use data plus page-fill slack (etcd fills the copy's pages to 90 %, the original's may
 * be fuller or emptier) and bbolt's fixed pages (2 meta pages, the freelist, the root and bucket pages). Allowed:
 * in-use before defrag + 10 % + 4 bbolt pages (16 KiB). Measured with 0.1–1 MiB in use: 3.4.23 and 3.5 land on the
 * in-use size, 3.6 one page (4 KiB) above it.
 */
export const DEFRAG_TOLERANCE = { ratio: 0.1, slackBytes: 4 * 4096 } as const;

/**
 * Below this much reclaimable space (db size − in use, before defrag) there is nothing meaningful to shrink, and the
 * check cannot tell a working defrag from a no-op: inconclusive.
 */
export const MIN_RECLAIMABLE_BYTES = 256 * 1024;

export function defragBound(inUseBeforeBytes: number): number {
  return Math.round(inUseBeforeBytes * (1 + DEFRAG_TOLERANCE.ratio) + DEFRAG_TOLERANCE.slackBytes);
}

export function checkDefragShrinks(record: DefragRecord): CheckOutcome {
  const { before, after } = record;
  const base = { claim: 'defrag.shrinks' as const, check: `defrag of ${record.member} after compaction` };
  const bound = defragBound(before.dbSizeInUseBytes);
  const reclaimable = before.dbSizeBytes - before.dbSizeInUseBytes;
  const expected = `db size after defrag < ${formatBytes(before.dbSizeBytes)} (before) and ≤ ${formatBytes(bound)} (in use before defrag ${formatBytes(before.dbSizeInUseBytes)} + ${DEFRAG_TOLERANCE.ratio * 100} % + ${formatBytes(DEFRAG_TOLERANCE.slackBytes)})`;
  const observed = `before: ${formatBytes(before.dbSizeBytes)} (in use ${formatBytes(before.dbSizeInUseBytes)}); defrag exit ${record.defragExitCode}; after: ${formatBytes(after.dbSizeBytes)} (in use ${formatBytes(after.dbSizeInUseBytes)})`;
  const measurements = [
    measure('db size before', before.dbSizeBytes, 'bytes'),
    measure('db size in use before', before.dbSizeInUseBytes, 'bytes'),
    measure('db size after', after.dbSizeBytes, 'bytes'),
    measure('db size in use after', after.dbSizeInUseBytes, 'bytes'),
    measure('reclaimed', before.dbSizeBytes - after.dbSizeBytes, 'bytes'),
    measure('after / in use before', after.dbSizeBytes / before.dbSizeInUseBytes, 'ratio'),
  ];
  const outcome = outcomeWith({ ...base, expected, observed, measurements });
  if (![before.dbSizeBytes, before.dbSizeInUseBytes, after.dbSizeBytes].every(Number.isFinite)) {
    return outcome(
      'inconclusive',
      'endpoint status did not report db size and db size in use (etcd before 3.4?)',
    );
  }
  if (record.defragExitCode !== 0) {
    return outcome('fail', `etcdctl defrag failed: ${record.defragError ?? `exit ${record.defragExitCode}`}`);
  }
  if (reclaimable < MIN_RECLAIMABLE_BYTES) {
    return outcome(
      'inconclusive',
      `only ${formatBytes(reclaimable)} was free before defrag (less than ${formatBytes(MIN_RECLAIMABLE_BYTES)}): the workload did not fragment the db enough to judge`,
    );
  }
  const problems: string[] = [];
  if (after.dbSizeBytes >= before.dbSizeBytes)
    problems.push(
      `the db did not shrink (${formatBytes(before.dbSizeBytes)} → ${formatBytes(after.dbSizeBytes)})`,
    );
  if (after.dbSizeBytes > bound)
    problems.push(
      `the db is still ${formatBytes(after.dbSizeBytes)}, above ${formatBytes(bound)} (in use before defrag + tolerance)`,
    );
  return outcome(
    problems.length === 0 ? 'pass' : 'fail',
    problems.length === 0
      ? `defrag returned ${formatBytes(before.dbSizeBytes - after.dbSizeBytes)} (${((1 - after.dbSizeBytes / before.dbSizeBytes) * 100).toFixed(0)} %) to the file system; the db is now ${(after.dbSizeBytes / before.dbSizeInUseBytes).toFixed(2)}× the size that was in use`
      : problems.join('; '),
  );
}
