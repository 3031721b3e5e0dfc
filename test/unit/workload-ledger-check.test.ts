// checkLedger over hand-built ledgers and observations, with negative controls: each kind of damage is reported,
// and nothing is reported where nothing is wrong (ambiguous writes, writes after a restore bound).
import { describe, expect, it } from 'vitest';
import type {
  AcknowledgedWrite,
  AmbiguousWrite,
  FailedWrite,
  Ledger,
} from '../../harness/workload/ledger.js';
import { checkLedger, type ObservedKey } from '../../harness/workload/ledger-check.js';

const PREFIX = '/ledger/test/';

/** Writer `writer`'s `seq`th put, acknowledged at `revision`; times spaced so puts never overlap. */
function acked(writer: number, seq: number, revision: number): AcknowledgedWrite {
  const sentAt = 1_000 + revision * 10;
  return {
    key: `${PREFIX}w${writer}/${seq}`,
    value: `v-${writer}-${seq}`,
    revision,
    writer,
    seq,
    sentAt,
    ackAt: sentAt + 2,
  };
}

function unsettled(writer: number, seq: number): AmbiguousWrite {
  return {
    key: `${PREFIX}w${writer}/${seq}`,
    value: `v-${writer}-${seq}`,
    writer,
    seq,
    sentAt: 5_000,
    failedAt: 7_000,
    reason: 'deadline-exceeded',
    message: '4 DEADLINE_EXCEEDED: Deadline exceeded after 2.000s',
  };
}

function refused(writer: number, seq: number): FailedWrite {
  return {
    ...unsettled(writer, seq),
    reason: 'no-space',
    message: 'etcdserver: mvcc: database space exceeded',
  };
}

function ledgerOf(
  acknowledged: AcknowledgedWrite[],
  ambiguous: AmbiguousWrite[] = [],
  failed: FailedWrite[] = [],
): Ledger {
  return { prefix: PREFIX, startedAt: 0, endedAt: 10_000, acknowledged, ambiguous, failed };
}

/** What a healthy cluster returns for these acknowledged writes. */
function observedOf(writes: readonly { key: string; value: string; revision?: number }[]): ObservedKey[] {
  return writes.map((write, index) => ({
    key: write.key,
    value: write.value,
    createRevision: write.revision ?? 1_000 + index,
    modRevision: write.revision ?? 1_000 + index,
    version: 1,
  }));
}

// Two writers, interleaved revisions 2..7.
const WRITES = [
  acked(0, 0, 2),
  acked(1, 0, 3),
  acked(0, 1, 4),
  acked(1, 1, 5),
  acked(0, 2, 6),
  acked(1, 2, 7),
];

describe('checkLedger', () => {
  it('passes a cluster that holds exactly the acknowledged writes', () => {
    const check = checkLedger(ledgerOf(WRITES), observedOf(WRITES));
    expect(check.ok).toBe(true);
    expect(check.acknowledgedExpected).toBe(6);
    expect(check.present).toBe(6);
    expect(check.missing).toEqual([]);
    expect(check.summary).toMatch(/^ok: 6 of 6 acknowledged writes present/);
  });

  it('reports a missing acknowledged write', () => {
    const check = checkLedger(ledgerOf(WRITES), observedOf(WRITES.filter((write) => write !== WRITES[3])));
    expect(check.ok).toBe(false);
    expect(check.missing).toEqual([WRITES[3]]);
    expect(check.present).toBe(5);
    expect(check.summary).toMatch(/^FAILED: .*1 missing/);
  });

  it('reports a changed value', () => {
    const observed = observedOf(WRITES).map((entry) =>
      entry.key === WRITES[1]!.key ? { ...entry, value: 'overwritten' } : entry,
    );
    const check = checkLedger(ledgerOf(WRITES), observed);
    expect(check.ok).toBe(false);
    expect(check.wrongValue).toEqual([{ write: WRITES[1], observedValue: 'overwritten' }]);
    expect(check.missing).toEqual([]);
  });

  it('reports a key nobody acknowledged, and a definite failure that applied anyway', () => {
    const failed = refused(0, 9);
    const foreign = { key: `${PREFIX}foreign`, value: 'x' };
    const check = checkLedger(ledgerOf(WRITES, [], [failed]), observedOf([...WRITES, failed, foreign]));
    expect(check.ok).toBe(false);
    expect(check.unexpected.map((entry) => entry.key)).toEqual([failed.key, foreign.key]);
  });

  it('reports a present key whose mod revision is not the acknowledged one', () => {
    const observed = observedOf(WRITES).map((entry) =>
      entry.key === WRITES[2]!.key ? { ...entry, modRevision: 40 } : entry,
    );
    const check = checkLedger(ledgerOf(WRITES), observed);
    expect(check.ok).toBe(false);
    expect(check.revisionMismatch).toEqual([{ write: WRITES[2], observedModRevision: 40 }]);
  });

  it("reports a writer's revisions going backwards", () => {
    const regressed = [acked(0, 0, 5), acked(0, 1, 4)];
    const check = checkLedger(ledgerOf(regressed), observedOf(regressed));
    expect(check.ok).toBe(false);
    expect(check.revisionRegressions).toEqual([{ writer: 0, previous: regressed[0], next: regressed[1] }]);
  });

  it('reports a put that got a lower revision than one acknowledged before it was sent', () => {
    const first = acked(0, 0, 10);
    const later: AcknowledgedWrite = { ...acked(1, 0, 8), sentAt: first.ackAt + 5, ackAt: first.ackAt + 7 };
    const check = checkLedger(ledgerOf([first, later]), observedOf([first, later]));
    expect(check.ok).toBe(false);
    expect(check.realTimeRegressions).toEqual([{ previous: first, next: later }]);
    expect(check.revisionRegressions).toEqual([]);
  });

  it('does not order overlapping puts of different writers', () => {
    const first = acked(0, 0, 10);
    const overlapping: AcknowledgedWrite = {
      ...acked(1, 0, 8),
      sentAt: first.sentAt,
      ackAt: first.ackAt + 1,
    };
    expect(checkLedger(ledgerOf([first, overlapping]), observedOf([first, overlapping])).ok).toBe(true);
  });

  it('never reports an ambiguous write, present or absent', () => {
    const present = unsettled(0, 3);
    const absent = unsettled(1, 3);
    const check = checkLedger(ledgerOf(WRITES, [present, absent]), observedOf([...WRITES, present]));
    expect(check.ok).toBe(true);
    expect(check.ambiguousPresent).toBe(1);
    expect(check.ambiguousAbsent).toBe(1);
    expect(check.unexpected).toEqual([]);
  });

  it('reports an ambiguous key holding a value nobody wrote', () => {
    const write = unsettled(0, 3);
    const check = checkLedger(
      ledgerOf(WRITES, [write]),
      observedOf([...WRITES, { ...write, value: 'other' }]),
    );
    expect(check.ok).toBe(false);
    expect(check.unexpected.map((entry) => entry.key)).toEqual([write.key]);
  });

  describe('bounded to a revision (a restore from a snapshot at that revision)', () => {
    const bound = 4;
    const beforeBound = WRITES.filter((write) => write.revision <= bound);

    it('does not count writes after the bound as missing', () => {
      const check = checkLedger(ledgerOf(WRITES), observedOf(beforeBound), { upToRevision: bound });
      expect(check.ok).toBe(true);
      expect(check.acknowledgedExpected).toBe(3);
      expect(check.present).toBe(3);
      expect(check.presentAfterBound).toEqual([]);
      expect(check.summary).toContain('bound at revision 4: 0 of 3 later acknowledged writes present');
    });

    it('still reports a missing write at or below the bound', () => {
      const check = checkLedger(ledgerOf(WRITES), observedOf(beforeBound.slice(1)), { upToRevision: bound });
      expect(check.ok).toBe(false);
      expect(check.missing).toEqual([beforeBound[0]]);
    });

    it('lists writes after the bound that are present, failing only when asked to', () => {
      const observed = observedOf([...beforeBound, WRITES[4]!]);
      const lenient = checkLedger(ledgerOf(WRITES), observed, { upToRevision: bound });
      expect(lenient.ok).toBe(true);
      expect(lenient.presentAfterBound.map((entry) => entry.key)).toEqual([WRITES[4]!.key]);
      expect(lenient.unexpected).toEqual([]);
      const strict = checkLedger(ledgerOf(WRITES), observed, {
        upToRevision: bound,
        expectAbsentAfterBound: true,
      });
      expect(strict.ok).toBe(false);
      expect(strict.presentAfterBound).toHaveLength(1);
    });
  });
});
