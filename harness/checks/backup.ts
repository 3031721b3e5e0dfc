// Checks of snapshot and restore claims: pure functions over what the scenarios recorded.
import { type CheckOutcome, formatBytes, measure, outcomeWith } from '../findings/finding.js';
import type { SnapshotStatus } from '../procedures/snapshot.js';
import type { LedgerCheck } from '../workload/ledger-check.js';

export interface SnapshotRecord {
  readonly status: SnapshotStatus | undefined;
  readonly statusError: string | undefined;
  /** A second `snapshot status` of the same file (must agree). */
  readonly secondStatus: SnapshotStatus | undefined;
  readonly fileSizeBytes: number;
  /** Highest revision acknowledged to a writer before the save started: the snapshot must contain it. */
  readonly revisionAckedBeforeSave: number;
  /** Cluster revision right after the save returned: the snapshot cannot be newer. */
  readonly revisionAfterSave: number;
  /** Ledger keys acknowledged before the save started (all distinct). */
  readonly keysAckedBeforeSave: number;
}

/** etcd appends a 32-byte SHA-256 to the bbolt file it streams (`snapshot restore` verifies it). */
const SNAPSHOT_HASH_TRAILER_BYTES = 32;

export function checkSnapshotStatus(record: SnapshotRecord): CheckOutcome {
  const base = {
    claim: 'backup.snapshot-status' as const,
    check: 'snapshot status of a snapshot saved under load',
  };
  const expected = `status succeeds; revision within [${record.revisionAckedBeforeSave}, ${record.revisionAfterSave}]; totalKey ≥ ${record.keysAckedBeforeSave}; file = totalSize + ${SNAPSHOT_HASH_TRAILER_BYTES} B hash; two status runs agree`;
  const { status } = record;
  if (!status) {
    return {
      ...base,
      verdict: 'fail',
      reason: `snapshot status refused the fresh snapshot: ${record.statusError}`,
      expected,
      observed: 'no status',
    };
  }
  const problems: string[] = [];
  if (status.revision < record.revisionAckedBeforeSave)
    problems.push(
      `revision ${status.revision} is older than a write acknowledged before the save (${record.revisionAckedBeforeSave})`,
    );
  if (status.revision > record.revisionAfterSave)
    problems.push(
      `revision ${status.revision} is newer than the cluster after the save (${record.revisionAfterSave})`,
    );
  if (status.totalKey < record.keysAckedBeforeSave)
    problems.push(
      `totalKey ${status.totalKey} < ${record.keysAckedBeforeSave} keys acknowledged before the save`,
    );
  const trailer = record.fileSizeBytes - status.totalSize;
  if (trailer !== SNAPSHOT_HASH_TRAILER_BYTES)
    problems.push(
      `file size ${record.fileSizeBytes} B is totalSize ${status.totalSize} B + ${trailer} B (expected + ${SNAPSHOT_HASH_TRAILER_BYTES} B)`,
    );
  const second = record.secondStatus;
  if (
    !second ||
    second.hash !== status.hash ||
    second.revision !== status.revision ||
    second.totalKey !== status.totalKey
  ) {
    problems.push('a second snapshot status of the same file disagrees');
  }
  return {
    ...base,
    verdict: problems.length === 0 ? 'pass' : 'fail',
    reason:
      problems.length === 0
        ? 'status is consistent with the writes around the save and with the file'
        : problems.join('; '),
    expected,
    observed: `hash ${status.hash}, revision ${status.revision}, totalKey ${status.totalKey}, totalSize ${formatBytes(status.totalSize)}, file ${formatBytes(record.fileSizeBytes)}`,
    measurements: [
      measure('snapshot revision', status.revision, 'revision'),
      measure('total keys', status.totalKey, 'count'),
      measure('total size', status.totalSize, 'bytes'),
      measure('file size', record.fileSizeBytes, 'bytes'),
    ],
  };
}

export interface RestoreRecord {
  readonly snapshotRevision: number;
  readonly membersHealthy: number;
  readonly membersExpected: number;
  readonly ledgerCheck: LedgerCheck;
  /** Acknowledged writes with a revision above the snapshot's. */
  readonly acknowledgedAfterSnapshot: number;
}

export function checkRestoreComplete(record: RestoreRecord): CheckOutcome {
  const base = { claim: 'restore.complete' as const, check: 'restore into fresh data dirs of a new cluster' };
  const check = record.ledgerCheck;
  const problems: string[] = [];
  if (record.membersHealthy < record.membersExpected)
    problems.push(`${record.membersHealthy}/${record.membersExpected} restored members healthy`);
  if (check.missing.length > 0)
    problems.push(
      `${check.missing.length} acknowledged writes ≤ revision ${record.snapshotRevision} missing (first: ${check.missing[0]?.key})`,
    );
  if (check.wrongValue.length > 0)
    problems.push(`${check.wrongValue.length} values differ (first: ${check.wrongValue[0]?.write.key})`);
  if (check.revisionMismatch.length > 0)
    problems.push(`${check.revisionMismatch.length} keys carry another revision than acknowledged`);
  if (check.unexpected.length > 0) problems.push(`${check.unexpected.length} keys no writer acknowledged`);
  return {
    ...base,
    verdict: problems.length === 0 ? 'pass' : 'fail',
    reason:
      problems.length === 0
        ? 'every acknowledged write up to the snapshot revision is present with its value'
        : problems.join('; '),
    expected: `${record.membersExpected} healthy members; all ${check.acknowledgedExpected} writes acknowledged at revision ≤ ${record.snapshotRevision} present, values and revisions intact`,
    observed: `${record.membersHealthy} healthy; ${check.present} present, ${check.missing.length} missing, ${check.wrongValue.length} wrong values, ${check.unexpected.length} unexpected`,
    measurements: [
      measure('acknowledged writes expected', check.acknowledgedExpected, 'count'),
      measure('missing', check.missing.length, 'count'),
      measure('wrong values', check.wrongValue.length, 'count'),
      measure('healthy members', record.membersHealthy, 'count'),
    ],
  };
}

export function checkRestoreLosesAfterSnapshot(record: RestoreRecord): CheckOutcome {
  const base = {
    claim: 'restore.loses-after-snapshot' as const,
    check: 'writes acknowledged after the snapshot, after restore',
  };
  const present = record.ledgerCheck.presentAfterBound.length;
  const expected = 'every write acknowledged after the snapshot revision is absent from the restored cluster';
  const observed = `${record.acknowledgedAfterSnapshot} writes acknowledged after revision ${record.snapshotRevision}; ${present} of them present after restore`;
  const measurements = [
    measure('acknowledged after snapshot', record.acknowledgedAfterSnapshot, 'count'),
    measure('present after restore', present, 'count'),
  ];
  const outcome = outcomeWith({ ...base, expected, observed, measurements });
  if (record.acknowledgedAfterSnapshot === 0) {
    return outcome(
      'inconclusive',
      'no write was acknowledged after the snapshot, so the loss window was not exercised',
    );
  }
  return outcome(
    present === 0 ? 'pass' : 'fail',
    present === 0
      ? 'the restore holds exactly the snapshot: later acknowledged writes are gone, as documented'
      : 'writes acknowledged after the snapshot appear in the restored cluster: the snapshot is not what it claims',
  );
}

export interface RefuseExistingRecord {
  readonly exitCode: number;
  readonly error: string;
  /** Paths of the existing data dir whose content changed during the attempt. */
  readonly changedPaths: readonly string[];
  readonly filesBefore: number;
}

export function checkRestoreRefusesExistingDir(record: RefuseExistingRecord): CheckOutcome {
  const base = {
    claim: 'restore.refuses-existing-dir' as const,
    check: "restore into a member's existing data dir",
  };
  const problems: string[] = [];
  if (record.exitCode === 0) problems.push('the restore succeeded over existing data');
  if (record.changedPaths.length > 0)
    problems.push(
      `${record.changedPaths.length} files of the existing data dir changed (${record.changedPaths.slice(0, 3).join(', ')})`,
    );
  const clear = /exist|not empty/i.test(record.error);
  if (record.exitCode !== 0 && !clear)
    problems.push(`the refusal does not say the dir exists: "${record.error}"`);
  return {
    ...base,
    verdict: problems.length === 0 ? 'pass' : 'fail',
    reason:
      problems.length === 0
        ? 'refused with a clear message and the existing data untouched'
        : problems.join('; '),
    expected:
      'non-zero exit, a message saying the data dir exists / is not empty, every existing file unchanged',
    observed: `exit ${record.exitCode}: "${record.error}"; ${record.changedPaths.length} of ${record.filesBefore} files changed`,
    measurements: [
      measure('exit code', record.exitCode, 'count'),
      measure('files changed', record.changedPaths.length, 'count'),
    ],
  };
}
