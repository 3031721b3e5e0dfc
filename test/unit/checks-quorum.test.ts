// The quorum checks over recorded and hand-built data: a run like the measured ones passes, and each way the claims
// can break (writes stopping with one member lost, requests answered without quorum, nothing acknowledged after
// recovery, a lost write) fails.
import { describe, expect, it } from 'vitest';
import {
  checkOneLoss,
  checkTwoLoss,
  type OneLossRecord,
  type ProbeOutcome,
  type TwoLossRecord,
} from '../../harness/checks/quorum.js';
import type { AcknowledgedWrite, Ledger } from '../../harness/workload/ledger.js';
import { checkLedger, type ObservedKey } from '../../harness/workload/ledger-check.js';

const PREFIX = '/ledger/q/';
const T0 = 1_800_000_000_000;
const KILL = T0 + 1_500;
const HEAL = T0 + 4_000;

/**
 * A steady ledger like the scenario's (6 writers, 2 per member, one put every 20 ms each) where m1's writers get
 * nothing acknowledged while m1 is down; `survivorAck` can drop or delay the survivors' acknowledgements.
 */
function steadyLedger(survivorAck: (at: number) => boolean = () => true, until = T0 + 5_000): Ledger {
  const acknowledged: AcknowledgedWrite[] = [];
  let revision = 1;
  for (let at = T0; at < until; at += 20) {
    for (let writer = 0; writer < 6; writer++) {
      const member = `m${(writer % 3) + 1}`;
      const down = at >= KILL && at < HEAL;
      if (member === 'm1' && down) continue;
      if (member !== 'm1' && down && !survivorAck(at)) continue;
      revision++;
      acknowledged.push({
        key: `${PREFIX}w${writer}/${at}`,
        value: `v-${writer}-${at}`,
        revision,
        writer,
        seq: (at - T0) / 20,
        sentAt: at,
        ackAt: at + 3,
        member,
      });
    }
  }
  return { prefix: PREFIX, startedAt: T0, endedAt: until, acknowledged, failed: [], ambiguous: [] };
}

function observedOf(ledger: Ledger, drop = 0): ObservedKey[] {
  return ledger.acknowledged.slice(drop).map((write) => ({
    key: write.key,
    value: write.value,
    createRevision: write.revision,
    modRevision: write.revision,
    version: 1,
  }));
}

function oneLoss(ledger: Ledger, overrides: Partial<OneLossRecord> = {}): OneLossRecord {
  return {
    ledger,
    lost: 'm1',
    lostRole: 'follower',
    survivors: ['m2', 'm3'],
    before: { from: T0 + 500, to: KILL },
    during: { from: KILL, to: HEAL },
    maxGapMs: 1_000,
    minRateRatio: 0.25,
    ledgerCheck: checkLedger(ledger, observedOf(ledger)),
    ...overrides,
  };
}

describe('checkOneLoss', () => {
  it('passes when the survivors keep their rate and nothing is lost', () => {
    const outcome = checkOneLoss(oneLoss(steadyLedger()));
    expect(outcome.verdict, outcome.reason).toBe('pass');
    const rate = (name: string) => outcome.measurements?.find((entry) => entry.name === name)?.value;
    expect(rate('survivor puts/s before')).toBeCloseTo(200, 0);
    expect(rate('survivor puts/s during')).toBeCloseTo(200, 0);
    expect(outcome.observed).toContain('200 puts/s over 2.5 s without m1');
  });

  it('fails when the survivors stop acknowledging writes (negative control)', () => {
    const outcome = checkOneLoss(oneLoss(steadyLedger(() => false)));
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toContain('no write was acknowledged through the survivors');
  });

  it('fails when the survivors slow to a trickle (negative control)', () => {
    // One survivor acknowledgement round in ten: 10 % of the rate, still no long pause.
    const outcome = checkOneLoss(oneLoss(steadyLedger((at) => (at - KILL) % 200 === 0)));
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toContain('throughput fell to 10 %');
  });

  it('fails when writes pause longer than allowed (negative control)', () => {
    // Nothing for 1.5 s after the kill, then full speed: the rate ratio alone would pass.
    const outcome = checkOneLoss(oneLoss(steadyLedger((at) => at >= KILL + 1_500)));
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/writes paused for 15\d\d ms/);
  });

  it('allows an election-sized pause when told to (leader loss)', () => {
    const outcome = checkOneLoss(
      oneLoss(
        steadyLedger((at) => at >= KILL + 1_500),
        { maxGapMs: 4_000 },
      ),
    );
    expect(outcome.verdict, outcome.reason).toBe('pass');
  });

  it('fails when an acknowledged write is missing afterwards (negative control)', () => {
    const ledger = steadyLedger();
    const outcome = checkOneLoss(
      oneLoss(ledger, { ledgerCheck: checkLedger(ledger, observedOf(ledger, 1)) }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toContain('the ledger check failed');
  });

  it('is inconclusive without a baseline', () => {
    const ledger = steadyLedger();
    const outcome = checkOneLoss(oneLoss(ledger, { before: { from: T0 - 2_000, to: T0 - 1_000 } }));
    expect(outcome.verdict).toBe('inconclusive');
  });
});

/** Probe outcomes as a 3.6.16 run recorded them (quorum scenario, quick). */
const TIMED_OUT_PUT: ProbeOutcome = {
  ok: false,
  durationMs: 1505,
  failure: {
    kind: 'ambiguous',
    reason: 'deadline-exceeded',
    message:
      '4 DEADLINE_EXCEEDED: Deadline exceeded after 1.500s,metadata filters: 0.001s,remote_addr=127.0.0.1:36503',
  },
};
const TIMED_OUT_GET: ProbeOutcome = { ...TIMED_OUT_PUT, durationMs: 1501 };
const SERIALIZABLE: ProbeOutcome = { ok: true, durationMs: 9, value: 'marker-1795517749018' };

function twoLoss(overrides: Partial<TwoLossRecord> = {}): TwoLossRecord {
  const ledger = steadyLedger();
  return {
    lost: ['m1', 'm3'],
    remaining: 'm2',
    callTimeoutMs: 1_500,
    linearizablePut: TIMED_OUT_PUT,
    linearizableGet: TIMED_OUT_GET,
    serializableGet: SERIALIZABLE,
    expectedValue: 'marker-1795517749018',
    leaderlessAfterMs: 1_831,
    recovery: {
      returned: 'm1',
      healthyAfterMs: 1_595,
      firstWriteAfterMs: 1_570,
      boundMs: 20_000,
      ledgerWritesAfter: 169,
    },
    ledgerCheck: checkLedger(ledger, observedOf(ledger)),
    ...overrides,
  };
}

describe('checkTwoLoss', () => {
  it('passes on the recorded run', () => {
    const outcome = checkTwoLoss(twoLoss());
    expect(outcome.verdict, outcome.reason).toBe('pass');
    expect(outcome.observed).toContain('DEADLINE_EXCEEDED');
    expect(outcome.observed).toContain('m2 reported no leader 1831 ms after the second loss');
    expect(
      outcome.measurements?.find((entry) => entry.name === 'first write after the member returned')?.value,
    ).toBe(1_570);
  });

  it('accepts etcd saying it has no leader', () => {
    const noLeader: ProbeOutcome = {
      ok: false,
      durationMs: 3,
      failure: { kind: 'ambiguous', reason: 'no-leader', message: 'etcdserver: no leader' },
    };
    expect(checkTwoLoss(twoLoss({ linearizablePut: noLeader })).verdict).toBe('pass');
  });

  it('fails when a linearizable write succeeds without quorum (negative control)', () => {
    const outcome = checkTwoLoss(twoLoss({ linearizablePut: { ok: true, durationMs: 4 } }));
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toContain('a linearizable put succeeded without quorum');
  });

  it('fails when a linearizable read answers without quorum (negative control)', () => {
    const outcome = checkTwoLoss(twoLoss({ linearizableGet: { ok: true, durationMs: 2, value: 'stale' } }));
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toContain('a linearizable get succeeded without quorum');
  });

  it('fails when requests fail for another reason than a timeout (negative control)', () => {
    const refused: ProbeOutcome = {
      ok: false,
      durationMs: 1,
      failure: { kind: 'definite', reason: 'not-connected', message: 'No connection established' },
    };
    const outcome = checkTwoLoss(twoLoss({ linearizablePut: refused }));
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toContain('not by timing out');
  });

  it('fails when the serializable read fails or returns something else (negative control)', () => {
    expect(checkTwoLoss(twoLoss({ serializableGet: TIMED_OUT_GET })).verdict).toBe('fail');
    const stale = checkTwoLoss(
      twoLoss({ serializableGet: { ok: true, durationMs: 2, value: 'marker-older' } }),
    );
    expect(stale.verdict).toBe('fail');
    expect(stale.reason).toContain('instead of the last acknowledged value');
  });

  it('fails when writes do not resume after a member returns (negative control)', () => {
    const outcome = checkTwoLoss(
      twoLoss({
        recovery: {
          returned: 'm1',
          healthyAfterMs: undefined,
          firstWriteAfterMs: undefined,
          boundMs: 20_000,
          ledgerWritesAfter: 0,
        },
      }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toContain('no write succeeded within 20000 ms');
  });

  it('fails when an acknowledged write is lost (negative control)', () => {
    const ledger = steadyLedger();
    const outcome = checkTwoLoss(twoLoss({ ledgerCheck: checkLedger(ledger, observedOf(ledger, 3)) }));
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toContain('3 missing');
  });
});
