// Maintenance procedures through etcdctl, as the guide runs them: endpoint status, compact, defrag, alarms.
import type { StartedCluster } from '../cluster/types.js';
import { procedureError, type ToolRun, toolRunOf } from './tool-run.js';

export interface EndpointStatus {
  readonly member: string;
  readonly endpoint: string;
  readonly revision: number;
  readonly dbSizeBytes: number;
  readonly dbSizeInUseBytes: number;
  readonly raftIndex: number;
  readonly isLeader: boolean;
  readonly errors: readonly string[];
}

interface RawStatus {
  readonly Endpoint: string;
  readonly Status: {
    readonly header: { readonly revision: number; readonly member_id: number };
    readonly leader: number;
    readonly dbSize: number;
    readonly dbSizeInUse?: number;
    readonly raftIndex: number;
    readonly errors?: string[];
  };
}

/** `etcdctl endpoint status -w json` for each running member (or those named). */
export async function endpointStatus(
  cluster: StartedCluster,
  members?: readonly string[],
): Promise<{ run: ToolRun; statuses: EndpointStatus[] }> {
  const targets =
    members ?? cluster.members.filter((member) => member.state === 'running').map((member) => member.name);
  const result = await cluster.etcdctl<RawStatus[]>(['endpoint', 'status'], {
    json: true,
    members: targets,
    allowFailure: true,
  });
  if (result.exitCode !== 0 || !result.json) throw procedureError('etcdctl endpoint status', result);
  const byEndpoint = new Map(cluster.members.map((member) => [member.urls.client, member.name]));
  // member_id and leader are uint64: compare them as text, not as (rounded) JSON numbers.
  const raw = result.stdout;
  const statuses = result.json.map((entry, index) => {
    const ids = [...raw.matchAll(/"member_id":(\d+)/g)].map((match) => match[1]);
    const leaders = [...raw.matchAll(/"leader":(\d+)/g)].map((match) => match[1]);
    return {
      member: byEndpoint.get(entry.Endpoint) ?? entry.Endpoint,
      endpoint: entry.Endpoint,
      revision: Number(entry.Status.header.revision),
      dbSizeBytes: Number(entry.Status.dbSize),
      dbSizeInUseBytes: Number(entry.Status.dbSizeInUse ?? Number.NaN),
      raftIndex: Number(entry.Status.raftIndex),
      isLeader: ids[index] !== undefined && ids[index] === leaders[index],
      errors: entry.Status.errors ?? [],
    };
  });
  return { run: toolRunOf(result), statuses };
}

/**
 * `etcdctl compact REV --physical`: it returns once every member has applied the compaction. etcdctl's default 5 s
 * command timeout is far too short for that on a large db: measured on 3.6.16, a 4 GiB keyspace and an 8 GiB quota's
 * filler both ended in "context deadline exceeded" at 5.0 s while the members went on compacting, and the defrags
 * after them waited (one took 209 s instead of 2.5 s).
 */
export async function compact(cluster: StartedCluster, revision: number): Promise<ToolRun> {
  const result = await cluster.etcdctl(
    ['compact', String(revision), '--physical', `--command-timeout=${COMPACT_TIMEOUT_S}s`],
    { allowFailure: true, timeoutMs: (COMPACT_TIMEOUT_S + 30) * 1000 },
  );
  return toolRunOf(result);
}

/**
 * Long enough for a physical compaction of an 8 GiB db on a slow shared disk (204 s measured for the quota's 7.5 GiB
 * of filler); small ones return in milliseconds.
 */
const COMPACT_TIMEOUT_S = 1_800;

/** `etcdctl defrag` on each named member (one at a time, as etcd's docs advise). */
export async function defrag(cluster: StartedCluster, members?: readonly string[]): Promise<ToolRun[]> {
  const runs: ToolRun[] = [];
  for (const member of members ?? cluster.members.map((entry) => entry.name)) {
    runs.push(
      toolRunOf(
        await cluster.etcdctl(['defrag', '--command-timeout=60s'], { members: [member], allowFailure: true }),
      ),
    );
  }
  return runs;
}
