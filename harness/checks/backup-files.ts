// Checks of a user's backups (`etcd-chaos verify-backup`): is each file an intact snapshot, does it restore into a
// member holding exactly its data, does it match the live cluster, and does a backup directory hold a recent
// restorable backup, without gaps, for as long as the retention says. Pure functions over recorded facts.
import type { BackupEntry } from '../backups/backup-dir.js';
import { formatDuration } from '../backups/durations.js';
import { type CheckOutcome, formatBytes, measure, outcomeWith } from '../findings/finding.js';

export type TrailerState = 'match' | 'mismatch' | 'absent' | 'partial';

export interface IntegrityRecord {
  /** The file as the user named it. */
  readonly file: string;
  readonly sizeBytes: number;
  /** SHA-256 of the user's file before and after the verification. */
  readonly sha256Before: string;
  readonly sha256After: string;
  /** The file's size, inode or ctime moved between the start and the end of the check (something wrote to it). */
  readonly metadataChanged?: boolean;
  /** Encrypted files: how they were decrypted (or why not). */
  readonly decryption?: { readonly method: string; readonly ok: boolean; readonly message: string };
  readonly trailer: TrailerState;
  readonly allowNoHash: boolean;
  /** etcd-chaos's bbolt reader on the (decrypted) snapshot. */
  readonly bbolt:
    | { readonly opened: false; readonly error: string }
    | {
        readonly opened: true;
        readonly pageSizeBytes: number;
        /** Bytes the database needs (high water mark × page size) and bytes the file holds for it. */
        readonly neededBytes: number;
        readonly dataBytes: number;
        /** Problems the reader's consistency walk found (bbolt tx.Check's rules). */
        readonly problems: readonly string[];
      };
  /** `snapshot status` with the restoring version's tool (it runs bbolt's tx.Check()). */
  readonly status?: { readonly tool: string; readonly exitCode: number; readonly message: string };
  /** Why `snapshot status` did not run. */
  readonly statusSkipped?: string;
}

export function checkIntegrity(record: IntegrityRecord): CheckOutcome {
  const base = { claim: 'backup.intact' as const, check: `integrity of ${record.file}` };
  const expected =
    "the file's SHA-256 trailer matches its content, the bbolt database is consistent and complete, and the file is unchanged by the check";
  const facts = [
    `${formatBytes(record.sizeBytes)} (${record.sizeBytes} bytes)`,
    `SHA-256 ${record.sha256Before.slice(0, 16)}… before, ${record.sha256After === record.sha256Before ? 'identical after' : `${record.sha256After.slice(0, 16)}… after`}${record.metadataChanged ? ', size/inode/ctime changed' : ', size/inode/ctime unchanged'}`,
    record.decryption
      ? `${record.decryption.method}: ${record.decryption.ok ? 'decrypted' : record.decryption.message}`
      : undefined,
    `trailer: ${describeTrailer(record.trailer)}`,
    record.bbolt.opened
      ? `bbolt: page size ${record.bbolt.pageSizeBytes}, needs ${record.bbolt.neededBytes} bytes, holds ${record.bbolt.dataBytes}${record.bbolt.problems.length ? `, ${record.bbolt.problems.length} problem(s): ${record.bbolt.problems.slice(0, 3).join('; ')}` : ', consistent'}`
      : `bbolt: ${record.bbolt.error}`,
    record.status
      ? `\`${record.status.tool} snapshot status\`: exit ${record.status.exitCode}${record.status.exitCode === 0 ? '' : ` "${record.status.message}"`}`
      : record.statusSkipped,
  ].filter(Boolean);
  const observed = facts.join('; ');
  const measurements = [measure('file size', record.sizeBytes, 'bytes')];
  const outcome = outcomeWith({ ...base, expected, observed, measurements });
  if (record.sha256After !== record.sha256Before || record.metadataChanged)
    return outcome(
      'fail',
      `the file changed while it was verified (is a backup job still writing it?): its ${record.sha256After !== record.sha256Before ? 'SHA-256 differs' : 'size, inode or ctime moved'} before and after`,
    );
  if (record.sizeBytes === 0) return outcome('fail', 'the file is empty (0 bytes): no snapshot in it');
  if (record.decryption && !record.decryption.ok)
    return outcome(
      'fail',
      `${record.decryption.method} could not decrypt it with the given key: ${record.decryption.message}`,
    );
  if (!record.bbolt.opened) return outcome('fail', `not an etcd snapshot: ${record.bbolt.error}`);
  if (record.bbolt.dataBytes < record.bbolt.neededBytes)
    return outcome(
      'fail',
      `truncated: the database needs ${record.bbolt.neededBytes} bytes (its high water mark × ${record.bbolt.pageSizeBytes}-byte pages) but the file holds ${record.bbolt.dataBytes}${record.trailer === 'absent' ? ', and the SHA-256 trailer is gone with the end of the file' : ''}`,
    );
  if (record.trailer === 'mismatch')
    return outcome(
      'fail',
      'the SHA-256 trailer does not match the content: the file was altered after etcd wrote it (a bit flip or a corrupted upload); `snapshot restore` refuses it',
    );
  if (record.trailer === 'partial')
    return outcome(
      'fail',
      'the file ends in a cut-off SHA-256 trailer (fewer than 32 bytes after the database): truncated',
    );
  const statusRefused = record.status !== undefined && record.status.exitCode !== 0;
  if (record.bbolt.problems.length > 0 || statusRefused)
    return outcome(
      'fail',
      `the bbolt database is inconsistent: ${[
        ...record.bbolt.problems.slice(0, 3),
        statusRefused
          ? `\`${record.status?.tool} snapshot status\` refused it: "${record.status?.message}"`
          : '',
      ]
        .filter(Boolean)
        .join('; ')}`,
    );
  if (record.trailer === 'absent')
    return record.allowNoHash
      ? outcome(
          'pass',
          'no SHA-256 trailer (a copy of member/snap/db, not a `snapshot save` file): accepted by --allow-no-hash; the database is consistent and complete, but a bit flip inside a value cannot be detected without the hash',
        )
      : outcome(
          'inconclusive',
          'no SHA-256 trailer: this is a copy of member/snap/db, not a `snapshot save` file, so its integrity is unverifiable (a flipped bit inside a value would go unnoticed) and `snapshot restore` refuses it without --skip-hash-check; pass --allow-no-hash to accept it and restore it that way',
        );
  return outcome(
    'pass',
    `the SHA-256 trailer matches, the bbolt database is consistent${record.status ? ` (also for \`${record.status.tool} snapshot status\`)` : ''} and complete, and the file is byte-identical after the check`,
  );
}

function describeTrailer(state: TrailerState): string {
  switch (state) {
    case 'match':
      return 'SHA-256 matches';
    case 'mismatch':
      return 'SHA-256 MISMATCH';
    case 'absent':
      return 'none';
    case 'partial':
      return 'cut off';
  }
}

/** What the file says about itself, the reference the restored member is compared with. */
export interface SnapshotFacts {
  readonly revision: number;
  readonly liveKeys: number;
  readonly kvHash: number;
  /** How the file's hash was computed. */
  readonly hashMethod: string;
}

export interface RestoreDrillRecord {
  readonly file: string;
  readonly etcdVersion: string;
  /** `etcdutl 3.6.16`, `etcdctl 3.4.23`. */
  readonly tool: string;
  readonly members: number;
  /** Why the drill did not run, and what that means (inconclusive by default). */
  readonly notAttempted?: string;
  readonly notAttemptedVerdict?: 'fail' | 'inconclusive';
  readonly skipHashCheck: boolean;
  readonly restoreFailure?: { readonly member: string; readonly exitCode: number; readonly message: string };
  readonly startFailure?: string;
  /** Alarms in the snapshot's alarm bucket. */
  readonly alarms?: readonly string[];
  readonly expected?: SnapshotFacts;
  readonly observed?: {
    readonly revision: number | undefined;
    readonly keys: number | undefined;
    readonly hashes: Readonly<Record<string, number | undefined>>;
    readonly healthyMembers: number;
  };
  readonly durationMs: number;
}

export function checkRestorable(record: RestoreDrillRecord): CheckOutcome {
  const base = {
    claim: 'backup.restorable' as const,
    check: `restore drill of ${record.file} (${record.members} member${record.members === 1 ? '' : 's'}, etcd ${record.etcdVersion})`,
  };
  const expected = `\`${record.tool} snapshot restore\`${record.skipHashCheck ? ' --skip-hash-check' : ''} into fresh data dirs succeeds, the member${record.members === 1 ? '' : 's'} start${record.members === 1 ? 's' : ''} healthy, and revision, key count and the KV hash at the snapshot revision (HashKV RPC of each member) equal the file's`;
  const measurements = [measure('drill duration', record.durationMs, 'ms')];
  const outcome = (verdict: CheckOutcome['verdict'], reason: string, observed: string): CheckOutcome => ({
    ...base,
    verdict,
    reason,
    expected,
    observed,
    measurements,
  });
  if (record.notAttempted)
    return outcome(record.notAttemptedVerdict ?? 'inconclusive', record.notAttempted, 'not restored');
  if (record.restoreFailure)
    return outcome(
      'fail',
      `\`${record.tool} snapshot restore\` refused it for ${record.restoreFailure.member}: "${record.restoreFailure.message}"`,
      `restore exit ${record.restoreFailure.exitCode}`,
    );
  // 3.5+ say `ALARM NOSPACE` on /health; 3.4 answers HTTP 503.
  if (record.startFailure && record.alarms?.length && /ALARM|report healthy|503/.test(record.startFailure))
    return outcome(
      'fail',
      `restored, but the member stays unhealthy: it raises the ${[...new Set(record.alarms)].join(', ')} alarm the snapshot carries (${record.alarms.length} member entr${record.alarms.length === 1 ? 'y' : 'ies'}) (taken while the alarm was active, kept in its alarm bucket), so a cluster restored from this backup refuses writes until \`etcdctl alarm disarm\` (after freeing space); the guide's restore procedure does not say so`,
      `restore succeeded; start: ${record.startFailure}`,
    );
  if (record.startFailure || !record.observed)
    return outcome(
      'fail',
      `the restored member did not start: ${record.startFailure ?? 'no observation'}`,
      'restore succeeded, start failed',
    );
  const { expected: file, observed } = record;
  const hashes = Object.entries(observed.hashes);
  const observedText = `file: revision ${file?.revision ?? '?'}, ${file?.liveKeys ?? '?'} keys, KV hash ${file?.kvHash ?? '?'} (${file?.hashMethod ?? '?'}); restored: ${observed.healthyMembers}/${record.members} healthy, revision ${observed.revision ?? '?'}, ${observed.keys ?? '?'} keys, HashKV ${hashes.map(([member, hash]) => `${member} ${hash ?? 'none'}`).join(', ')}`;
  const problems: string[] = [];
  if (observed.healthyMembers < record.members)
    problems.push(`${record.members - observed.healthyMembers} member(s) not healthy`);
  if (file) {
    if (observed.revision !== file.revision)
      problems.push(`revision ${observed.revision ?? 'unknown'} instead of the file's ${file.revision}`);
    if (observed.keys !== file.liveKeys)
      problems.push(`${observed.keys ?? 'unknown'} keys instead of the file's ${file.liveKeys}`);
    for (const [member, hash] of hashes)
      if (hash !== file.kvHash)
        problems.push(`${member}'s KV hash ${hash ?? 'missing'} differs from the file's ${file.kvHash}`);
  }
  if (problems.length > 0)
    return outcome('fail', `the restored data differs: ${problems.join('; ')}`, observedText);
  return outcome(
    'pass',
    `restored with \`${record.tool}\`${record.skipHashCheck ? ' --skip-hash-check' : ''}; ${record.members === 1 ? 'the member' : `all ${record.members} members`} started and hold${record.members === 1 ? 's' : ''} the file's revision ${file?.revision}, ${file?.liveKeys} keys and KV hash ${file?.kvHash} (file: ${file?.hashMethod}; member: HashKV RPC at revision ${file?.revision})`,
    observedText,
  );
}

export interface LiveComparisonRecord {
  readonly file: string;
  readonly endpoints: string;
  readonly snapshotRevision: number;
  /** The range at the snapshot revision failed: the cluster compacted past it (with its current compaction). */
  readonly compacted?: { readonly message: string };
  /** Full comparison at the snapshot revision, or the partial one at the current revision after a compaction. */
  readonly mode: 'at-revision' | 'unchanged-since' | 'not-reached' | 'unreachable';
  readonly unreachable?: string;
  /** The range at the snapshot revision was refused as a future revision: the cluster's history is shorter. */
  readonly notReached?: { readonly message: string };
  readonly comparedKeys: number;
  /** Keys in one and not the other, or with another modification revision (samples). */
  readonly onlyInSnapshot: readonly string[];
  readonly onlyInCluster: readonly string[];
  readonly differentRevision: readonly string[];
  readonly mismatchCount: number;
  /** Partial mode: live keys modified after the snapshot (not comparable). */
  readonly changedSince?: number;
}

export function checkMatchesLive(record: LiveComparisonRecord): CheckOutcome {
  const base = { claim: 'backup.matches-live' as const, check: `${record.file} against ${record.endpoints}` };
  const expected = `the live cluster at revision ${record.snapshotRevision} holds the same keys with the same modification revisions as the snapshot`;
  const measurements = [
    measure('keys compared', record.comparedKeys, 'count'),
    measure('mismatches', record.mismatchCount, 'count'),
  ];
  const samples = [
    record.onlyInSnapshot.length
      ? `only in the snapshot: ${record.onlyInSnapshot.slice(0, 5).join(', ')}`
      : '',
    record.onlyInCluster.length ? `only in the cluster: ${record.onlyInCluster.slice(0, 5).join(', ')}` : '',
    record.differentRevision.length
      ? `another revision: ${record.differentRevision.slice(0, 5).join(', ')}`
      : '',
  ].filter(Boolean);
  const observed = `${record.mode === 'at-revision' ? `range at revision ${record.snapshotRevision}` : record.mode === 'unchanged-since' ? `revision ${record.snapshotRevision} compacted (${record.compacted?.message ?? ''}); compared the ${record.comparedKeys} live keys not modified since it${record.changedSince !== undefined ? ` (${record.changedSince} modified later, not comparable)` : ''}` : record.mode === 'not-reached' ? `revision ${record.snapshotRevision} not reached (${record.notReached?.message ?? ''})` : `unreachable: ${record.unreachable}`}; ${record.mismatchCount} mismatch(es)${samples.length ? `: ${samples.join('; ')}` : ''}`;
  const outcome = outcomeWith({ ...base, expected, observed, measurements });
  if (record.mode === 'unreachable')
    return outcome('inconclusive', `the live cluster could not be read: ${record.unreachable}`);
  if (record.mode === 'not-reached')
    return outcome(
      'fail',
      `the live cluster has not reached the snapshot's revision ${record.snapshotRevision} (${record.notReached?.message ?? ''}): the snapshot is not from its history (another cluster, or one restored from an older backup)`,
    );
  // No live key unchanged since a compacted snapshot revision: nothing was compared, which is no evidence either way.
  if (record.mode === 'unchanged-since' && record.comparedKeys === 0)
    return outcome(
      'inconclusive',
      `the cluster compacted revision ${record.snapshotRevision} and no live key is unchanged since it (${record.changedSince ?? 0} modified later): nothing the snapshot holds can be compared`,
    );
  // The samples are at most five per kind: the total says how far apart the two are.
  if (record.mismatchCount > 0)
    return outcome(
      'fail',
      `the snapshot and the live cluster differ at revision ${record.snapshotRevision} in ${record.mismatchCount} key(s): ${samples.join('; ')}`,
    );
  return outcome(
    'pass',
    record.mode === 'at-revision'
      ? `the live cluster at revision ${record.snapshotRevision} holds exactly the snapshot's ${record.comparedKeys} keys`
      : `the cluster compacted revision ${record.snapshotRevision}, so only the ${record.comparedKeys} live keys not modified since could be compared, and the snapshot holds each at the same revision (keys deleted or changed after the snapshot cannot be judged)`,
  );
}

/** A backup directory's listing with the verdict on each verified file (newest first until one is restorable). */
export interface BackupDirRecord {
  readonly dir: string;
  readonly location: 'local' | 'remote';
  readonly nowMs: number;
  readonly entries: readonly BackupEntry[];
  /** Verification verdicts by file name (files not verified are absent). */
  readonly verified: Readonly<Record<string, 'pass' | 'fail' | 'inconclusive'>>;
  readonly maxAgeMs: number;
  readonly minCount: number;
  readonly retentionMs: number;
}

function newestRestorable(record: BackupDirRecord): BackupEntry | undefined {
  return [...record.entries].reverse().find((entry) => record.verified[entry.name] === 'pass');
}

export function checkFreshness(record: BackupDirRecord): CheckOutcome {
  const base = { claim: 'backup.fresh' as const, check: `newest restorable backup in ${record.dir}` };
  const expected = `a restorable backup younger than ${formatDuration(record.maxAgeMs)}, and at least ${record.minCount} backup file(s)`;
  const newest = newestRestorable(record);
  const failedNewer = record.entries.filter(
    (entry) => record.verified[entry.name] !== undefined && record.verified[entry.name] !== 'pass',
  );
  const ageMs = newest ? record.nowMs - newest.takenAtMs : undefined;
  const observed = `${record.entries.length} backup file(s)${newest ? `; newest restorable: ${newest.name}, taken ${formatDuration(ageMs ?? 0)} ago (time from its ${newest.timeSource})` : '; none restorable'}${failedNewer.length ? `; failed verification: ${failedNewer.map((entry) => entry.name).join(', ')}` : ''}`;
  const measurements = [
    measure('backup files', record.entries.length, 'count'),
    ...(ageMs === undefined ? [] : [measure('newest restorable backup age', ageMs / 1000, 's')]),
  ];
  const outcome = outcomeWith({ ...base, expected, observed, measurements });
  if (record.entries.length === 0)
    return outcome(
      'fail',
      `no snapshot file in ${record.dir} (looked for *.db, *.snapshot, *.snap and their .gpg/.enc): no backup is the worst backup`,
    );
  if (!newest)
    return outcome(
      'fail',
      `none of the backups checked is restorable (${failedNewer.map((entry) => entry.name).join(', ')})`,
    );
  const mtimeNote =
    newest.timeSource === 'mtime'
      ? " (its time comes from the file mtime, which a copy or an upload resets: the name does not follow the guide's etcd-YYYYmmdd-HHMMSS.db)"
      : '';
  if ((ageMs ?? 0) > record.maxAgeMs)
    return outcome(
      'fail',
      `the newest restorable backup, ${newest.name}, is ${formatDuration(ageMs ?? 0)} old: older than ${formatDuration(record.maxAgeMs)}${mtimeNote}`,
    );
  if (record.entries.length < record.minCount)
    return outcome(
      'fail',
      `${record.entries.length} backup file(s), fewer than the ${record.minCount} expected`,
    );
  return outcome(
    'pass',
    `${newest.name} is restorable and ${formatDuration(ageMs ?? 0)} old (limit ${formatDuration(record.maxAgeMs)})${mtimeNote}`,
  );
}

export function checkGaps(record: BackupDirRecord): CheckOutcome {
  const base = { claim: 'backup.fresh' as const, check: `gaps between backups in ${record.dir}` };
  const expected = `consecutive backups at most ${formatDuration(record.maxAgeMs)} apart`;
  const gaps = record.entries.slice(1).map((entry, index) => ({
    from: record.entries[index] as BackupEntry,
    to: entry,
    ms: entry.takenAtMs - (record.entries[index] as BackupEntry).takenAtMs,
  }));
  const longest = gaps.reduce<(typeof gaps)[number] | undefined>(
    (worst, gap) => (!worst || gap.ms > worst.ms ? gap : worst),
    undefined,
  );
  const tooLong = gaps.filter((gap) => gap.ms > record.maxAgeMs);
  const observed = longest
    ? `${gaps.length} interval(s); longest ${formatDuration(longest.ms)} (${longest.from.name} → ${longest.to.name})`
    : `${record.entries.length} backup file(s): no interval to measure`;
  const measurements = longest ? [measure('longest gap', longest.ms / 1000, 's')] : [];
  const outcome = outcomeWith({ ...base, expected, observed, measurements });
  if (record.entries.length < 2)
    return outcome('inconclusive', `${record.entries.length} backup file(s): gaps need at least two`);
  if (tooLong.length > 0)
    return outcome(
      'fail',
      `${tooLong.length} gap(s) longer than ${formatDuration(record.maxAgeMs)}: ${tooLong
        .slice(0, 3)
        .map((gap) => `${formatDuration(gap.ms)} between ${gap.from.name} and ${gap.to.name}`)
        .join('; ')}`,
    );
  return outcome('pass', `no gap longer than ${formatDuration(record.maxAgeMs)}`);
}

/**
 * Retention: the directory covers its retention window (its oldest backup is at least one schedule interval short of
 * the window old: nothing inside the window was deleted early); files beyond the window are noted, not failed.
 */
export function checkRetention(record: BackupDirRecord): CheckOutcome {
  const base = {
    claim: 'backup.retention' as const,
    check: `${record.location} retention of ${record.dir} (${formatDuration(record.retentionMs)})`,
  };
  const expected = `${record.location} backups cover the last ${formatDuration(record.retentionMs)} (oldest at least ${formatDuration(Math.max(0, record.retentionMs - record.maxAgeMs))} old)`;
  const oldest = record.entries[0];
  const spanMs = oldest ? record.nowMs - oldest.takenAtMs : 0;
  const beyond = record.entries.filter(
    (entry) => record.nowMs - entry.takenAtMs > record.retentionMs + record.maxAgeMs,
  );
  const observed = oldest
    ? `${record.entries.length} file(s); oldest ${oldest.name}, ${formatDuration(spanMs)} old${beyond.length ? `; ${beyond.length} older than the window plus one interval` : ''}`
    : 'no backup files';
  const measurements = [measure('oldest backup age', spanMs / 1000, 's')];
  const outcome = outcomeWith({ ...base, expected, observed, measurements });
  if (!oldest) return outcome('fail', `no backup in ${record.dir}`);
  if (spanMs < record.retentionMs - record.maxAgeMs)
    return outcome(
      'fail',
      `the backups cover only ${formatDuration(spanMs)} of the ${formatDuration(record.retentionMs)} the retention promises (a restore point from ${formatDuration(record.retentionMs)} ago does not exist; deleted too early, or the backups started recently)`,
    );
  return outcome(
    'pass',
    `backups go back ${formatDuration(spanMs)}${beyond.length ? `; ${beyond.length} file(s) kept beyond the window (not deleted by a retention step)` : ''}`,
  );
}
