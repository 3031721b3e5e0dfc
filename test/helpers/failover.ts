// The failover bound the leader-loss tests share: raft elects within [1×, 2×) the election timeout per round.
import { expect } from 'vitest';
import type { Failover } from '../../harness/observe/leader-timeline.js';

/**
 * Asserts that a new leader took over within 2× the election timeout per election round. Each round waits one
 * randomized election timeout in [1×, 2×); when both followers of a lost leader time out within a few ms of each
 * other they both pass pre-vote and split the vote, which costs a second round and shows as a term step of 2
 * (15 fresh-cluster pause failovers: 14 in one round, 1.0–1.7 s; one split vote, 2.5 s in two rounds).
 * More than two rounds, or rounds slower than the bound, fail.
 */
export function expectFailoverWithinElectionBound(
  failover: Failover,
  electionTimeoutMs: number,
  slackMs = 0,
): void {
  expect(failover.newLeader, 'a new leader').toBeDefined();
  expect(failover.newLeader).not.toBe(failover.previousLeader);
  const rounds = failover.electionRounds;
  expect(rounds, 'election rounds (new term − old term; wait with waitForNewLeader)').toBeDefined();
  expect(rounds).toBeGreaterThanOrEqual(1);
  expect(rounds, 'at most one split vote').toBeLessThanOrEqual(2);
  expect(failover.durationMs).toBeLessThan(rounds! * 2 * electionTimeoutMs + slackMs);
  if (rounds! > 1)
    console.log(`failover took ${rounds} election rounds (split vote): ${failover.durationMs} ms`);
}
