// Leader changes on demand: `etcdctl move-leader`, sent to the current leader, hands leadership to another member in
// milliseconds. Under time compression a "minute" is seconds, shorter than the election timeouts that pausing or
// killing a leader would cost, so an alert on leader changes per minute is tripped by transfers; etcd counts each
// one in etcd_server_leader_changes_seen_total like any other change.
import type { StartedCluster } from '../cluster/types.js';
import { HarnessError } from '../errors.js';

export interface LeaderTransfer {
  readonly from: string;
  readonly to: string;
  /** Epoch ms when etcdctl returned. */
  readonly at: number;
  readonly command: string;
}

/** Member name → hex member id, from `etcdctl member list` (simple output keeps the ids exact; JSON would round). */
export async function memberIds(cluster: StartedCluster): Promise<Map<string, string>> {
  const { stdout } = await cluster.etcdctl(['member', 'list']);
  const ids = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const [id, , name] = line.split(',').map((field) => field.trim());
    if (id && name) ids.set(name, id);
  }
  if (ids.size === 0)
    throw new HarnessError(`\`etcdctl member list\` printed no members: ${stdout.slice(0, 200)}`);
  return ids;
}

/** Moves leadership `count` times, each time to the next member in order, as fast as etcd completes each move. */
export async function transferLeadership(
  cluster: StartedCluster,
  options: { count: number; signal?: AbortSignal },
): Promise<LeaderTransfer[]> {
  const ids = await memberIds(cluster);
  const transfers: LeaderTransfer[] = [];
  for (let index = 0; index < options.count; index++) {
    options.signal?.throwIfAborted();
    const leader = await cluster.leader({ timeoutMs: 10_000 });
    if (!leader) throw new HarnessError('no leader to move leadership from');
    const names = cluster.members.map((member) => member.name);
    const next = names[(names.indexOf(leader.name) + 1) % names.length] ?? '';
    const id = ids.get(next);
    if (!id) throw new HarnessError(`no member id for ${next}`);
    const result = await cluster.etcdctl(['move-leader', id], { members: [leader.name], timeoutMs: 15_000 });
    transfers.push({ from: leader.name, to: next, at: Date.now(), command: result.command });
  }
  return transfers;
}
