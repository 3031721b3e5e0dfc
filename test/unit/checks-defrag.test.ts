// The defrag check over recorded endpoint status (3.6.16 and 3.4.23, defrag scenario, quick) and negative controls:
// a defrag that did not shrink the db, one that shrank it but far from the size in use, one that failed.
import { describe, expect, it } from 'vitest';
import { checkDefragShrinks, DEFRAG_TOLERANCE, defragBound } from '../../harness/checks/defrag.js';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('checkDefragShrinks', () => {
  it('passes on recorded runs (3.6.16: one page above in-use; 3.4.23: on it)', () => {
    const v36 = checkDefragShrinks({
      member: 'm1',
      before: { dbSizeBytes: 14_995_456, dbSizeInUseBytes: 756 * KiB },
      after: { dbSizeBytes: 752 * KiB, dbSizeInUseBytes: 744 * KiB },
      defragExitCode: 0,
    });
    expect(v36.verdict, v36.reason).toBe('pass');
    expect(v36.measurements?.find((entry) => entry.name === 'reclaimed')?.value).toBe(14_995_456 - 752 * KiB);
    const v34 = checkDefragShrinks({
      member: 'm2',
      before: { dbSizeBytes: 14_888_960, dbSizeInUseBytes: 764 * KiB },
      after: { dbSizeBytes: 728 * KiB, dbSizeInUseBytes: 720 * KiB },
      defragExitCode: 0,
    });
    expect(v34.verdict, v34.reason).toBe('pass');
  });

  it('fails when the db did not shrink (negative control)', () => {
    const outcome = checkDefragShrinks({
      member: 'm1',
      before: { dbSizeBytes: 14 * MiB, dbSizeInUseBytes: 700 * KiB },
      after: { dbSizeBytes: 14 * MiB, dbSizeInUseBytes: 700 * KiB },
      defragExitCode: 0,
    });
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toContain('the db did not shrink');
  });

  it('fails when the db shrank but stays far above the size in use (negative control)', () => {
    const outcome = checkDefragShrinks({
      member: 'm3',
      before: { dbSizeBytes: 14 * MiB, dbSizeInUseBytes: 700 * KiB },
      after: { dbSizeBytes: 5 * MiB, dbSizeInUseBytes: 700 * KiB },
      defragExitCode: 0,
    });
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toContain('above');
  });

  it('puts the bound at in-use + 10 % + 4 pages', () => {
    expect(DEFRAG_TOLERANCE).toEqual({ ratio: 0.1, slackBytes: 16 * KiB });
    expect(defragBound(1_000 * KiB)).toBe(1_100 * KiB + 16 * KiB);
    const justOver = checkDefragShrinks({
      member: 'm1',
      before: { dbSizeBytes: 14 * MiB, dbSizeInUseBytes: 1_000 * KiB },
      after: { dbSizeBytes: 1_116 * KiB + 4 * KiB, dbSizeInUseBytes: 1_000 * KiB },
      defragExitCode: 0,
    });
    expect(justOver.verdict).toBe('fail');
  });

  it('fails when etcdctl defrag failed (negative control)', () => {
    const outcome = checkDefragShrinks({
      member: 'm2',
      before: { dbSizeBytes: 14 * MiB, dbSizeInUseBytes: 700 * KiB },
      after: { dbSizeBytes: 14 * MiB, dbSizeInUseBytes: 700 * KiB },
      defragExitCode: 1,
      defragError: 'Error: context deadline exceeded',
    });
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toContain('context deadline exceeded');
  });

  it('is inconclusive when there was nothing to reclaim, or no in-use figure', () => {
    expect(
      checkDefragShrinks({
        member: 'm1',
        before: { dbSizeBytes: 760 * KiB, dbSizeInUseBytes: 700 * KiB },
        after: { dbSizeBytes: 700 * KiB, dbSizeInUseBytes: 700 * KiB },
        defragExitCode: 0,
      }).verdict,
    ).toBe('inconclusive');
    expect(
      checkDefragShrinks({
        member: 'm1',
        before: { dbSizeBytes: 14 * MiB, dbSizeInUseBytes: Number.NaN },
        after: { dbSizeBytes: 700 * KiB, dbSizeInUseBytes: Number.NaN },
        defragExitCode: 0,
      }).verdict,
    ).toBe('inconclusive');
  });
});
