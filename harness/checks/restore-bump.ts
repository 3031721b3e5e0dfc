// Checks of restore.bump-revision: after `snapshot restore --bump-revision N --mark-compacted`, the restored cluster's
// revision is above every revision clients saw, watches from older revisions end with a compacted error, and the data
// up to the snapshot is there. Pure functions over what the scenario recorded.
import { type CheckOutcome, measure } from '../findings/finding.js';
import type { LedgerCheck } from '../workload/ledger-check.js';

/** How a watch from an old revision ended, as one client saw it. */
export interface WatchEnding {
  /** `etcdctl watch --rev` or the etcd3 client. */
  readonly client: string;
  readonly startRevision: number;
  /** It was cancelled (or exited) within the bound. */
  readonly ended: boolean;
  /** ms from the watch request to its end (or to giving up). */
  readonly afterMs: number;
  /** What it said: etcdctl's output, or the etcd3 error message. */
  readonly message: string;
  /** Events it delivered before ending (a compacted watch delivers none). */
  readonly events: number;
}

export interface BumpRestoreRecord {
  readonly bumpRevision: number;
  readonly snapshotRevision: number;
  /** The highest revision any client saw before the restore (acknowledged puts, status reads), after the snapshot too. */
  readonly maxRevisionSeen: number;
  /** The restored cluster's revision right after it started (endpoint status), before any write. */
  readonly restoredRevision: number;
  /** The revision of the first put on the restored cluster. */
  readonly firstPutRevision: number;
  /** Watches from `maxRevisionSeen` (and older) on the restored cluster. */
  readonly oldWatches: readonly WatchEnding[];
  /** A watch from the restored revision: must stay open and deliver the next put (the compaction is not too high). */
  readonly currentWatch: WatchEnding;
  /** A range read at an old revision (`etcdctl get --rev`): exit code and message. */
  readonly oldRead: { readonly revision: number; readonly exitCode: number; readonly message: string };
  /** The ledger checked against the restored cluster, bounded to the snapshot revision. */
  readonly ledgerCheck: LedgerCheck;
  readonly watchBoundMs: number;
}

const COMPACTED = /required revision has been compacted|compacted/i;

export function checkBumpRevisionRestore(record: BumpRestoreRecord): CheckOutcome {
  const base = {
    claim: 'restore.bump-revision' as const,
    check: 'restore with --bump-revision and --mark-compacted',
  };
  const problems: string[] = [];
  const newRevision = Math.max(record.restoredRevision, record.firstPutRevision);
  if (record.firstPutRevision <= record.maxRevisionSeen)
    problems.push(
      `the first put after the restore got revision ${record.firstPutRevision}, not above ${record.maxRevisionSeen} that clients saw before: revisions repeat`,
    );
  if (record.restoredRevision < record.snapshotRevision + record.bumpRevision)
    problems.push(
      `restored revision ${record.restoredRevision} < snapshot revision ${record.snapshotRevision} + bump ${record.bumpRevision}`,
    );
  for (const watch of record.oldWatches) {
    if (!watch.ended)
      problems.push(
        `${watch.client} watch from revision ${watch.startRevision} still open after ${watch.afterMs} ms (${watch.events} events)`,
      );
    else if (watch.events > 0)
      problems.push(
        `${watch.client} watch from revision ${watch.startRevision} delivered ${watch.events} events before ending`,
      );
  }
  const etcdctlWatches = record.oldWatches.filter((watch) => watch.client.startsWith('etcdctl'));
  if (etcdctlWatches.length === 0) problems.push('no etcdctl watch from an old revision was recorded');
  for (const watch of etcdctlWatches) {
    if (watch.ended && !COMPACTED.test(watch.message))
      problems.push(
        `${watch.client} watch from revision ${watch.startRevision} ended without a compacted error: "${watch.message}"`,
      );
  }
  if (record.currentWatch.ended || record.currentWatch.events === 0)
    problems.push(
      `a watch from the restored revision ${record.currentWatch.startRevision} ${record.currentWatch.ended ? `was cancelled too ("${record.currentWatch.message}")` : 'delivered no event for the next put'}`,
    );
  const check = record.ledgerCheck;
  if (check.missing.length > 0)
    problems.push(
      `${check.missing.length} writes acknowledged at revision ≤ ${record.snapshotRevision} missing after the restore (first: ${check.missing[0]?.key})`,
    );
  if (check.wrongValue.length > 0)
    problems.push(`${check.wrongValue.length} values differ after the restore`);
  const watchText = record.oldWatches
    .map(
      (watch) =>
        `${watch.client} from rev ${watch.startRevision}: ${watch.ended ? `ended after ${watch.afterMs} ms with "${watch.message}"` : `still open after ${watch.afterMs} ms`}`,
    )
    .join('; ');
  return {
    ...base,
    verdict: problems.length === 0 ? 'pass' : 'fail',
    reason:
      problems.length === 0
        ? `revisions continue above everything clients saw (${record.maxRevisionSeen} → ${newRevision}), old watches end with a compacted error, the snapshot's data is intact`
        : problems.join('; '),
    expected: `first revision after the restore > ${record.maxRevisionSeen} (highest seen before) and ≥ snapshot revision ${record.snapshotRevision} + ${record.bumpRevision}; watches from revision ≤ ${record.maxRevisionSeen} end within ${record.watchBoundMs} ms with "required revision has been compacted" and no events; a watch from the new revision delivers new puts; every write acknowledged at revision ≤ ${record.snapshotRevision} present`,
    observed: `snapshot revision ${record.snapshotRevision}, highest revision seen before the restore ${record.maxRevisionSeen}, restored revision ${record.restoredRevision}, first put ${record.firstPutRevision}; ${watchText}; get --rev=${record.oldRead.revision}: exit ${record.oldRead.exitCode} "${record.oldRead.message}"; watch from rev ${record.currentWatch.startRevision}: ${record.currentWatch.events} events${record.currentWatch.ended ? `, ended: "${record.currentWatch.message}"` : ''}; ledger: ${check.present}/${check.acknowledgedExpected} writes up to the snapshot present, ${check.missing.length} missing, ${check.wrongValue.length} wrong`,
    measurements: [
      measure('snapshot revision', record.snapshotRevision, 'revision'),
      measure('highest revision seen before restore', record.maxRevisionSeen, 'revision'),
      measure('restored revision', record.restoredRevision, 'revision'),
      measure('first put revision after restore', record.firstPutRevision, 'revision'),
      ...record.oldWatches.map((watch) => measure(`${watch.client} watch ended after`, watch.afterMs, 'ms')),
      measure('missing acknowledged writes', check.missing.length, 'count'),
    ],
  };
}
