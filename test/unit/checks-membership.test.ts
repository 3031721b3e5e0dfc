// member.replace over recorded data: the measured replacement passes; a new member missing keys, a hashKV mismatch,
// a member list that still names the failed member, and an unhealthy new member each fail.
import { describe, expect, it } from 'vitest';
import { checkMemberReplaced, type MemberReplaceRecord } from '../../harness/checks/membership.js';
import type { AcknowledgedWrite, Ledger } from '../../harness/workload/ledger.js';
import { checkLedger, type ObservedKey } from '../../harness/workload/ledger-check.js';

const PREFIX = '/ledger/m/';

function ledger(writes: number): Ledger {
  const acknowledged: AcknowledgedWrite[] = Array.from({ length: writes }, (_, index) => ({
    key: `${PREFIX}w${String(index % 3).padStart(3, '0')}/${String(index).padStart(9, '0')}`,
    value: `v${index}`,
    revision: index + 2,
    writer: index % 3,
    seq: Math.floor(index / 3),
    sentAt: 1_000 + index,
    ackAt: 1_001 + index,
  }));
  return { prefix: PREFIX, startedAt: 1_000, endedAt: 9_000, acknowledged, failed: [], ambiguous: [] };
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

/** The measured 3.6.16 quick run (4014 acknowledged writes, hashKV equal at 4015). */
function measured(overrides: Partial<MemberReplaceRecord> = {}): MemberReplaceRecord {
  const history = ledger(4_014);
  return {
    failed: 'm1',
    added: 'm4',
    newMemberHealthy: true,
    newMemberHealthReason: '',
    memberList: ['m3', 'm4', 'm2'],
    keyCounts: { m2: 4_014, m3: 4_014, m4: 4_014 },
    hashes: { revision: 4_015, byMember: { m2: 2706707408, m3: 2706707408, m4: 2706707408 } },
    ledgerCheck: checkLedger(history, observed(history)),
    addToHealthyMs: 4_546,
    ...overrides,
  };
}

describe('checkMemberReplaced', () => {
  it('passes the measured replacement', () => {
    const outcome = checkMemberReplaced(measured());
    expect(outcome.verdict, outcome.reason).toBe('pass');
    expect(outcome.observed).toContain(
      'hashKV at revision 4015: m2 2706707408, m3 2706707408, m4 2706707408',
    );
  });

  it('fails a new member that is missing keys', () => {
    const history = ledger(4_014);
    const outcome = checkMemberReplaced(
      measured({
        keyCounts: { m2: 4_014, m3: 4_014, m4: 4_000 },
        hashes: { revision: 4_015, byMember: { m2: 2706707408, m3: 2706707408, m4: 1234 } },
        ledgerCheck: checkLedger(history, observed(history, 14)),
      }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/key counts differ: m2 4014, m3 4014, m4 4000/);
    expect(outcome.reason).toMatch(/hashKV at revision 4015 differs/);
    expect(outcome.reason).toMatch(/14 acknowledged writes missing on the new member/);
  });

  it('fails when a member gave no hash', () => {
    const outcome = checkMemberReplaced(
      measured({ hashes: { revision: 4_015, byMember: { m2: 1, m3: 1, m4: undefined } } }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/no hashKV at revision 4015 from m4/);
  });

  it('fails when the member list still names the failed member, or lacks the new one', () => {
    const outcome = checkMemberReplaced(measured({ memberList: ['m1', 'm2', 'm3'] }));
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/does not name the new member m4/);
    expect(outcome.reason).toMatch(/still names the failed member m1/);
  });

  it('fails an unhealthy new member', () => {
    const outcome = checkMemberReplaced(
      measured({ newMemberHealthy: false, newMemberHealthReason: 'RAFT NO LEADER' }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/not healthy \(RAFT NO LEADER\)/);
  });
});
