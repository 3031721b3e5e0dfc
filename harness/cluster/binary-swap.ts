// Swapping the etcd binary under a member (rolling upgrade / downgrade) as an optional ability of a started cluster,
// detected with a type guard like membership changes.
import type { EtcdBinaries } from '../binaries/types.js';
import type { EtcdFlags } from './flags.js';
import type { ClusterMember, StartedCluster, StopSignal } from './types.js';

export interface SwapOptions {
  /** How the old binary is stopped (default SIGTERM: the upgrade guides stop members gracefully). */
  readonly signal?: StopSignal;
  /** Replaces the member's user flags (cluster + member flags) for the new binary, e.g. without a removed flag. */
  readonly flags?: EtcdFlags;
  /** Wait this long for the member to report healthy on the new binary (default 60 s); 0 skips the wait. */
  readonly timeoutMs?: number;
}

export interface BinarySwap {
  /**
   * Stops the member, then starts it on `binaries` with the same data dir, topology and flags (log flags follow the
   * new version's capabilities), and waits until it is healthy. The member object stays the same. When every member
   * runs the same binaries, the cluster's own tools (`etcdctl`, `etcdutl`) switch to them too.
   */
  swapMemberBinaries(name: string, binaries: EtcdBinaries, options?: SwapOptions): Promise<ClusterMember>;
  /** The binaries a member runs now. */
  memberBinaries(name: string): EtcdBinaries;
}

export function supportsBinarySwap(cluster: StartedCluster): cluster is StartedCluster & BinarySwap {
  const candidate = cluster as Partial<BinarySwap>;
  return typeof candidate.swapMemberBinaries === 'function' && typeof candidate.memberBinaries === 'function';
}
