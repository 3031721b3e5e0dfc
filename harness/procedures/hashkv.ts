// `etcdctl endpoint hashkv` at one revision every member has applied: equal hashes mean equal key-value histories.
import type { StartedCluster } from '../cluster/types.js';
import { TimeoutError } from '../errors.js';
import { waitFor } from '../util/wait.js';
import { endpointStatus } from './maintenance.js';
import { type ToolRun, toolRunOf } from './tool-run.js';

interface HashKvJson {
  readonly Endpoint: string;
  readonly HashKV?: { readonly hash?: number };
}

export interface MemberHashes {
  readonly revision: number;
  /** Per member; undefined when the member gave no hash. */
  readonly byMember: Record<string, number | undefined>;
  readonly run: ToolRun;
}

/** Waits (up to `settleMs`) until the members report one revision (writers stopped), then hashes at it. */
export async function hashKvAtCommonRevision(
  cluster: StartedCluster,
  members: readonly string[] = cluster.members.map((member) => member.name),
  settleMs = 5_000,
): Promise<MemberHashes> {
  const revision = await commonRevision(cluster, members, settleMs);
  const result = await cluster.etcdctl<HashKvJson[]>(['endpoint', 'hashkv', `--rev=${revision}`], {
    json: true,
    members,
    allowFailure: true,
  });
  const byEndpoint = new Map(cluster.members.map((member) => [member.urls.client, member.name]));
  const byMember: Record<string, number | undefined> = Object.fromEntries(
    members.map((name) => [name, undefined]),
  );
  for (const entry of result.json ?? []) {
    const name = byEndpoint.get(entry.Endpoint);
    if (name && typeof entry.HashKV?.hash === 'number') byMember[name] = entry.HashKV.hash;
  }
  const run = toolRunOf(result);
  return { revision, byMember, run };
}

async function commonRevision(
  cluster: StartedCluster,
  members: readonly string[],
  settleMs: number,
): Promise<number> {
  let last: number[] = [];
  try {
    return await waitFor(
      async () => {
        const { statuses } = await endpointStatus(cluster, members);
        last = statuses.map((status) => status.revision);
        return new Set(last).size === 1 && statuses.length === members.length ? Math.min(...last) : undefined;
      },
      { timeoutMs: settleMs, intervalMs: 100, what: 'every member at the same revision' },
    );
  } catch (error) {
    // Not settled in time (writes still arriving): the lowest revision every member has.
    if (error instanceof TimeoutError && last.length > 0) return Math.min(...last);
    throw error;
  }
}
