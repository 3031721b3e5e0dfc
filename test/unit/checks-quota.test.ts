// The quota checks over a recorded 3.6.16 run (16 MiB quota) and negative controls: no refusal, another error, no
// alarm, writes still accepted, reads or deletes refused, a recovery that leaves writes refused or an alarm raised.
import { describe, expect, it } from 'vitest';
import {
  checkNoSpace,
  checkQuotaRecovery,
  type NoSpaceRecord,
  type QuotaRecoveryRecord,
} from '../../harness/checks/quota.js';

const MiB = 1024 * 1024;
const NOSPACE = '8 RESOURCE_EXHAUSTED: etcdserver: mvcc: database space exceeded';

const RECORDED: NoSpaceRecord = {
  quotaBytes: 16 * MiB,
  keysWritten: 60,
  bytesWritten: 15 * MiB,
  noSpaceAfterMs: 820,
  noSpaceMessage: NOSPACE,
  dbSizeBytes: 17_930_240,
  alarms: [{ member: 'm1', alarm: 'NOSPACE' }],
  smallPut: { ok: false, error: NOSPACE },
  read: { ok: true, value: 'written-before-the-fill', expected: 'written-before-the-fill' },
  delete: { ok: true, deleted: 1 },
};

describe('checkNoSpace', () => {
  it('passes on the recorded run', () => {
    const outcome = checkNoSpace(RECORDED);
    expect(outcome.verdict, outcome.reason).toBe('pass');
    expect(outcome.observed).toContain('mvcc: database space exceeded');
    expect(outcome.measurements?.find((entry) => entry.name === 'db size / quota')?.value).toBeGreaterThan(1);
  });

  it('fails when nothing was ever refused (negative control)', () => {
    const outcome = checkNoSpace({
      ...RECORDED,
      noSpaceMessage: undefined,
      noSpaceAfterMs: undefined,
      bytesWritten: 64 * MiB,
      alarms: [],
      smallPut: { ok: true },
    });
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toContain('no write was refused');
    expect(outcome.reason).toContain('no NOSPACE alarm');
  });

  it('fails when writes are refused with another error (negative control)', () => {
    const outcome = checkNoSpace({
      ...RECORDED,
      noSpaceMessage: 'etcdserver: request is too large',
      smallPut: { ok: false, error: 'etcdserver: request is too large' },
    });
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toContain('not "mvcc: database space exceeded"');
  });

  it('fails when small writes still go through (negative control)', () => {
    const outcome = checkNoSpace({ ...RECORDED, smallPut: { ok: true } });
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toContain('a small put was still accepted');
  });

  it('fails without the NOSPACE alarm (negative control)', () => {
    const outcome = checkNoSpace({ ...RECORDED, alarms: [{ member: 'm2', alarm: 'CORRUPT' }] });
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toContain('alarms: m2:CORRUPT');
  });

  it('fails when reads or deletes are refused (negative control)', () => {
    expect(checkNoSpace({ ...RECORDED, read: { ...RECORDED.read, ok: false, error: NOSPACE } }).verdict).toBe(
      'fail',
    );
    expect(checkNoSpace({ ...RECORDED, read: { ...RECORDED.read, value: null } }).verdict).toBe('fail');
    const refused = checkNoSpace({ ...RECORDED, delete: { ok: false, error: NOSPACE } });
    expect(refused.verdict).toBe('fail');
    expect(refused.reason).toContain('a delete failed');
  });
});

const STEPS = ['delete filler keys', 'compact', 'defrag', 'alarm disarm'].map((step) => ({
  step,
  exitCode: 0,
}));
const ALARMS = ['m1:NOSPACE', 'm3:NOSPACE'];

const RECOVERY: QuotaRecoveryRecord = {
  quotaBytes: 16 * MiB,
  defragOnly: { dbSizeBytes: 16_355_328, put: { ok: false, error: NOSPACE }, alarms: ALARMS },
  withoutDisarm: { dbSizeBytes: 24_576, put: { ok: false, error: NOSPACE }, alarms: ALARMS },
  steps: STEPS,
  durationMs: 412,
  put: { ok: true },
  alarmsAfter: [],
  dbSizeAfterBytes: 24_576,
};

describe('checkQuotaRecovery', () => {
  it('passes on the recorded run and says what the guide leaves out', () => {
    const outcome = checkQuotaRecovery(RECOVERY);
    expect(outcome.verdict, outcome.reason).toBe('pass');
    expect(outcome.reason).toContain('Defrag alone');
    expect(outcome.reason).toContain('did not restore writes');
    expect(outcome.reason).toContain('until the alarm disarm');
  });

  it('fails when writes stay refused after the recovery (negative control)', () => {
    const outcome = checkQuotaRecovery({
      ...RECOVERY,
      put: { ok: false, error: NOSPACE },
      alarmsAfter: ALARMS,
    });
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toContain('a put after the recovery failed');
    expect(outcome.reason).toContain('alarms still raised');
  });

  it('fails when a step of the procedure fails (negative control)', () => {
    const outcome = checkQuotaRecovery({
      ...RECOVERY,
      steps: [...STEPS.slice(0, 2), { step: 'defrag', exitCode: 1 }],
      recoveryError: 'defrag failed: Error: context deadline exceeded',
      put: { ok: false, error: NOSPACE },
      alarmsAfter: ALARMS,
    });
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toContain('steps not completed: defrag, alarm disarm');
  });

  it('reports, without failing the claim, when a partial procedure already restored writes', () => {
    const outcome = checkQuotaRecovery({
      ...RECOVERY,
      withoutDisarm: { ...RECOVERY.withoutDisarm, put: { ok: true } },
    });
    expect(outcome.verdict).toBe('pass');
    expect(outcome.reason).toContain('even before the alarm disarm');
  });
});
