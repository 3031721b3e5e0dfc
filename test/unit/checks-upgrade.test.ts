// The upgrade checks over recorded data: the measured 3.5.35 → 3.6.16 rehearsal passes; a lost write, a cluster
// version that moved before the last member, a hashKV mismatch, a failed step, a skip that was NOT refused, and a
// downgrade that left a member behind each fail.
import { describe, expect, it } from 'vitest';
import {
  checkClusterVersionMoves,
  checkDowngrade,
  checkRollingKeepsData,
  checkSkipRefused,
  checkSnapshotCompat,
  checkUpgradePreconditions,
} from '../../harness/checks/upgrade.js';
import { availabilityByStep, type RehearsalStep } from '../../harness/upgrade/availability.js';
import { rehearsalPath } from '../../harness/upgrade/preconditions.js';
import type { RollingRecord } from '../../harness/upgrade/rehearsal-run.js';
import type { SkipAttemptRecord } from '../../harness/upgrade/skip-attempt.js';
import type { VersionReading } from '../../harness/upgrade/version-probe.js';
import { resolveVersion } from '../../harness/versions/version.js';
import type { AcknowledgedWrite, Ledger } from '../../harness/workload/ledger.js';
import { checkLedger, type ObservedKey } from '../../harness/workload/ledger-check.js';

const T0 = 1_000_000;
const PATH = rehearsalPath(resolveVersion('3.5'), resolveVersion('3.6'));
const DIGEST = { keys: 150, digest: '3ed5b240ad0b' };

/** Writes every 10 ms from T0 to T0+6000, acknowledged 2 ms later. */
function ledger(): Ledger {
  const acknowledged: AcknowledgedWrite[] = Array.from({ length: 600 }, (_, index) => ({
    key: `/ledger/u/w000/${String(index).padStart(9, '0')}`,
    value: `v${index}`,
    revision: index + 200,
    writer: 0,
    seq: index,
    sentAt: T0 + index * 10,
    ackAt: T0 + index * 10 + 2,
  }));
  return {
    prefix: '/ledger/u/',
    startedAt: T0,
    endedAt: T0 + 6_000,
    acknowledged,
    failed: [],
    ambiguous: [],
  };
}

function observed(of: Ledger, drop = 0): ObservedKey[] {
  return of.acknowledged.slice(drop).map((write) => ({
    key: write.key,
    value: write.value,
    createRevision: write.revision,
    modRevision: write.revision,
    version: 1,
  }));
}

const STEPS: RehearsalStep[] = [
  { name: 'm1 3.5.35 → 3.6.16', member: 'm1', startedAt: T0 + 1_000, endedAt: T0 + 2_000 },
  { name: 'm3 3.5.35 → 3.6.16', member: 'm3', startedAt: T0 + 2_000, endedAt: T0 + 3_000 },
  { name: 'm2 3.5.35 → 3.6.16', member: 'm2', startedAt: T0 + 3_000, endedAt: T0 + 4_000 },
];

function reading(member: string, at: number, server: string, cluster: string): VersionReading {
  return { member, at, server, cluster };
}

/** Cluster version 3.5.0 until 2.8 s after the last member, then 3.6.0; servers follow the steps. */
function versions(movedAt = T0 + 6_800): VersionReading[] {
  const list: VersionReading[] = [];
  for (let at = T0; at <= T0 + 8_000; at += 250) {
    for (const [member, swappedAt] of [
      ['m1', T0 + 1_500],
      ['m3', T0 + 2_500],
      ['m2', T0 + 3_500],
    ] as const)
      list.push(
        reading(member, at, at >= swappedAt ? '3.6.16' : '3.5.35', at >= movedAt ? '3.6.0' : '3.5.0'),
      );
  }
  return list;
}

function record(overrides: Partial<RollingRecord> = {}): RollingRecord {
  const history = ledger();
  return {
    path: PATH,
    steps: STEPS,
    availability: availabilityByStep(history, STEPS),
    maxOutageMs: 5_000,
    ledgerCheck: checkLedger(history, observed(history)),
    keyspace: { seeded: DIGEST, observed: DIGEST },
    hashes: { revision: 3_855, byMember: { m1: 2995674078, m2: 2995674078, m3: 2995674078 } },
    versions: versions(),
    clusterVersionTimeoutMs: 20_000,
    ...overrides,
  };
}

describe('checkRollingKeepsData', () => {
  it('passes the measured rehearsal', () => {
    const outcome = checkRollingKeepsData(record());
    expect(outcome.verdict, outcome.reason).toBe('pass');
    expect(outcome.observed).toMatch(/hashKV at revision 3855: m1 2995674078, m2 2995674078, m3 2995674078/);
  });

  it('fails a lost acknowledged write', () => {
    const history = ledger();
    const outcome = checkRollingKeepsData(
      record({ ledgerCheck: checkLedger(history, observed(history, 1)) }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/1 acknowledged writes missing \(first: \/ledger\/u\/w000\/000000000\)/);
  });

  it('fails a hashKV mismatch, and a changed seeded keyspace', () => {
    const outcome = checkRollingKeepsData(
      record({
        hashes: { revision: 3_855, byMember: { m1: 1, m2: 1, m3: 2 } },
        keyspace: { seeded: DIGEST, observed: { keys: 149, digest: 'ffff' } },
      }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/hashKV at revision 3855 differs/);
    expect(outcome.reason).toMatch(/seeded keyspace changed: 149 keys \(seeded 150\)/);
  });

  it('fails a step that did not complete and an outage longer than the bound', () => {
    const history = ledger();
    const gap: Ledger = {
      ...history,
      acknowledged: history.acknowledged.filter(
        (write) => write.ackAt < T0 + 1_200 || write.ackAt > T0 + 3_400,
      ),
    };
    const steps = [...STEPS.slice(0, 2), { ...STEPS[2]!, error: 'the member exited; etcd said: panic: …' }];
    const outcome = checkRollingKeepsData(
      record({
        steps,
        availability: availabilityByStep(gap, steps),
        maxOutageMs: 1_000,
        ledgerCheck: checkLedger(gap, observed(gap)),
      }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/step "m2 3\.5\.35 → 3\.6\.16" failed: the member exited/);
    expect(outcome.reason).toMatch(
      /step "m3 3\.5\.35 → 3\.6\.16" \(1000 ms\) was part of a 22\d\d ms stretch without an acknowledged write/,
    );
    expect(outcome.reason).toMatch(/writes stopped for 22\d\d ms \(more than 1000 ms/);
  });
});

describe('checkRollingKeepsData per step (the longest gap between acknowledged writes overlapping it)', () => {
  /** Acks every 10 ms from T0 to T0+6000, except in [gapFrom, gapTo). */
  function withGap(gapFrom: number, gapTo: number): Ledger {
    const history = ledger();
    return {
      ...history,
      acknowledged: history.acknowledged.filter((write) => write.ackAt < gapFrom || write.ackAt >= gapTo),
    };
  }
  const shortStep: RehearsalStep = {
    name: 'downgrade validate 3.5',
    startedAt: T0 + 4_505,
    endedAt: T0 + 4_530,
  };

  it('passes a 25 ms step with no acknowledgement inside but acknowledgements 10 ms on either side', () => {
    // Acks at T0+4502 and T0+4532 (every 10 ms, +2): none inside [4505, 4530), the nearest ~3 ms outside.
    const history = withGap(T0 + 4_503, T0 + 4_531);
    const steps = [...STEPS, shortStep];
    const availability = availabilityByStep(history, steps);
    const step = availability.steps[3]!;
    expect(step.acknowledged).toBe(0);
    expect(step.longestGapMs).toBe(30);
    const outcome = checkRollingKeepsData(
      record({ steps, availability, ledgerCheck: checkLedger(history, observed(history)) }),
    );
    expect(outcome.verdict, outcome.reason).toBe('pass');
    expect(outcome.observed).toMatch(/"downgrade validate 3\.5" 30 ms/);
  });

  it('fails a short step inside a real outage (negative control)', () => {
    // No acknowledged write from T0+92 to T0+5602: a 5.5 s outage around the 25 ms step.
    const history = withGap(T0 + 100, T0 + 5_600);
    const steps = [...STEPS, shortStep];
    const availability = availabilityByStep(history, steps);
    expect(availability.steps[3]!.longestGapMs).toBe(5_510);
    const outcome = checkRollingKeepsData(
      record({ steps, availability, ledgerCheck: checkLedger(history, observed(history)) }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(
      /step "downgrade validate 3\.5" \(25 ms\) was part of a 5510 ms stretch without an acknowledged write \(more than 5000 ms\)/,
    );
  });

  it('judges a step by an outage that began before it and ended after it', () => {
    // No acknowledgement after T0+892: the outage covers step m1's start and runs to the ledger's end, measured whole.
    const history = withGap(T0 + 900, T0 + 7_000);
    const availability = availabilityByStep(history, STEPS);
    expect(availability.steps[0]!.longestGapMs).toBe(5_108);
    expect(availability.steps[0]!.longestGap).toEqual({ from: T0 + 892, to: T0 + 6_000 });
    expect(checkRollingKeepsData(record({ availability })).verdict).toBe('fail');
  });
});

describe('checkClusterVersionMoves', () => {
  it('passes when the cluster version moves after the last member', () => {
    const outcome = checkClusterVersionMoves(record());
    expect(outcome.verdict, outcome.reason).toBe('pass');
    expect(outcome.reason).toMatch(/became 3\.6 3000 ms after the last member was healthy/);
  });

  it('fails a cluster version that moved while a member still ran 3.5', () => {
    const outcome = checkClusterVersionMoves(record({ versions: versions(T0 + 2_750) }));
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/became 3\.6 250 ms before the last member \(m2\) was swapped/);
  });

  it('fails a cluster version that never moved, and one that moved although a swap failed', () => {
    const never = checkClusterVersionMoves(record({ versions: versions(Number.POSITIVE_INFINITY) }));
    expect(never.verdict).toBe('fail');
    expect(never.reason).toMatch(/did not become 3\.6 within 20000 ms/);
    const steps = [...STEPS.slice(0, 2), { ...STEPS[2]!, error: 'exited' }];
    const moved = checkClusterVersionMoves(record({ steps }));
    expect(moved.verdict).toBe('fail');
    expect(moved.reason).toMatch(/although m2 never ran 3\.6\.16/);
  });
});

describe('checkSkipRefused', () => {
  const skip = (overrides: Partial<SkipAttemptRecord> = {}): SkipAttemptRecord => ({
    path: rehearsalPath(resolveVersion('3.4'), resolveVersion('3.6')),
    member: 'm2',
    harnessRefused: true,
    exited: true,
    exitCode: 2,
    exitAfterMs: 531,
    becameHealthy: false,
    refusal: 'panic: detected disallowed v2 WAL for stage --v2-deprecation=write-only (method=QGET)',
    observedForMs: 531,
    clusterHealthyAfter: true,
    keyspace: { seeded: DIGEST, observed: DIGEST },
    ...overrides,
  });

  it('passes the measured refusal, quoting etcd', () => {
    const outcome = checkSkipRefused(skip());
    expect(outcome.verdict, outcome.reason).toBe('pass');
    expect(outcome.reason).toMatch(
      /documented behaviour holds: etcd 3\.6\.16 refused .* detected disallowed v2 WAL/,
    );
  });

  it('fails a skip that was NOT refused (the member joined)', () => {
    const outcome = checkSkipRefused(
      skip({ exited: false, exitAfterMs: undefined, becameHealthy: true, refusal: undefined }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/joined the 3\.4 cluster and reported healthy: the skip was not refused/);
  });

  it('fails when the cluster did not recover afterwards', () => {
    expect(checkSkipRefused(skip({ clusterHealthyAfter: false })).verdict).toBe('fail');
  });
});

describe('checkSnapshotCompat and checkUpgradePreconditions', () => {
  it('fails a restore the new tool refused', () => {
    const outcome = checkSnapshotCompat({
      snapshotFrom: '3.5.35',
      tool: 'etcdutl 3.6.16',
      restoreExitCode: 1,
      restoreError: 'Error: snapshot file integrity check failed',
      snapshotRevision: 352,
      restoredHealthy: false,
      keyspace: { seeded: DIGEST, observed: undefined },
      ledgerCheck: undefined,
    });
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(
      /etcdutl 3\.6\.16 snapshot restore failed: Error: snapshot file integrity check failed/,
    );
  });

  it("fails a restored member that did not start, in etcd's words (the log tail is kept)", () => {
    const logTail =
      '{"level":"info","msg":"starting etcd"}\n{"level":"fatal","msg":"failed to recover v3 backend"}';
    const outcome = checkSnapshotCompat({
      snapshotFrom: '3.5.35',
      tool: 'etcdutl 3.6.16',
      restoreExitCode: 0,
      restoreError: undefined,
      snapshotRevision: 352,
      restoredHealthy: false,
      startError: 'etcd member m1 failed to start: etcd exited (code 1)',
      startLogTail: logTail,
      startRefusal: 'fatal: failed to recover v3 backend',
      keyspace: { seeded: DIGEST, observed: undefined, readError: 'not started' },
      ledgerCheck: undefined,
    });
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(
      /the restored member did not become healthy \(etcd member m1 failed to start: etcd exited \(code 1\)\); etcd said: fatal: failed to recover v3 backend/,
    );
    expect(outcome.observed).toMatch(/log tail: .*failed to recover v3 backend/);
  });

  it('fails a precondition that does not hold and leaves an unrun one inconclusive', () => {
    const failed = checkUpgradePreconditions([
      { id: 'one-minor', ok: true, detail: 'one minor', source: 's' },
      { id: 'removed-flags', ok: false, detail: '--enable-v2 is removed in 3.6', source: 's' },
    ]);
    expect(failed.verdict).toBe('fail');
    expect(failed.reason).toMatch(/not ready to upgrade: --enable-v2 is removed in 3\.6/);
    const open = checkUpgradePreconditions([
      { id: 'check-v2store', ok: undefined, detail: 'not run', source: 's' },
    ]);
    expect(open.verdict).toBe('inconclusive');
  });
});

describe('checkDowngrade', () => {
  const downgrade = rehearsalPath(resolveVersion('3.6'), resolveVersion('3.5'), { downgrade: true });
  const finalVersions = (m3: string): VersionReading[] => [
    reading('m1', T0 + 7_000, '3.5.35', '3.5.0'),
    reading('m2', T0 + 7_000, '3.5.35', '3.5.0'),
    reading('m3', T0 + 7_000, m3, '3.5.0'),
  ];
  const base = {
    procedure: 'etcdctl downgrade validate/enable 3.5, binary swap, leader last',
    apiRuns: [
      {
        command: 'etcdctl downgrade enable 3.5',
        exitCode: 0,
        output: 'Downgrade enable success, cluster version 3.6',
      },
    ],
    storageMigratedAfterMs: 3_800,
  };

  it('passes every member on the previous minor with the data intact', () => {
    const outcome = checkDowngrade({
      ...record({ path: downgrade, versions: finalVersions('3.5.35') }),
      ...base,
    });
    expect(outcome.verdict, outcome.reason).toBe('pass');
  });

  it('fails a member left on 3.6', () => {
    const outcome = checkDowngrade({
      ...record({ path: downgrade, versions: finalVersions('3.6.16') }),
      ...base,
    });
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/members not on 3\.5\.35: m3 3\.6\.16/);
  });
});
