// backup.corrupt-detected over recorded runs: what 3.4, 3.5 and 3.6 did with a truncated and a bit-flipped snapshot
// (measured), and the ways the claim can break: both tools accept the file, a refusal that says nothing (a crash),
// a refused restore whose leftover data dir etcd serves from, and an intact snapshot that is refused too.
import { describe, expect, it } from 'vitest';
import {
  type CorruptSnapshotRecord,
  checkCorruptSnapshotRejected,
  readToolRun,
} from '../../harness/checks/snapshot-integrity.js';

const SHA_MISMATCH =
  'Error: expected sha256 [16 244 92 79 36 115 246 47 186 144 220 88 134 214 152 164 123 4 17 13 68 68 189 54 20 213 179 192 92 242 121 182], got [139 147 20 70 199 155 4 229 17 113 85 224 7 159 204 64 101 29 123 40 115 250 93 32 141 177 78 175 107 220 251 181]';
const RESTORE_LOG =
  '2026-11-24T10:48:09Z\tinfo\tsnapshot/v3_snapshot.go:305\trestoring snapshot\t{"path": "flip.db", "wal-dir": "r/member/wal", "data-dir": "r", "snap-dir": "r/member/snap"}';
const STATUS_PANIC = [
  'panic: assertion failed: Page expected to be: 16, but self identifies as 0',
  '',
  'goroutine 1 [running]:',
  'go.etcd.io/bbolt/internal/common.Assert(...)',
].join('\n');
const STATUS_SIGBUS = [
  'unexpected fault address 0x7fbfff10b000',
  'fatal error: fault',
  '[signal SIGBUS: bus error code=0x2 addr=0x7fbfff10b000 pc=0x8f1975]',
  '',
  'goroutine 93 [running]:',
].join('\n');
const LEFTOVER = [{ path: 'member/snap/db', sizeBytes: 69_632 }];

/** The 3.6.16 bit-flip run: status exit 0 with another hash, restore refuses, the leftover etcd answers nothing. */
function bitFlipped36(overrides: Partial<CorruptSnapshotRecord> = {}): CorruptSnapshotRecord {
  return {
    kind: 'bit-flipped',
    corruption: 'bit 0 of byte 59318 flipped (page 14, inside the marker value)',
    fileSizeBytes: 69_664,
    intact: { statusExit: 0, statusHash: 2796335932, restoreExit: 0 },
    status: {
      exitCode: 0,
      output: '{"hash":1902962243,"revision":202,"totalKey":201,"totalSize":69632,"version":"3.6.0"}',
      hash: 1902962243,
      revision: 202,
      totalKey: 201,
    },
    restore: { exitCode: 1, output: `${RESTORE_LOG}\n${SHA_MISMATCH}` },
    leftover: {
      files: LEFTOVER,
      probe: {
        started: true,
        served: 'no-answer',
        detail: '/health said healthy, but a read failed within 2000 ms: 4 DEADLINE_EXCEEDED',
      },
    },
    tool: 'etcdutl',
    ...overrides,
  };
}

/** The truncated run (all versions): status crashes, restore says the hash is missing, etcd will not start. */
function truncated(overrides: Partial<CorruptSnapshotRecord> = {}): CorruptSnapshotRecord {
  return {
    ...bitFlipped36(),
    kind: 'truncated',
    corruption: 'cut to 34832 of 69664 bytes',
    status: { exitCode: 2, output: STATUS_PANIC },
    restore: {
      exitCode: 1,
      output: `${RESTORE_LOG}\nError: snapshot missing hash but --skip-hash-check=false`,
    },
    leftover: {
      files: [{ path: 'member/snap/db', sizeBytes: 34_816 }],
      probe: { started: false, detail: 'etcd member m1 failed to start: process exited (code 2)' },
    },
    ...overrides,
  };
}

describe('readToolRun', () => {
  it('tells a clear refusal from a crash and from an acceptance', () => {
    expect(readToolRun({ exitCode: 1, output: SHA_MISMATCH })).toMatchObject({
      refused: true,
      crashed: false,
      clear: true,
    });
    expect(readToolRun({ exitCode: 2, output: STATUS_SIGBUS })).toMatchObject({
      refused: true,
      crashed: true,
      clear: false,
      message: 'fatal error: fault',
    });
    expect(readToolRun({ exitCode: 2, output: STATUS_PANIC })).toMatchObject({ crashed: true, clear: false });
    expect(readToolRun({ exitCode: 0, output: '{"hash":1}' })).toMatchObject({
      refused: false,
      clear: false,
    });
    expect(readToolRun({ exitCode: 1, output: 'Error: open x.db: permission denied' }).clear).toBe(false);
  });
});

describe('checkCorruptSnapshotRejected', () => {
  it('passes the measured 3.6 bit flip: restore refuses, the leftover serves nothing; says status missed it', () => {
    const outcome = checkCorruptSnapshotRejected(bitFlipped36());
    expect(outcome.verdict).toBe('pass');
    expect(outcome.check).toBe('bit-flipped snapshot');
    expect(outcome.reason).toMatch(/Verify snapshot integrity/);
    expect(outcome.observed).toContain('status exit 0: hash 1902962243 (intact snapshot: 2796335932)');
    expect(outcome.observed).toContain('expected sha256');
  });

  it('passes the measured truncation: status crashes, restore says why, etcd does not start on the leftover', () => {
    const outcome = checkCorruptSnapshotRejected(truncated());
    expect(outcome.verdict).toBe('pass');
    expect(outcome.check).toBe('truncated snapshot');
    expect(outcome.observed).toContain('status exit 2 (crashed)');
    expect(outcome.observed).toContain('snapshot missing hash');
  });

  it('fails the measured 3.4/3.5 bit flip: etcd starts on what the refused restore left and serves the flipped value', () => {
    const outcome = checkCorruptSnapshotRejected(
      bitFlipped36({
        leftover: {
          files: LEFTOVER,
          probe: { started: true, served: 'corrupt', detail: 'marker read back as "marker-8bea…"' },
        },
      }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/etcd started on it and answered reads/);
  });

  it('fails when status and restore both accept the corrupt file, and says the guide would miss it', () => {
    const outcome = checkCorruptSnapshotRejected(
      bitFlipped36({
        restore: { exitCode: 0, output: RESTORE_LOG },
        leftover: undefined,
      }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/both .* accepted/);
    expect(outcome.reason).toMatch(/Verify snapshot integrity/);
  });

  it('fails a refusal that only crashes (no tool says why)', () => {
    const outcome = checkCorruptSnapshotRejected(
      truncated({ restore: { exitCode: 0, output: RESTORE_LOG }, leftover: undefined }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/no tool said why/);
  });

  it('is inconclusive when the intact snapshot is refused too', () => {
    const outcome = checkCorruptSnapshotRejected(truncated({ intact: { statusExit: 0, restoreExit: 1 } }));
    expect(outcome.verdict).toBe('inconclusive');
  });
});
