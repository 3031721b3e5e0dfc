// The backup checks as pure functions: each verdict from recorded facts, with the reason an operator needs; the
// duration and retention parsers; the guide's backup file names.
import { describe, expect, it } from 'vitest';
import { type BackupEntry, isSnapshotName, timeFromName } from '../../harness/backups/backup-dir.js';
import { formatDuration, parseDuration, parseRetention } from '../../harness/backups/durations.js';
import { startFailureOf, writerOf } from '../../harness/backups/restore-drill.js';
import {
  checkRetentionStep,
  checkScriptHonest,
  type ScriptRunRecord,
} from '../../harness/checks/backup-drill.js';
import {
  type BackupDirRecord,
  checkFreshness,
  checkGaps,
  checkIntegrity,
  checkMatchesLive,
  checkRestorable,
  checkRetention,
  type IntegrityRecord,
  type LiveComparisonRecord,
} from '../../harness/checks/backup-files.js';
import { checkEncryptionRoundTrip } from '../../harness/checks/backup-guide.js';
import { toolError } from '../../harness/procedures/tool-run.js';

const DAY = 86_400_000;
const SHA = 'a'.repeat(64);

const intact: IntegrityRecord = {
  file: 'etcd-20261201-033000.db',
  sizeBytes: 24_608,
  sha256Before: SHA,
  sha256After: SHA,
  trailer: 'match',
  allowNoHash: false,
  bbolt: { opened: true, pageSizeBytes: 4096, neededBytes: 24_576, dataBytes: 24_576, problems: [] },
  status: { tool: 'etcdutl 3.6.16', exitCode: 0, message: '' },
};

describe('checkIntegrity', () => {
  it('passes an intact snapshot and names each way a file fails', () => {
    expect(checkIntegrity(intact).verdict).toBe('pass');
    const verdict = (change: Partial<IntegrityRecord>) => {
      const outcome = checkIntegrity({ ...intact, ...change });
      return `${outcome.verdict}: ${outcome.reason}`;
    };
    expect(verdict({ sha256After: 'b'.repeat(64) })).toMatch(/^fail: the file changed while it was verified/);
    expect(verdict({ sizeBytes: 0 })).toMatch(/^fail: the file is empty/);
    expect(verdict({ trailer: 'mismatch' })).toMatch(/^fail: the SHA-256 trailer does not match/);
    expect(verdict({ trailer: 'partial' })).toMatch(/^fail: .*cut-off SHA-256 trailer/);
    expect(verdict({ bbolt: { ...intact.bbolt, dataBytes: 12_000 } as IntegrityRecord['bbolt'] })).toMatch(
      /^fail: truncated: the database needs 24576 bytes .* holds 12000/,
    );
    expect(verdict({ bbolt: { opened: false, error: 'not a bbolt file: no valid meta page' } })).toMatch(
      /^fail: not an etcd snapshot: not a bbolt file/,
    );
    expect(
      verdict({ status: { tool: 'etcdutl 3.6.16', exitCode: 1, message: 'integrity check failed' } }),
    ).toMatch(/^fail: the bbolt database is inconsistent: .*integrity check failed/);
    expect(verdict({ decryption: { method: 'gpg', ok: false, message: 'Bad session key' } })).toMatch(
      /^fail: gpg could not decrypt it with the given key: Bad session key/,
    );
    expect(verdict({ trailer: 'absent' })).toMatch(/^inconclusive: no SHA-256 trailer.*--allow-no-hash/);
    expect(verdict({ trailer: 'absent', allowNoHash: true })).toMatch(/^pass: .*accepted by --allow-no-hash/);
  });
});

describe('checkRestorable', () => {
  const base = {
    file: 'backup.db',
    etcdVersion: '3.6.16',
    tool: 'etcdutl 3.6.16',
    members: 1,
    skipHashCheck: false,
    durationMs: 2_000,
    expected: { revision: 51, liveKeys: 50, kvHash: 611479444, hashMethod: 'reader' },
  };
  it('passes when revision, keys and hash match, and names each difference otherwise', () => {
    const observed = { revision: 51, keys: 50, hashes: { m1: 611479444 }, healthyMembers: 1 };
    expect(checkRestorable({ ...base, observed }).verdict).toBe('pass');
    const differs = checkRestorable({ ...base, observed: { ...observed, keys: 49, hashes: { m1: 1 } } });
    expect(differs.verdict).toBe('fail');
    expect(differs.reason).toMatch(/49 keys instead of the file's 50; m1's KV hash 1 differs/);
    expect(
      checkRestorable({
        ...base,
        restoreFailure: { member: 'm1', exitCode: 1, message: 'Error: expected sha256' },
      }).reason,
    ).toMatch(/refused it for m1: "Error: expected sha256"/);
    const alarm = checkRestorable({
      ...base,
      alarms: ['NOSPACE', 'NOSPACE'],
      startFailure: 'last: ALARM NOSPACE',
    });
    expect(alarm.reason).toMatch(/NOSPACE alarm the snapshot carries \(2 member entries\).*alarm disarm/);
    expect(checkRestorable({ ...base, notAttempted: 'needs --allow-no-hash' }).verdict).toBe('inconclusive');
  });
});

describe('checkMatchesLive', () => {
  const same: LiveComparisonRecord = {
    file: 'backup.db',
    endpoints: 'https://10.0.0.1:2379',
    snapshotRevision: 121,
    mode: 'at-revision',
    comparedKeys: 90,
    onlyInSnapshot: [],
    onlyInCluster: [],
    differentRevision: [],
    mismatchCount: 0,
  };
  it('passes equal keys, fails a difference with its count, and a cluster short of the revision', () => {
    expect(checkMatchesLive(same).verdict).toBe('pass');
    const differs = checkMatchesLive({ ...same, onlyInCluster: ['/b/0', '/b/1'], mismatchCount: 200 });
    expect(differs.verdict).toBe('fail');
    expect(differs.reason).toBe(
      'the snapshot and the live cluster differ at revision 121 in 200 key(s): only in the cluster: /b/0, /b/1',
    );
    const short = checkMatchesLive({
      ...same,
      mode: 'not-reached',
      notReached: { message: 'Error: etcdserver: mvcc: required revision is a future revision' },
      comparedKeys: 0,
    });
    expect(short.verdict).toBe('fail');
    expect(short.reason).toMatch(/has not reached the snapshot's revision 121 \(Error: .*future revision\)/);
  });

  it('after a compaction: passes the keys unchanged since, and judges nothing when none is', () => {
    const compacted = { ...same, mode: 'unchanged-since' as const, compacted: { message: 'compacted' } };
    expect(checkMatchesLive({ ...compacted, comparedKeys: 120, changedSince: 60 }).verdict).toBe('pass');
    const none = checkMatchesLive({ ...compacted, comparedKeys: 0, changedSince: 180 });
    expect(none.verdict).toBe('inconclusive');
    expect(none.reason).toMatch(
      /compacted revision 121 and no live key is unchanged since it \(180 modified later\)/,
    );
  });
});

function entry(name: string, ageDays: number, nowMs: number): BackupEntry {
  return {
    name,
    path: `/backup/${name}`,
    sizeBytes: 1,
    mtimeMs: nowMs - ageDays * DAY,
    takenAtMs: nowMs - ageDays * DAY,
    timeSource: 'file name',
    encryption: 'none',
  };
}

describe('backup directory checks', () => {
  const nowMs = Date.UTC(2026, 11, 4, 12);
  const record = (entries: BackupEntry[], verified: Record<string, 'pass' | 'fail'>): BackupDirRecord => ({
    dir: '/backup/etcd',
    location: 'local',
    nowMs,
    entries,
    verified,
    maxAgeMs: 26 * 3_600_000,
    minCount: 1,
    retentionMs: 7 * DAY,
  });
  const daily = [8, 7, 6, 5, 4, 3, 2, 1, 0.2].map((days) => entry(`etcd-${days}.db`, days, nowMs));

  it('freshness: the newest restorable backup, skipping a newer broken one', () => {
    expect(checkFreshness(record(daily, { 'etcd-0.2.db': 'pass' })).verdict).toBe('pass');
    const broken = checkFreshness(record(daily, { 'etcd-0.2.db': 'fail', 'etcd-1.db': 'pass' }));
    expect(broken.verdict).toBe('pass');
    expect(broken.observed).toMatch(/failed verification: etcd-0.2.db/);
    const expired = checkFreshness(record(daily.slice(0, 6), { 'etcd-3.db': 'pass' }));
    expect(expired.reason).toMatch(/etcd-3.db, is 3 d old: older than 1 d 2 h/);
    expect(checkFreshness(record([], {})).reason).toMatch(/no backup is the worst backup/);
  });

  it('gaps and retention', () => {
    const gap = [...daily.slice(0, 3), ...daily.slice(6)];
    expect(checkGaps(record(gap, {})).reason).toMatch(
      /1 gap\(s\) longer than 1 d 2 h: 4 d between etcd-6.db and etcd-2.db/,
    );
    expect(checkGaps(record(daily, {})).verdict).toBe('pass');
    expect(checkRetention(record(daily, {})).verdict).toBe('pass');
    expect(checkRetention(record(daily.slice(4), {})).reason).toMatch(/cover only 4 d of the 7 d/);
  });
});

describe('backup script checks', () => {
  const run: ScriptRunRecord = {
    run: 1,
    fault: 'none',
    preventsBackup: false,
    faultNote: 'no fault',
    exitCode: 0,
    timedOut: false,
    durationMs: 900,
    outputTail: 'etcd backup ok',
    produced: [{ name: 'etcd-1.db', verdict: 'pass', reason: 'verified' }],
  };
  it('exit status against what was written', () => {
    expect(checkScriptHonest(run).verdict).toBe('pass');
    const half = checkScriptHonest({
      ...run,
      produced: [{ name: 'etcd-1.db', verdict: 'fail', reason: 'truncated' }],
    });
    expect(half.reason).toMatch(
      /exited 0 after writing a backup that fails verification: etcd-1.db \(truncated\)/,
    );
    expect(checkScriptHonest({ ...run, produced: [] }).reason).toMatch(/exited 0 but wrote no backup/);
    expect(
      checkScriptHonest({ ...run, fault: 'leader-loss', preventsBackup: true, exitCode: 5, produced: [] })
        .verdict,
    ).toBe('pass');
    expect(checkScriptHonest({ ...run, exitCode: 1, produced: [] }).reason).toMatch(
      /exited 1 though nothing prevented/,
    );
  });

  it("retention: the guide's remote +14 days against its 30-day summary, and the newest good backup", () => {
    const planted = [
      { location: 'local' as const, name: 'l9', ageMs: 9 * DAY, kept: false },
      { location: 'local' as const, name: 'l3', ageMs: 3 * DAY, kept: true },
      { location: 'remote' as const, name: 'r20', ageMs: 20 * DAY, kept: false },
      { location: 'remote' as const, name: 'r35', ageMs: 35 * DAY, kept: false },
    ];
    const outcome = checkRetentionStep({
      planted,
      localMs: 7 * DAY,
      remoteMs: 30 * DAY,
      newestGood: { name: 'etcd-new.db', kept: true },
      exitCode: 0,
    });
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toBe('it deletes remote backups aged 20 d, inside the 30 d remote retention.');
    const lost = checkRetentionStep({
      planted: [],
      localMs: 7 * DAY,
      remoteMs: 30 * DAY,
      newestGood: { name: 'etcd-new.db', kept: false },
      exitCode: 0,
    });
    expect(lost.reason).toMatch(/deleted the newest good backup, etcd-new.db/);
  });
});

describe('parsers and names', () => {
  it('durations and retention, refusing what they cannot read', () => {
    expect(parseDuration('--max-age', '26h')).toBe(26 * 3_600_000);
    expect(parseDuration('--max-age', '1d12h')).toBe(36 * 3_600_000);
    expect(() => parseDuration('--max-age', '26hours')).toThrow(/got `26hours`/);
    expect(() => parseDuration('--max-age', '0h')).toThrow(/longer than zero/);
    expect(parseRetention('remote=45d')).toEqual({ localMs: 7 * DAY, remoteMs: 45 * DAY });
    expect(() => parseRetention('offsite=30d')).toThrow(/local=7d or remote=30d/);
    expect(formatDuration(26 * 3_600_000)).toBe('1 d 2 h');
  });

  it("the guide's file names give the time; others do not", () => {
    expect(new Date(timeFromName('etcd-20260605-103045.db') ?? 0).getMinutes()).toBe(30);
    expect(timeFromName('etcd-20260605-103045.db.gpg')).toBeDefined();
    expect(timeFromName('etcd-20261399-103045.db')).toBeUndefined();
    expect(timeFromName('backup.db')).toBeUndefined();
    expect(isSnapshotName('etcd-1.db.enc')).toBe(true);
    expect(isSnapshotName('etcd-1.db.part')).toBe(false);
    expect(isSnapshotName('README')).toBe(false);
  });

  it("a start failure names etcd's own reason", () => {
    const log = [
      'etcd member m1 failed to start: etcd exited (code 1)',
      '{"level":"info","msg":"starting an etcd server"}',
      '{"level":"error","msg":"Failed to validate schema","error":"version \\"3.7.0\\" is not supported"}',
    ].join('\n');
    expect(startFailureOf(log)).toBe(
      'etcd member m1 failed to start: etcd exited (code 1) (etcd: Failed to validate schema: version "3.7.0" is not supported)',
    );
    expect(startFailureOf('timed out')).toBe('timed out');
  });

  it("a tool's error is its own `Error:` line, not the client's JSON warning before it", () => {
    const warning =
      '{"level":"warn","msg":"retrying of unary invoker failed","error":"rpc error: code = OutOfRange desc = etcdserver: mvcc: required revision has been compacted"}';
    const run = { command: 'etcdctl get', exitCode: 1, stdout: '', durationMs: 10 };
    expect(
      toolError({
        ...run,
        stderr: `${warning}\nError: etcdserver: mvcc: required revision has been compacted\n`,
      }),
    ).toBe('Error: etcdserver: mvcc: required revision has been compacted');
    expect(toolError({ ...run, stderr: `${warning}\n` })).toBe(warning);
  });

  it('which etcd wrote a file, from its meta buckets', () => {
    const meta = { members: [], alarms: [], buckets: [] } as unknown as Parameters<typeof writerOf>[0];
    expect(writerOf({ ...meta!, storageVersion: '3.7.0' }).line).toBe('3.7');
    expect(writerOf({ ...meta!, clusterVersion: '3.5.0' }).line).toBe('3.5');
    expect(writerOf({ ...meta!, consistentIndex: 4 }).evidence).toMatch(/3.4 or older/);
  });

  it('encryption round trip verdicts', () => {
    const record = {
      method: 'gpg --symmetric',
      encryptExit: 0,
      decrypted: true,
      decryptMessage: 'decrypted',
      identical: true,
      wrongKeyRefused: true,
      wrongKeyMessage: 'Bad session key',
      sizeBytes: 1,
    };
    expect(checkEncryptionRoundTrip(record).verdict).toBe('pass');
    expect(checkEncryptionRoundTrip({ ...record, identical: false }).reason).toMatch(
      /differs from the snapshot/,
    );
    expect(checkEncryptionRoundTrip({ ...record, wrongKeyRefused: false }).reason).toMatch(
      /wrong key "decrypted"/,
    );
  });
});
