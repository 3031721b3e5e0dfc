// restore.bump-revision over recorded data: the measured 3.6 restore passes; a restore without a bump, a watch that
// stays open, one that ends without a compacted error, a compaction mark that also kills new watches, and lost data
// each fail.
import { describe, expect, it } from 'vitest';
import { type BumpRestoreRecord, checkBumpRevisionRestore } from '../../harness/checks/restore-bump.js';
import type { AcknowledgedWrite, Ledger } from '../../harness/workload/ledger.js';
import { checkLedger, type ObservedKey } from '../../harness/workload/ledger-check.js';

const PREFIX = '/ledger/b/';

function ledgerUpTo(lastRevision: number): Ledger {
  const acknowledged: AcknowledgedWrite[] = Array.from({ length: lastRevision - 1 }, (_, index) => ({
    key: `${PREFIX}w000/${String(index).padStart(9, '0')}`,
    value: `v${index}`,
    revision: index + 2,
    writer: 0,
    seq: index,
    sentAt: 1_000 + index,
    ackAt: 1_001 + index,
  }));
  return { prefix: PREFIX, startedAt: 1_000, endedAt: 2_000, acknowledged, failed: [], ambiguous: [] };
}

function observedUpTo(ledger: Ledger, revision: number): ObservedKey[] {
  return ledger.acknowledged
    .filter((write) => write.revision <= revision)
    .map((write) => ({
      key: write.key,
      value: write.value,
      createRevision: write.revision,
      modRevision: write.revision,
      version: 1,
    }));
}

/** The 3.6.16 quick run: snapshot at 298, clients saw 541, restored at 298 + 1e9. */
function measured(overrides: Partial<BumpRestoreRecord> = {}): BumpRestoreRecord {
  const ledger = ledgerUpTo(541);
  return {
    bumpRevision: 1_000_000_000,
    snapshotRevision: 298,
    maxRevisionSeen: 541,
    restoredRevision: 1_000_000_298,
    firstPutRevision: 1_000_000_299,
    oldWatches: [
      {
        client: 'etcdctl watch --rev',
        startRevision: 542,
        ended: true,
        afterMs: 78,
        message:
          'watch was canceled (etcdserver: mvcc: required revision has been compacted) / Error: watch is canceled by the server',
        events: 0,
      },
      {
        client: 'etcd3 watcher',
        startRevision: 542,
        ended: true,
        afterMs: 68,
        message: 'EtcdError: Watcher canceled: ',
        events: 0,
      },
    ],
    currentWatch: {
      client: 'etcd3 watcher',
      startRevision: 1_000_000_299,
      ended: false,
      afterMs: 40,
      message: '1 events',
      events: 1,
    },
    oldRead: {
      revision: 298,
      exitCode: 1,
      message: 'Error: etcdserver: mvcc: required revision has been compacted',
    },
    ledgerCheck: checkLedger(ledger, observedUpTo(ledger, 298), { upToRevision: 298 }),
    watchBoundMs: 3_000,
    ...overrides,
  };
}

describe('checkBumpRevisionRestore', () => {
  it('passes the measured 3.6 restore', () => {
    const outcome = checkBumpRevisionRestore(measured());
    expect(outcome.verdict, outcome.reason).toBe('pass');
    expect(outcome.observed).toContain('first put 1000000299');
    expect(outcome.observed).toContain('required revision has been compacted');
  });

  it('fails a restore without a bump: revisions clients saw are handed out again', () => {
    const outcome = checkBumpRevisionRestore(
      measured({
        restoredRevision: 298,
        firstPutRevision: 299,
        currentWatch: { ...measured().currentWatch, startRevision: 299 },
      }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/revisions repeat/);
  });

  it('fails when a watch from an old revision stays open (not marked compacted)', () => {
    const [etcdctl, etcd3] = measured().oldWatches;
    const outcome = checkBumpRevisionRestore(
      measured({
        oldWatches: [
          { ...etcdctl!, ended: false, afterMs: 3_000, message: 'PUT', events: 3 },
          { ...etcd3!, ended: false, afterMs: 3_000, message: 'still open', events: 3 },
        ],
      }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/still open after 3000 ms/);
  });

  it('fails when the watch ends for another reason than compaction', () => {
    const [etcdctl, etcd3] = measured().oldWatches;
    const outcome = checkBumpRevisionRestore(
      measured({ oldWatches: [{ ...etcdctl!, message: 'Error: context deadline exceeded' }, etcd3!] }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/without a compacted error/);
  });

  it('fails when watches from the new revision are cancelled too', () => {
    const outcome = checkBumpRevisionRestore(
      measured({
        currentWatch: {
          ...measured().currentWatch,
          ended: true,
          events: 0,
          message: 'EtcdError: Watcher canceled: ',
        },
      }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/was cancelled too/);
  });

  it('fails when acknowledged writes up to the snapshot are missing', () => {
    const ledger = ledgerUpTo(541);
    const outcome = checkBumpRevisionRestore(
      measured({ ledgerCheck: checkLedger(ledger, observedUpTo(ledger, 250), { upToRevision: 298 }) }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/48 writes acknowledged at revision ≤ 298 missing/);
  });
});
