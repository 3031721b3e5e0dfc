// What starting a cluster takes, whichever backend starts it: the normalized spec the builder (spec.ts) produces and
// the run context. Backends and the builder import this file; it imports no implementation.
import type { EtcdBinaries, ProgressListener } from '../binaries/types.js';
import type { Session } from '../session.js';
import type { EtcdVersion } from '../versions/version.js';
import type { EtcdFlags } from './flags.js';
import type { NetworkModeRequest } from './network/plane.js';
import type { TlsKeyType } from './tls.js';
import type { Backend } from './types.js';

export interface NormalizedClusterSpec {
  readonly version: EtcdVersion;
  readonly binaries: EtcdBinaries | undefined;
  readonly members: number;
  readonly tls: boolean;
  /** Key type of the generated certificates (default ECDSA P-256). */
  readonly tlsKeyType?: TlsKeyType;
  /** Presets merged with cluster-wide flags (later wins). */
  readonly flags: EtcdFlags;
  readonly memberFlags: Readonly<Record<string, EtcdFlags>>;
  readonly network: NetworkModeRequest;
  readonly basePort: number | undefined;
  readonly name: string | undefined;
  readonly backend: Backend;
  readonly startTimeoutMs: number | undefined;
  /** Each member's data dir on a tmpfs of this size (root only): makes disk-full faults possible. */
  readonly dataDirSizeLimitBytes: number | undefined;
  /** Fills each member's data dir before its first start (e.g. `snapshot restore`). */
  readonly dataDirInitializer: DataDirInitializer | undefined;
  /** Image references for the docker backend (default: official if present, else built locally). */
  readonly images: ImageOverrides;
}

export interface ImageOverrides {
  /** etcd image; `{version}` is replaced by the etcd version. */
  readonly etcd?: string;
  readonly toxiproxy?: string;
}

/** What a data dir initializer gets: the flags a `snapshot restore` for this member must use. */
export interface DataDirInit {
  readonly member: string;
  /** Does not exist yet (or is an empty mount point). */
  readonly dataDir: string;
  readonly initialCluster: string;
  readonly initialAdvertisePeerUrl: string;
  readonly clusterToken: string;
  readonly binaries: EtcdBinaries;
}

export type DataDirInitializer = (init: DataDirInit) => Promise<void>;

/** The run a cluster starts in, and how its start reports progress or is abandoned. */
export interface StartContext {
  readonly session: Session;
  /** The cluster opened the session itself and closes it when it is disposed. */
  readonly ownsSession: boolean;
  readonly onProgress?: ProgressListener;
  readonly signal?: AbortSignal;
}
