// Periodic auto-compaction: the log parser on real 3.4/3.6 lines, the retention parser, etcd's schedule rules, and
// the checks over recorded-like data with negative controls (an old revision still readable long after the
// retention, compactions off schedule, history younger than the retention dropped, the per-version idle behaviour).
import { describe, expect, it } from 'vitest';
import {
  type CompactionEvent,
  checkIdleCompaction,
  checkPeriodicCompaction,
  type PeriodicCompactionRecord,
  parseCompactionLog,
  parseRetention,
  periodicSchedule,
} from '../../harness/checks/compaction.js';
import { capabilitiesOf } from '../../harness/versions/capabilities.js';
import { parseExactVersion } from '../../harness/versions/version.js';

const LOG_34 = [
  '{"level":"info","ts":"2026-11-24T10:51:41.555Z","caller":"v3compactor/periodic.go:135","msg":"starting auto periodic compaction","revision":1,"compact-period":"2s"}',
  '{"level":"info","ts":"2026-11-24T10:51:41.559Z","caller":"v3compactor/periodic.go:146","msg":"completed auto periodic compaction","revision":1,"compact-period":"2s","took":"2.013848693s"}',
  '{"level":"warn","ts":"2026-11-24T10:51:43.567Z","caller":"etcdserver/util.go:121","msg":"failed to apply request","took":"15.033µs","request":"header:<ID:5157362700795808007 > compaction:<revision:1 > ","response":"","error":"mvcc: required revision has been compacted"}',
  '{"level":"info","ts":"2026-11-24T10:51:47.581Z","caller":"v3compactor/periodic.go:135","msg":"starting auto periodic compaction","revision":4,"compact-period":"2s"}',
  'panic: not json, starting auto periodic compaction',
].join('\n');

const LOG_36 =
  '{"level":"info","ts":"2026-11-24T10:52:20.466435Z","caller":"v3compactor/periodic.go:134","msg":"starting auto periodic compaction","revision":10,"compact-period":"2s"}\n';

describe('parseCompactionLog', () => {
  it('reads the compactions of 3.4 (ms) and 3.6 (µs) logs, and nothing else', () => {
    expect(parseCompactionLog('m1', LOG_34)).toEqual([
      { member: 'm1', at: Date.parse('2026-11-24T10:51:41.555Z'), revision: 1 },
      { member: 'm1', at: Date.parse('2026-11-24T10:51:47.581Z'), revision: 4 },
    ]);
    expect(parseCompactionLog('m2', LOG_36)).toEqual([
      { member: 'm2', at: Date.parse('2026-11-24T10:52:20.466Z'), revision: 10 },
    ]);
    expect(parseCompactionLog('m3', '')).toEqual([]);
  });
});

describe('parseRetention and periodicSchedule', () => {
  it('reads Go durations, and bare numbers as hours', () => {
    expect(parseRetention('2s')).toBe(2_000);
    expect(parseRetention('1500ms')).toBe(1_500);
    expect(parseRetention('8h')).toBe(8 * 3_600_000);
    expect(parseRetention('1h30m')).toBe(5_400_000);
    expect(parseRetention('1')).toBe(3_600_000);
    expect(parseRetention('2x')).toBeUndefined();
    expect(parseRetention('abc')).toBeUndefined();
  });

  it("gives the guide's 8h: first compaction after 8 h, then hourly, 8.1–9.1 h of history", () => {
    expect(periodicSchedule(8 * 3_600_000)).toEqual({
      retentionMs: 28_800_000,
      intervalMs: 3_600_000,
      sampleEveryMs: 360_000,
      firstCompactionAfterMs: 28_800_000,
      historyKeptMs: { min: 29_160_000, max: 32_760_000 },
    });
    expect(periodicSchedule(2_000).intervalMs).toBe(2_000);
    expect(periodicSchedule(2_000).sampleEveryMs).toBe(200);
  });
});

const W = 1_800_000_000_000;
/** 50 puts/s for 6 s from W: revision 2 at W, one more every 20 ms (what a steady ledger writer records). */
const WRITES = Array.from({ length: 300 }, (_, index) => ({ sentAt: W + index * 20, revision: 2 + index }));
const revisionSentBefore = (at: number) => WRITES.filter((write) => write.sentAt <= at).pop()?.revision ?? 1;

/** etcd's behaviour: a compaction every 2 s, each to the revision it sampled 2.2 s before. */
function compactions(times: readonly number[], lagMs = 2_200): CompactionEvent[] {
  return times.map((at) => ({ member: 'm2', at, revision: revisionSentBefore(at - lagMs) }));
}

function record(overrides: Partial<PeriodicCompactionRecord> = {}): PeriodicCompactionRecord {
  return {
    retentionFlag: '2s',
    retentionMs: 2_000,
    events: compactions([W + 500, W + 2_505, W + 4_515]),
    writes: WRITES,
    writesFrom: W,
    writesTo: W + 6_100,
    oldProbe: {
      key: '/ledger/a/w000/000000000',
      revision: 2,
      ageMs: 6_050,
      exitCode: 1,
      output: 'Error: etcdserver: mvcc: required revision has been compacted',
    },
    recentProbe: {
      key: '/ledger/a/w000/000000250',
      revision: 252,
      ageMs: 1_050,
      exitCode: 0,
      output: 'w0:s125:2cf2',
      expectedValue: 'w0:s125:2cf2',
    },
    ...overrides,
  };
}

describe('checkPeriodicCompaction', () => {
  it('passes on a run like the recorded ones (intervals 2005/2010 ms, history 2.2 s old)', () => {
    const outcome = checkPeriodicCompaction(record());
    expect(outcome.verdict, outcome.reason).toBe('pass');
    expect(outcome.measurements?.find((entry) => entry.name === 'mean interval')?.value).toBeCloseTo(
      2_007.5,
      1,
    );
    expect(outcome.reason).toContain('--auto-compaction-retention=8h');
    expect(outcome.reason).toContain('then one every 1 h');
  });

  it('fails when an old revision is still readable long after the retention (negative control)', () => {
    const outcome = checkPeriodicCompaction(
      record({
        events: [],
        oldProbe: { key: 'k', revision: 2, ageMs: 6_050, exitCode: 0, output: 'w0:s0:aa' },
      }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toContain('revision 2, written 6050 ms before, is still readable');
    expect(outcome.reason).toContain('0 compaction(s) in 6.1 s of writes');
  });

  it('fails when compactions come off schedule (negative control)', () => {
    const outcome = checkPeriodicCompaction(record({ events: compactions([W + 500, W + 4_000, W + 5_000]) }));
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toContain('intervals outside [0.9, 1.5]');
    expect(outcome.reason).toContain('3500, 1000 ms');
  });

  it('fails when a compaction drops history younger than the retention (negative control)', () => {
    const outcome = checkPeriodicCompaction(
      record({ events: compactions([W + 500, W + 2_505, W + 4_515], 500) }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toContain('dropped history younger than the retention');
  });

  it('fails when compactions keep far more history than the retention (negative control)', () => {
    const outcome = checkPeriodicCompaction(record({ events: compactions([W + 4_515, W + 6_520], 4_500) }));
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toContain('kept history older than retention + one interval');
  });

  it('fails when a revision within the retention is gone (negative control)', () => {
    const outcome = checkPeriodicCompaction(
      record({
        recentProbe: {
          ...record().recentProbe,
          exitCode: 1,
          output: 'Error: etcdserver: mvcc: required revision has been compacted',
        },
      }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toContain('within the 2000 ms retention');
  });

  it('is inconclusive when the writes were too short to judge', () => {
    const outcome = checkPeriodicCompaction(
      record({
        events: compactions([W + 500]),
        writesTo: W + 2_000,
        oldProbe: { key: 'k', revision: 2, ageMs: 1_900, exitCode: 0, output: 'w0:s0:aa' },
      }),
    );
    expect(outcome.verdict).toBe('inconclusive');
  });
});

describe('the capability behind the idle check', () => {
  it('says 3.4 and 3.5 compact an unchanged revision again and 3.6+ skip it (etcd PR #13829)', () => {
    const skips = (version: string) =>
      capabilitiesOf(parseExactVersion(version)).periodicCompactionSkipsUnchangedRevision;
    expect(['3.4.23', '3.5.35', '3.6.0', '3.6.16', '3.7.3'].map(skips)).toEqual([
      false,
      false,
      true,
      true,
      true,
    ]);
  });
});

describe('checkIdleCompaction', () => {
  const T = 1_800_000_000_000;
  const repeated = [0, 2_008, 4_016].map((offset) => ({ member: 'm1', at: T + offset, revision: 1 }));
  const once = [{ member: 'm1', at: T, revision: 1 }];

  it('passes when 3.4/3.5 repeat the unchanged revision and 3.6+ do not', () => {
    const old = checkIdleCompaction({
      retentionMs: 2_000,
      events: repeated,
      until: T + 4_600,
      skipsUnchangedRevision: false,
      version: '3.5.35',
    });
    expect(old.verdict, old.reason).toBe('pass');
    expect(old.reason).toContain('compacted 2 more times');
    const current = checkIdleCompaction({
      retentionMs: 2_000,
      events: once,
      until: T + 4_600,
      skipsUnchangedRevision: true,
      version: '3.6.16',
    });
    expect(current.verdict, current.reason).toBe('pass');
  });

  it('fails when a version does not behave as the capability table says (negative controls)', () => {
    expect(
      checkIdleCompaction({
        retentionMs: 2_000,
        events: once,
        until: T + 4_600,
        skipsUnchangedRevision: false,
        version: '3.5.35',
      }).verdict,
    ).toBe('fail');
    expect(
      checkIdleCompaction({
        retentionMs: 2_000,
        events: repeated,
        until: T + 4_600,
        skipsUnchangedRevision: true,
        version: '3.6.16',
      }).verdict,
    ).toBe('fail');
  });

  it('is inconclusive when watched for less than 1.5 intervals', () => {
    expect(
      checkIdleCompaction({
        retentionMs: 2_000,
        events: once,
        until: T + 2_500,
        skipsUnchangedRevision: true,
        version: '3.6.16',
      }).verdict,
    ).toBe('inconclusive');
  });
});
