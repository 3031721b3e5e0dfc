// Starts one member of a running cluster on a release two minors newer (the skip the guides forbid), watches what
// etcd does with it, then puts the member back on its old release: the evidence for upgrade.no-skip.
import type { EtcdBinaries } from '../binaries/types.js';
import { describeError } from '../errors.js';
import { pollUntil } from '../util/wait.js';
import type { KeyspaceComparison } from './keyspace.js';
import type { RehearsalPath } from './preconditions.js';
import { refusalLine, type SwappableCluster } from './rehearsal.js';

/** What a skip attempt (a member of an old cluster started on a release two minors newer) recorded. */
export interface SkipAttemptRecord {
  readonly path: RehearsalPath;
  readonly member: string;
  /** The harness's own precondition verdict on the path (one-minor). */
  readonly harnessRefused: boolean;
  /** The member process ended on its own within the observation window. */
  readonly exited: boolean;
  readonly exitCode: number | null | undefined;
  readonly exitAfterMs: number | undefined;
  /** It reported healthy on the skipped release (joined the cluster): the skip was not refused. */
  readonly becameHealthy: boolean;
  /** etcd's own words: the fatal/panic line of the member's log, or the last line. */
  readonly refusal: string | undefined;
  readonly observedForMs: number;
  /** The rest of the cluster kept serving, and after the member went back to the old release it was healthy again. */
  readonly clusterHealthyAfter: boolean;
  /** Why the cluster was not healthy again, when it was not. */
  readonly recoveryError?: string;
  readonly keyspace: KeyspaceComparison;
}

export interface SkipAttemptOptions {
  readonly cluster: SwappableCluster;
  readonly path: RehearsalPath;
  /** The skipped-to release. */
  readonly binaries: EtcdBinaries;
  /** How long to watch the member (default 15 s): it must exit, or it counts as not refused. */
  readonly observeMs?: number;
  readonly harnessRefused: boolean;
}

export type SkipAttemptObservation = Omit<SkipAttemptRecord, 'keyspace' | 'path' | 'harnessRefused'>;

export async function attemptSkip(options: SkipAttemptOptions): Promise<SkipAttemptObservation> {
  const { cluster, binaries } = options;
  const observeMs = options.observeMs ?? 15_000;
  const leader = await cluster.leader({ timeoutMs: 5_000 });
  const member = cluster.members.find((candidate) => candidate !== leader) ?? cluster.members[0]!;
  const original = cluster.memberBinaries(member.name);
  const startedAt = Date.now();
  await cluster.swapMemberBinaries(member.name, binaries, { timeoutMs: 0 });
  // Until etcd refuses (the member exits) or accepts (it reports healthy) the skipped release, for `observeMs`.
  const outcome = await pollUntil(
    async () => {
      if (member.state === 'exited') return { exitAfterMs: Date.now() - startedAt, becameHealthy: false };
      if ((await member.health()).healthy) return { exitAfterMs: undefined, becameHealthy: true };
      return undefined;
    },
    {
      timeoutMs: Math.max(0, startedAt + observeMs - Date.now()),
      intervalMs: 100,
      what: `${member.name} on ${binaries.version} to exit or become healthy`,
    },
  );
  const becameHealthy = outcome?.becameHealthy ?? false;
  const exitAfterMs = outcome?.exitAfterMs;
  const log = await member.tailLog(400);
  const exit = member.exit;
  // Back to the old release, as an operator would after a refused start: the cluster must be whole again.
  // Not healthy again is part of the finding: keep why.
  const recovery = await cluster
    .swapMemberBinaries(member.name, original, { timeoutMs: 30_000 })
    .then(() => cluster.waitHealthy({ timeoutMs: 30_000 }))
    .then(
      () => undefined,
      (error: unknown) => describeError(error).split('\n')[0],
    );
  return {
    member: member.name,
    exited: exitAfterMs !== undefined,
    exitCode: exit?.code,
    exitAfterMs,
    becameHealthy,
    refusal: refusalLine(log),
    observedForMs: Math.min(observeMs, Date.now() - startedAt),
    clusterHealthyAfter: recovery === undefined,
    ...(recovery ? { recoveryError: recovery } : {}),
  };
}
