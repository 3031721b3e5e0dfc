// Labels on every container, network and volume the docker backend creates: which run made it and whether that
// run's process is still alive (pid + start time, as for local processes), so cleanup needs no journal and never
// touches a live run's objects.
import { processStartTime } from '../../runstate/proc.js';

export const LABEL = {
  run: 'etcd-chaos.run',
  ownerPid: 'etcd-chaos.owner-pid',
  ownerStart: 'etcd-chaos.owner-start',
  cluster: 'etcd-chaos.cluster',
  /** `member`, `member-net` (its network holder), `toxiproxy`, `network`. */
  role: 'etcd-chaos.role',
  member: 'etcd-chaos.member',
} as const;

export type ObjectRole = 'member' | 'member-net' | 'toxiproxy' | 'network';

export function runLabels(runId: string): Record<string, string> {
  return {
    [LABEL.run]: runId,
    [LABEL.ownerPid]: String(process.pid),
    [LABEL.ownerStart]: processStartTime(process.pid) ?? '',
  };
}

export function objectLabels(
  runId: string,
  cluster: string,
  role: ObjectRole,
  member?: string,
): Record<string, string> {
  return {
    ...runLabels(runId),
    [LABEL.cluster]: cluster,
    [LABEL.role]: role,
    ...(member ? { [LABEL.member]: member } : {}),
  };
}
