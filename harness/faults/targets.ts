// Which members a fault hits, resolved at injection time: a member name or list, or a role (the leader, a
// follower, a quorum, ...), so "pause the leader" hits whoever leads when the fault starts.
import { timingOf } from '../cluster/flags.js';
import type { ClusterMember, StartedCluster } from '../cluster/types.js';
import { HarnessError, InputError } from '../errors.js';
import { pollUntil } from '../util/wait.js';

export const TARGET_ROLES = ['leader', 'follower', 'followers', 'quorum', 'minority', 'all'] as const;
export type TargetRole = (typeof TARGET_ROLES)[number];

/**
 * `leader`: the current leader. `follower`: one follower (the first by name). `followers`: every follower.
 * `quorum`: a majority of members, followers first (so with 3 members: both followers, and the leader is left
 * without a quorum). `minority`: ⌊(n−1)/2⌋ members, followers first. `all`: every member.
 * Or member names: `m2`, `m1,m3`.
 */
export type TargetSelector = TargetRole | string;

export const TARGET_DESCRIPTION =
  'target: leader | follower | followers | quorum (a majority, followers first) | minority | all | member names (m1,m3); default varies';

export function parseTarget(value: unknown): TargetSelector {
  const text = String(value ?? '').trim();
  if ((TARGET_ROLES as readonly string[]).includes(text)) return text;
  if (/^m[1-7](,m[1-7])*$/.test(text)) return text;
  throw new InputError(
    `Expected a fault target (${TARGET_ROLES.join(', ')}, or member names like m2 or m1,m3), got \`${text}\`.`,
  );
}

/** Member names the selector means right now. Roles need a leader; when none is agreed, that is an error. */
export async function resolveTargets(cluster: StartedCluster, selector: TargetSelector): Promise<string[]> {
  const running = cluster.members.filter((member) => member.state === 'running');
  if (/^m[1-7](,m[1-7])*$/.test(selector)) {
    const names = selector.split(',');
    for (const name of names) cluster.member(name); // throws InputError for unknown members
    return names;
  }
  if (selector === 'all') return cluster.members.map((member) => member.name);
  // A role needs a leader. Mid-election (churn is what some scenarios cause) wait for one, as an operator would: up
  // to three election timeouts.
  const waitMs = Math.max(3_000, 3 * timingOf(cluster.flags).electionTimeoutMs);
  let probes = 0;
  const leader = await pollUntil(
    // The first look uses the default timeout, later ones 1 s each.
    () => cluster.leader(probes++ === 0 ? {} : { timeoutMs: 1_000 }),
    { timeoutMs: waitMs, intervalMs: 100, what: 'a leader' },
  );
  if (!leader) {
    throw new HarnessError(
      `Cannot resolve fault target \`${selector}\`: the cluster has had no leader for ${waitMs} ms.`,
      {
        hint: 'Wait for the cluster to be healthy before injecting a role-targeted fault, or name members explicitly.',
      },
    );
  }
  const followers = running.filter((member) => member !== leader).sort(byName);
  const followersFirst: ClusterMember[] = [...followers, leader];
  const majority = Math.floor(cluster.members.length / 2) + 1;
  const minority = Math.floor((cluster.members.length - 1) / 2);
  switch (selector as TargetRole) {
    case 'leader':
      return [leader.name];
    case 'follower':
      if (!followers[0]) throw new HarnessError('Cannot target a follower: no running follower.');
      return [followers[0].name];
    case 'followers':
      return followers.map((member) => member.name);
    case 'quorum':
      return followersFirst.slice(0, majority).map((member) => member.name);
    case 'minority':
      return followersFirst.slice(0, minority).map((member) => member.name);
    default:
      throw new InputError(`Unknown fault target \`${selector}\`.`);
  }
}

function byName(a: ClusterMember, b: ClusterMember): number {
  return a.name.localeCompare(b.name);
}
