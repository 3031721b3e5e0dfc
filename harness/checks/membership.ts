// Checks of member.replace: after a failed member is removed and a fresh one added, the new member is healthy, holds
// the same keys as the others (key counts and etcd's hashKV at a common revision), nothing acknowledged is lost, and
// the member list names the new member and not the failed one. Pure functions over what the scenario recorded.
import { type CheckOutcome, measure } from '../findings/finding.js';
import type { LedgerCheck } from '../workload/ledger-check.js';

export interface MemberReplaceRecord {
  /** The member SIGKILLed and removed. */
  readonly failed: string;
  /** The member added in its place. */
  readonly added: string;
  readonly newMemberHealthy: boolean;
  readonly newMemberHealthReason: string;
  /** Names in `etcdctl member list` after the replacement. */
  readonly memberList: readonly string[];
  /** Linearizable count of the ledger's keys, read from each member directly. */
  readonly keyCounts: Readonly<Record<string, number>>;
  /** `etcdctl endpoint hashkv --rev=<revision>` per member (undefined: that member gave no hash). */
  readonly hashes: {
    readonly revision: number;
    readonly byMember: Readonly<Record<string, number | undefined>>;
  };
  /** The ledger checked against the new member's own view. */
  readonly ledgerCheck: LedgerCheck;
  /**
   * From the first `member add` attempt to the new member reporting healthy: includes etcd refusing the add until
   * its leader has been connected to the remaining members for 5 s.
   */
  readonly addToHealthyMs: number;
}

export function checkMemberReplaced(record: MemberReplaceRecord): CheckOutcome {
  const base = { claim: 'member.replace' as const, check: 'replace a failed member with a fresh one' };
  const problems: string[] = [];
  if (!record.newMemberHealthy)
    problems.push(`the new member ${record.added} is not healthy (${record.newMemberHealthReason})`);
  if (!record.memberList.includes(record.added))
    problems.push(`member list does not name the new member ${record.added}`);
  if (record.memberList.includes(record.failed))
    problems.push(`member list still names the failed member ${record.failed}`);
  const counts = Object.entries(record.keyCounts);
  const newCount = record.keyCounts[record.added];
  if (newCount === undefined) problems.push(`no key count from the new member ${record.added}`);
  const distinctCounts = new Set(counts.map(([, count]) => count));
  if (distinctCounts.size > 1)
    problems.push(`key counts differ: ${counts.map(([member, count]) => `${member} ${count}`).join(', ')}`);
  const hashes = Object.entries(record.hashes.byMember);
  const missingHash = hashes.filter(([, hash]) => hash === undefined).map(([member]) => member);
  if (missingHash.length > 0 || hashes.length === 0)
    problems.push(
      `no hashKV at revision ${record.hashes.revision} from ${missingHash.join(', ') || 'any member'}`,
    );
  else if (new Set(hashes.map(([, hash]) => hash)).size > 1)
    problems.push(
      `hashKV at revision ${record.hashes.revision} differs: ${hashes.map(([member, hash]) => `${member} ${hash}`).join(', ')}`,
    );
  const check = record.ledgerCheck;
  if (check.missing.length > 0)
    problems.push(
      `${check.missing.length} acknowledged writes missing on the new member (first: ${check.missing[0]?.key})`,
    );
  if (check.wrongValue.length > 0)
    problems.push(`${check.wrongValue.length} values differ on the new member`);
  if (!check.ok && check.missing.length === 0 && check.wrongValue.length === 0)
    problems.push(`ledger check on the new member: ${check.summary}`);
  return {
    ...base,
    verdict: problems.length === 0 ? 'pass' : 'fail',
    reason:
      problems.length === 0
        ? `${record.added} replaced ${record.failed}, was healthy ${record.addToHealthyMs} ms after the first member add attempt and holds exactly what the others hold`
        : problems.join('; '),
    expected: `new member healthy; member list names ${record.added} and not ${record.failed}; the same key count and hashKV on every member; every acknowledged write present on the new member`,
    observed: `${record.added} ${record.newMemberHealthy ? 'healthy' : `unhealthy (${record.newMemberHealthReason})`} ${record.addToHealthyMs} ms after the first member add attempt; member list: ${record.memberList.join(', ')}; key counts: ${counts.map(([member, count]) => `${member} ${count}`).join(', ')}; hashKV at revision ${record.hashes.revision}: ${hashes.map(([member, hash]) => `${member} ${hash ?? 'none'}`).join(', ')}; ledger on ${record.added}: ${check.summary}`,
    measurements: [
      measure('first member add attempt to healthy', record.addToHealthyMs, 'ms'),
      measure('keys on the new member', newCount ?? Number.NaN, 'count'),
      measure('acknowledged writes expected', check.acknowledgedExpected, 'count'),
      measure('missing on the new member', check.missing.length, 'count'),
      measure('hash revision', record.hashes.revision, 'revision'),
    ],
  };
}
