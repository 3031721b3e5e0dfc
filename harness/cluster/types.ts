// The cluster contract shared by every backend: started clusters, their members, and what a stopped one leaves.
import type { Etcd3 } from 'etcd3';
import type { EtcdBinaries } from '../binaries/types.js';
import type { Session } from '../session.js';
import type { RunResult } from '../util/exec.js';
import type { EtcdVersion } from '../versions/version.js';
import type { ClientTls } from './clients.js';
import type { EtcdFlags } from './flags.js';
import type { HealthReport } from './health.js';
import type { NetworkMode } from './network/plane.js';
import type { TlsMaterial } from './tls.js';
import type { ProxyInfo, ToxiproxyControl } from './toxiproxy-control.js';

export type Backend = 'process' | 'docker';

/** Where members live: the process backend's planes, or a docker network per cluster. */
export type ClusterNetwork = NetworkMode | 'docker';

/** `running`: up; `paused`: SIGSTOPped; `stopped`: stopped by the harness; `exited`: died on its own. */
export type MemberState = 'running' | 'paused' | 'stopped' | 'exited';

export type StopSignal = 'SIGTERM' | 'SIGKILL' | 'SIGINT';

export interface MemberExit {
  readonly code: number | null;
  readonly signal: string | null;
}

export interface MemberUrls {
  /** Client URL through the member's client proxy: what clients use. */
  readonly client: string;
  /** The member's own client listener (bypasses Toxiproxy). */
  readonly clientDirect: string;
  /** Advertised peer URL: the member's peer proxy. */
  readonly peer: string;
  readonly peerDirect: string;
  /** Plain-HTTP metrics listener (`/metrics`, `/health`). */
  readonly metrics: string;
}

export interface MemberProxies {
  readonly client: ProxyInfo;
  readonly peer: ProxyInfo;
}

/** `peer`: raft traffic cut both ways, clients still reach the member. `all`: nothing in or out. */
export type IsolationScope = 'peer' | 'all';

export interface Isolation {
  readonly member: string;
  readonly scope: IsolationScope;
  heal(): Promise<void>;
}

export interface ClusterMember {
  readonly name: string;
  readonly urls: MemberUrls;
  readonly dataDir: string;
  readonly logPath: string;
  readonly state: MemberState;
  /** Process id of the etcd process on this host (undefined while stopped). */
  readonly pid: number | undefined;
  /** How the member last exited (undefined while it has not). */
  readonly exit: MemberExit | undefined;
  readonly proxies: MemberProxies;
  /** Whether `isolate` can cut this member off (needs the netns plane or containers). */
  readonly canIsolate: boolean;
  /** Effective etcd arguments (without the binary). */
  readonly args: readonly string[];

  /** Starts a stopped member with its existing data dir; resolves when the process runs (not when healthy). */
  start(): Promise<void>;
  /** Sends `signal` (default SIGTERM) and waits up to `timeoutMs` (default 10 s) before SIGKILL. */
  stop(options?: { signal?: StopSignal; timeoutMs?: number }): Promise<MemberExit>;
  kill(): Promise<MemberExit>;
  /** SIGSTOP: the process stays, but answers nothing. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Stop (SIGTERM by default) then start with the same data dir. */
  restart(options?: { signal?: StopSignal }): Promise<void>;
  /** An etcd3 client for this member only (through its client proxy unless `direct`). Closed at teardown. */
  client(options?: { direct?: boolean; callTimeoutMs?: number }): Etcd3;
  health(): Promise<HealthReport>;
  waitHealthy(timeoutMs?: number, signal?: AbortSignal): Promise<void>;
  isolate(scope?: IsolationScope): Promise<Isolation>;
  tailLog(lines?: number): Promise<string>;
}

export interface EtcdctlOptions {
  /** Members to target (default: all, through their client proxies). */
  readonly members?: readonly string[];
  /** Append `-w json` and parse stdout. */
  readonly json?: boolean;
  readonly timeoutMs?: number;
  readonly allowFailure?: boolean;
  readonly env?: Record<string, string>;
}

export interface EtcdctlResult<T = unknown> extends RunResult {
  readonly json: T | undefined;
}

export interface StartedCluster extends AsyncDisposable {
  readonly name: string;
  readonly backend: Backend;
  readonly runId: string;
  /** The run this cluster belongs to (journal, temp dir, Toxiproxy). */
  readonly session: Session;
  readonly version: EtcdVersion;
  readonly binaries: EtcdBinaries;
  readonly members: readonly ClusterMember[];
  /** Members removed from the cluster (membership changes): kept for their logs until the cluster is removed. */
  readonly removedMembers: readonly ClusterMember[];
  readonly tls: TlsMaterial | undefined;
  /** Flags every member got beyond the topology (presets + cluster flags); per-member ones are in `member.args`. */
  readonly flags: EtcdFlags;
  readonly network: ClusterNetwork;
  readonly toxiproxy: ToxiproxyControl;
  /** Where this cluster keeps data dirs, logs and certs. */
  readonly dir: string;

  member(name: string): ClusterMember;
  /** Client URLs through the proxies, one per member. */
  endpoints(): string[];
  clientTls(): ClientTls | undefined;
  /** An etcd3 client over every member (etcd3 balances across them). Closed at teardown. */
  client(options?: { callTimeoutMs?: number }): Etcd3;
  /** Runs this version's etcdctl against the cluster (TLS flags added), as an operator would. */
  etcdctl<T = unknown>(args: readonly string[], options?: EtcdctlOptions): Promise<EtcdctlResult<T>>;
  /** The member that the reachable members agree is leader, or undefined. */
  leader(options?: { timeoutMs?: number }): Promise<ClusterMember | undefined>;
  waitHealthy(options?: {
    timeoutMs?: number;
    members?: readonly string[];
    signal?: AbortSignal;
  }): Promise<void>;
  /** Stops every member (SIGKILL unless `graceful`) and removes proxies; data dirs stay until `remove()`. */
  stop(options?: { graceful?: boolean }): Promise<StoppedCluster>;
}

export interface StoppedMember {
  readonly name: string;
  readonly dataDir: string;
  readonly logPath: string;
  readonly exit: MemberExit | undefined;
}

export interface StoppedCluster extends AsyncDisposable {
  readonly name: string;
  readonly version: EtcdVersion;
  readonly members: readonly StoppedMember[];
  readonly dir: string;
  /** Deletes data dirs, logs and certs. */
  remove(): Promise<void>;
}
