// The contract between the shared cluster (etcd-cluster.ts) and a backend (process/, docker/): a backend provisions
// members (network place, proxies, certificates, data dir), builds them, and releases what it made. Implementations
// import this file; it imports no implementation.
import type { EtcdBinaries } from '../binaries/types.js';
import type { ClientTls } from './clients.js';
import type { EtcdFlags } from './flags.js';
import type { ProxyInfo } from './toxiproxy-control.js';
import type { ClusterMember, MemberExit, MemberUrls } from './types.js';

/** How a member is started: what `etcd` needs to join (or form) this cluster, besides its place on the network. */
export interface MemberArgs {
  /** `name=peerURL,...` for every member the new one should know. */
  readonly initialCluster: string;
  readonly state: 'new' | 'existing';
  readonly token: string;
  readonly flags: EtcdFlags;
}

/** Everything a backend provisioned for one member before it runs. */
export interface MemberPlan {
  readonly name: string;
  readonly proxies: { readonly client: ProxyInfo; readonly peer: ProxyInfo };
  readonly urls: MemberUrls;
  readonly memberDir: string;
  /** The data dir on this host (containers mount it). */
  readonly dataDir: string;
  readonly logPath: string;
  /** A size-limited filesystem on the data dir, unmounted when the cluster is removed. */
  readonly mount: { unmount(): Promise<void> } | undefined;
}

/** A member as the cluster drives it, whatever runs it (a process, a container). */
export interface ManagedMember extends ClusterMember {
  /** The release the member runs from its next start on (a binary swap); only while it is not running. */
  useRelease(binaries: EtcdBinaries, args: readonly string[]): Promise<void>;
  /** True once the member answers on its metrics listener (bootstrap done). */
  serving(): Promise<boolean>;
  /** Teardown: heal isolations, close clients, SIGKILL (or a graceful stop), release what it holds. */
  dispose(graceful: boolean): Promise<MemberExit | undefined>;
}

/** What a backend does for the shared cluster. */
export interface MemberBackend<Plan extends MemberPlan, Member extends ManagedMember> {
  readonly clientTls: ClientTls | undefined;
  /** Provisions members; on failure releases what it made. `indexBase` counts members provisioned before. */
  provision(names: readonly string[], indexBase?: number): Promise<Plan[]>;
  /** The etcd arguments for a planned member on `binaries`: topology (managed) first, then the user's flags. */
  args(plan: Plan, args: MemberArgs, binaries: EtcdBinaries): string[];
  build(plan: Plan, args: MemberArgs, binaries: EtcdBinaries): Member;
  /**
   * Removes a member's proxies, then its place on the network (after the member is disposed; its data dir and log
   * stay until the cluster is removed). In that order: Toxiproxy dials upstreams synchronously in each proxy's accept
   * loop and deletes a proxy under its collection lock, so a proxy whose upstream address vanished first (no answer,
   * not even a reset) stalls every API call for its 25 s handler timeout (HTTP 503).
   */
  releaseNetwork(plan: Plan): Promise<void>;
  /** Removes what the backend holds for the whole cluster (after every member is gone). */
  releaseCluster(): Promise<void>;
}

/** Cutting a member off at the network layer (the proxies alone leak: see network/plane.ts). */
export interface NetworkCut {
  readonly canIsolate: boolean;
  /** Why `isolate` is impossible, and what to do, when `canIsolate` is false. */
  readonly cannotIsolate?: { readonly reason: string; readonly hint: string };
  /** Drops every packet the member sends to peer proxies (its outbound raft traffic). */
  blockOutboundPeers(): Promise<void>;
  unblockOutboundPeers(): Promise<void>;
  /** Nothing in or out. */
  cutLink(): Promise<void>;
  restoreLink(): Promise<void>;
}
