// The ledger's JSON form (round trip, refusal of anything else), its key and value format, and revision parsing.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../harness/errors.js';
import {
  type Ledger,
  LedgerFormatError,
  ledgerFromJson,
  ledgerToJson,
} from '../../harness/workload/ledger.js';
import { LedgerWriter, ledgerKey, ledgerValue } from '../../harness/workload/ledger-writer.js';
import { parseRevision, RevisionFormatError } from '../../harness/workload/revision.js';

const LEDGER: Ledger = {
  prefix: '/ledger/abc/',
  startedAt: 1_000,
  endedAt: 2_000,
  acknowledged: [
    {
      key: '/ledger/abc/w000/000000000',
      value: 'w0:s0:ff',
      revision: 5,
      writer: 0,
      seq: 0,
      sentAt: 1_001,
      ackAt: 1_003,
      member: 'm1',
    },
  ],
  failed: [
    {
      key: '/ledger/abc/w001/000000000',
      value: 'w1:s0:ee',
      writer: 1,
      seq: 0,
      sentAt: 1_001,
      failedAt: 1_002,
      reason: 'no-space',
      message: 'etcdserver: mvcc: database space exceeded',
    },
  ],
  ambiguous: [
    {
      key: '/ledger/abc/w002/000000000',
      value: 'w2:s0:dd',
      writer: 2,
      seq: 0,
      sentAt: 1_001,
      failedAt: 3_001,
      reason: 'deadline-exceeded',
      message: '4 DEADLINE_EXCEEDED',
    },
  ],
};

describe('ledger JSON', () => {
  it('round-trips', () => {
    const text = ledgerToJson(LEDGER);
    expect(JSON.parse(text).version).toBe(1);
    expect(ledgerFromJson(text)).toEqual(LEDGER);
  });

  it('refuses what is not a ledger, saying what is wrong', () => {
    expect(() => ledgerFromJson('nope')).toThrow(LedgerFormatError);
    expect(() => ledgerFromJson('{"version":2}')).toThrow(/expected `version` 1, got `2`/);
    const noRevision = JSON.parse(ledgerToJson(LEDGER));
    delete noRevision.acknowledged[0].revision;
    expect(() => ledgerFromJson(JSON.stringify(noRevision))).toThrow(/acknowledged\[0\]\.revision/);
    const badMember = JSON.parse(ledgerToJson(LEDGER));
    badMember.failed[0].member = 3;
    expect(() => ledgerFromJson(JSON.stringify(badMember))).toThrow(/failed\[0\]\.member/);
  });
});

describe('ledger keys and values', () => {
  it('zero-pads keys so key order is writer, then sequence', () => {
    expect(ledgerKey('/p/', 3, 42)).toBe('/p/w003/000000042');
    const keys = [ledgerKey('/p/', 1, 10), ledgerKey('/p/', 1, 9), ledgerKey('/p/', 0, 100)];
    expect([...keys].sort()).toEqual([
      ledgerKey('/p/', 0, 100),
      ledgerKey('/p/', 1, 9),
      ledgerKey('/p/', 1, 10),
    ]);
  });

  it('makes values of the requested size that name their put and differ each time', () => {
    const value = ledgerValue(2, 7, 64);
    expect(value).toHaveLength(64);
    expect(value).toMatch(/^w2:s7:[0-9a-f]+$/);
    expect(ledgerValue(2, 7, 64)).not.toBe(value);
    expect(ledgerValue(2, 7, 4)).toMatch(/^w2:s7:[0-9a-f]{16}$/);
  });
});

describe('parseRevision', () => {
  it('accepts int64 strings and safe integers only', () => {
    expect(parseRevision('42', 'header.revision')).toBe(42);
    expect(parseRevision(7, 'x')).toBe(7);
    expect(() => parseRevision('9007199254740993', 'header.revision')).toThrow(RevisionFormatError);
    expect(() => parseRevision('', 'x')).toThrow(/got ``/);
    expect(() => parseRevision(undefined, 'x')).toThrow(RevisionFormatError);
    expect(() => parseRevision('-1', 'x')).toThrow(RevisionFormatError);
  });
});

describe('LedgerWriter options', () => {
  it('refuses bad options, quoting the value', () => {
    expect(() => LedgerWriter.start({ clients: [] }, { writers: 0 })).toThrow(InputError);
    expect(() => LedgerWriter.start({ clients: [] }, { writers: 1.5 })).toThrow(/`writers`.*got `1.5`/);
    expect(() => LedgerWriter.start({ clients: [] }, { ratePerSecond: -1 })).toThrow(/`ratePerSecond`/);
    expect(() => LedgerWriter.start({ clients: [] })).toThrow(/at least one etcd client/);
  });
});
