// The production-scale checks over synthetic records, each with a negative control: a record where the claim does
// not hold must fail, and one with too little to judge must be inconclusive.
import { describe, expect, it } from 'vitest';
import { checkBackupIoImpact, type LoadWindowStats } from '../../harness/checks/backup-io.js';
import {
  checkFollowerDefragStall,
  checkLeaderDefragStall,
  checkMoveLeaderStrategy,
  type DefragBlockingRecord,
  type DefragStep,
  recommend,
  summarizeStrategies,
} from '../../harness/checks/defrag-blocking.js';
import { checkMemoryFootprint, GUIDE_MEMORY_BYTES, type MemorySample } from '../../harness/checks/memory.js';
import { checkPeerRtt, kneeOf } from '../../harness/checks/peer-rtt.js';
import {
  checkProductionNoSpace,
  checkProductionRecovery,
  type QuotaProductionRecord,
} from '../../harness/checks/quota-production.js';
import {
  checkSnapFilesKept,
  checkSnapshotSpacing,
  checkWalFilesKept,
  type RetentionRecord,
} from '../../harness/checks/snapshot-retention.js';

const MiB = 1024 ** 2;

describe('backup.io-impact', () => {
  const window = (
    kind: LoadWindowStats['kind'],
    from: number,
    putsPerSecond: number,
    p99Ms: number,
  ): LoadWindowStats => ({
    kind,
    from,
    to: from + 2_000,
    puts: putsPerSecond * 2,
    putsPerSecond,
    p50Ms: p99Ms / 4,
    p99Ms,
  });
  const record = (during: { rate: number; p99: number }) => ({
    dbSizeBytes: 256 * MiB,
    snapshotBytes: 256 * MiB,
    member: 'm1',
    windows: [
      window('quiet', 0, 1000, 40),
      window('snapshot', 2_000, during.rate, during.p99),
      window('quiet', 4_000, 1000, 44),
      window('snapshot', 6_000, during.rate, during.p99),
      window('quiet', 8_000, 1000, 42),
    ],
  });
  it('passes on a p99 spike or a throughput drop, and is environment-dependent', () => {
    const outcome = checkBackupIoImpact(record({ rate: 950, p99: 120 }));
    expect(outcome.verdict).toBe('pass');
    expect(outcome.environmentDependent).toBe(true);
    expect(checkBackupIoImpact(record({ rate: 500, p99: 45 })).verdict).toBe('pass');
  });
  it('fails when the snapshot costs nothing (negative control)', () => {
    expect(checkBackupIoImpact(record({ rate: 990, p99: 45 })).verdict).toBe('fail');
  });
  it('is inconclusive with too few puts during the snapshots', () => {
    expect(checkBackupIoImpact(record({ rate: 20, p99: 300 })).verdict).toBe('inconclusive');
  });
});

describe('defrag.blocking', () => {
  const step = (overrides: Partial<DefragStep> & Pick<DefragStep, 'strategy' | 'member'>): DefragStep => ({
    wasLeader: false,
    from: 0,
    to: 10_000,
    exitCode: 0,
    ownStallMs: 9_800,
    othersStallMs: 40,
    p99Ms: 90,
    putsPerSecond: 800,
    ...overrides,
  });
  const record = (leaderOthersStallMs: number, movedOthersStallMs = 50): DefragBlockingRecord => ({
    dbSizeBytes: 4096 * MiB,
    dbSizeInUseBytes: 3900 * MiB,
    quietP99Ms: 30,
    quietPutsPerSecond: 1200,
    steps: [
      step({ strategy: 'naive', member: 'm1', wasLeader: true, othersStallMs: leaderOthersStallMs }),
      step({ strategy: 'naive', member: 'm2' }),
      step({ strategy: 'leader-last', member: 'm2' }),
      step({ strategy: 'leader-last', member: 'm1', wasLeader: true, othersStallMs: leaderOthersStallMs }),
      step({ strategy: 'move-leader', member: 'm2' }),
      step({ strategy: 'move-leader', member: 'm1', moveLeaderMs: 300, othersStallMs: movedOthersStallMs }),
    ],
  });
  it('passes when followers stall and the leader stalls everyone; move-leader spares the others', () => {
    const stalled = record(9_700);
    expect(checkFollowerDefragStall(stalled).verdict).toBe('pass');
    expect(checkLeaderDefragStall(stalled).verdict).toBe('pass');
    expect(checkMoveLeaderStrategy(stalled).verdict).toBe('pass');
    expect(recommend(summarizeStrategies(stalled))).toMatch(/move-leader/);
  });
  it('fails each check whose stall did not happen (negative controls)', () => {
    expect(checkLeaderDefragStall(record(60)).verdict).toBe('fail');
    expect(checkMoveLeaderStrategy(record(9_700, 9_000)).verdict).toBe('fail');
    const unblocked = {
      ...record(9_700),
      steps: record(9_700).steps.map((entry) => ({ ...entry, ownStallMs: 100 })),
    };
    expect(checkFollowerDefragStall(unblocked).verdict).toBe('fail');
  });
  it('is inconclusive for defrags too short to judge, and fails a defrag that failed', () => {
    const short = { ...record(9_700), steps: record(9_700).steps.map((entry) => ({ ...entry, to: 400 })) };
    expect(checkFollowerDefragStall(short).verdict).toBe('inconclusive');
    const failed = {
      ...record(9_700),
      steps: record(9_700).steps.map((entry) => ({ ...entry, exitCode: 1, error: 'deadline' })),
    };
    expect(checkLeaderDefragStall(failed).verdict).toBe('fail');
  });
});

describe('network.peer-rtt', () => {
  const steps = (minAt10: number) => [
    { rttMs: 0, puts: 9000, putsPerSecond: 3000, minMs: 1.2, p50Ms: 4, p99Ms: 30 },
    { rttMs: 10, puts: 4500, putsPerSecond: 1500, minMs: minAt10, p50Ms: 11, p99Ms: 40 },
    { rttMs: 50, puts: 900, putsPerSecond: 300, minMs: 50.4, p50Ms: 56, p99Ms: 90 },
  ];
  it('passes when no put beats the RTT; reports the knee', () => {
    const outcome = checkPeerRtt({ inFlight: 16, steps: steps(10.5) });
    expect(outcome.verdict).toBe('pass');
    expect(outcome.environmentDependent).toBe(true);
    expect(kneeOf({ inFlight: 16, steps: steps(10.5) })).toBe(50);
  });
  it('fails when the added RTT does not reach the latency (negative control)', () => {
    expect(checkPeerRtt({ inFlight: 16, steps: steps(3) }).verdict).toBe('fail');
  });
  it('is inconclusive without a baseline', () => {
    expect(checkPeerRtt({ inFlight: 16, steps: steps(10).slice(1) }).verdict).toBe('inconclusive');
  });
});

describe('tuning.snapshot-retention', () => {
  const record = (spacing: number, atEnd: number): RetentionRecord => ({
    snapshotCount: 100,
    maxSnapshots: 2,
    maxWals: 2,
    members: ['m1', 'm2', 'm3'].map((member) => ({
      member,
      snapIndexesSeen: [1, 2, 3, 4, 5].map((index) => 100 + index * spacing),
      walFilesSeen: 5,
      snapFilesAtEnd: atEnd,
      walFilesAtEnd: atEnd,
    })),
  });
  it('passes when snapshots are count+1 apart and purges keep the limits', () => {
    expect(checkSnapshotSpacing(record(101, 2)).verdict).toBe('pass');
    expect(checkSnapFilesKept(record(101, 2)).verdict).toBe('pass');
    expect(checkWalFilesKept(record(101, 2)).verdict).toBe('pass');
  });
  it('fails spacings at or below the count or far above it, and files beyond the limits (negative controls)', () => {
    expect(checkSnapshotSpacing(record(100, 2)).verdict).toBe('fail');
    expect(checkSnapshotSpacing(record(400, 2)).verdict).toBe('fail');
    expect(checkSnapFilesKept(record(101, 3)).verdict).toBe('fail');
    expect(checkWalFilesKept(record(101, 5)).verdict).toBe('fail');
  });
  it('is inconclusive when the limits were never reached', () => {
    const few = {
      ...record(101, 1),
      members: record(101, 1).members.map((member) => ({
        ...member,
        walFilesSeen: 2,
        snapIndexesSeen: [201],
      })),
    };
    expect(checkWalFilesKept(few).verdict).toBe('inconclusive');
    expect(checkSnapFilesKept(few).verdict).toBe('inconclusive');
    expect(checkSnapshotSpacing(few).verdict).toBe('inconclusive');
  });
});

describe('memory.footprint', () => {
  const sample = (fraction: number, anon: number, file: number, afterFullRead = true): MemorySample => ({
    member: 'm1',
    fraction,
    dbSizeBytes: fraction * 256 * MiB,
    keys: fraction * 8000,
    afterFullRead,
    rssBytes: anon + file,
    anonBytes: anon,
    fileBytes: file,
  });
  it('passes under 2 GiB and reports the slope of anonymous memory', () => {
    const outcome = checkMemoryFootprint({
      profile: 'production',
      samples: [
        sample(0, 10 * MiB, 20 * MiB),
        sample(0.5, 60 * MiB, 140 * MiB),
        sample(1, 110 * MiB, 270 * MiB),
      ],
    });
    expect(outcome.verdict).toBe('pass');
    expect(
      outcome.measurements?.find((entry) => entry.name === 'anonymous bytes per db byte')?.value,
    ).toBeCloseTo(100 / 256, 2);
  });
  it('fails above the guide’s 2 GB (negative control), inconclusive without a full sample', () => {
    expect(
      checkMemoryFootprint({ profile: 'p', samples: [sample(1, GUIDE_MEMORY_BYTES, MiB)] }).verdict,
    ).toBe('fail');
    expect(checkMemoryFootprint({ profile: 'p', samples: [sample(1, MiB, MiB, false)] }).verdict).toBe(
      'inconclusive',
    );
  });
});

describe('quota.production', () => {
  const GiB = 1024 ** 3;
  const record: QuotaProductionRecord = {
    quotaBytes: 8 * GiB,
    seededDbBytes: 256 * MiB,
    fillBytes: 7.9 * GiB,
    timeToNoSpaceMs: 300_000,
    noSpaceMessage: '8 RESOURCE_EXHAUSTED: etcdserver: mvcc: database space exceeded',
    dbSizeAtNoSpaceBytes: 8 * GiB - MiB,
    alarms: ['NOSPACE'],
    recovery: {
      deleteMs: 2_000,
      compactMs: 9_000,
      defragMs: [{ member: 'm1', durationMs: 4_000, exitCode: 0 }],
      disarmMs: 100,
      totalMs: 20_000,
      putAfter: { ok: true },
      dbSizeAfterBytes: 260 * MiB,
    },
  };
  it('passes NOSPACE near the quota and a recovery that restores writes', () => {
    expect(checkProductionNoSpace(record).verdict).toBe('pass');
    expect(checkProductionRecovery(record).verdict).toBe('pass');
  });
  it('fails a refusal far below the quota, a missing alarm, a put refused after recovery (negative controls)', () => {
    expect(checkProductionNoSpace({ ...record, dbSizeAtNoSpaceBytes: 2 * GiB }).verdict).toBe('fail');
    expect(checkProductionNoSpace({ ...record, alarms: [] }).verdict).toBe('fail');
    expect(
      checkProductionRecovery({
        ...record,
        recovery: { ...record.recovery!, putAfter: { ok: false, error: 'NOSPACE' } },
      }).verdict,
    ).toBe('fail');
  });
  // Seen on 3.6.16 at the 8 GiB quota: `compact --physical` timed out at etcdctl's 5 s default, writes came back
  // after the disarm, and the db was still 7.4 GiB: that "recovery" passed before.
  it('fails a recovery whose compaction failed or that left the db near the quota', () => {
    const timedOut = checkProductionRecovery({
      ...record,
      recovery: { ...record.recovery!, compactError: 'Error: context deadline exceeded' },
    });
    expect(timedOut.verdict).toBe('fail');
    expect(timedOut.reason).toMatch(/the compaction failed: Error: context deadline exceeded/);
    const stillFull = checkProductionRecovery({
      ...record,
      recovery: { ...record.recovery!, dbSizeAfterBytes: 7.4 * GiB },
    });
    expect(stillFull.verdict).toBe('fail');
    expect(stillFull.reason).toMatch(
      /still 7577\.6 MiB after the defrag, over 50 % of the 8192\.0 MiB quota/,
    );
  });
  it('is inconclusive when skipped for disk space', () => {
    const skipped = { ...record, skipped: 'needs 30 GiB free', recovery: undefined };
    expect(checkProductionNoSpace(skipped).verdict).toBe('inconclusive');
    expect(checkProductionRecovery(skipped).reason).toMatch(/needs 30 GiB/);
  });
});
