// Runtime membership changes (`etcdctl member add/remove`) as an optional ability of a started cluster, detected with
// a type guard: scenarios hold a `StartedCluster` and ask whether its backend can replace members.
import type { EtcdFlags } from './flags.js';
import type { ClusterMember, StartedCluster } from './types.js';

export interface MembershipChanges {
  /** `etcdctl member add`, then starts the member with an empty data dir; resolves when it is healthy. */
  addMember(name?: string, options?: { flags?: EtcdFlags; timeoutMs?: number }): Promise<ClusterMember>;
  /** `etcdctl member remove <id>` through the other members, then stops the member and removes its proxies. */
  removeMember(name: string): Promise<void>;
  /** Member ids (hex) by name, from `etcdctl member list`. */
  memberIds(): Promise<Record<string, string>>;
}

export function supportsMembershipChanges(
  cluster: StartedCluster,
): cluster is StartedCluster & MembershipChanges {
  const candidate = cluster as Partial<MembershipChanges>;
  return (
    typeof candidate.addMember === 'function' &&
    typeof candidate.removeMember === 'function' &&
    typeof candidate.memberIds === 'function'
  );
}
