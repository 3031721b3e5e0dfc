// Shapes shared by the binary resolvers: what they return and how they report progress.
import type { EtcdVersion } from '../versions/version.js';

export type BinarySource = 'explicit' | 'cache' | 'path' | 'release' | 'go-build' | 'debian';

/** The etcd tools of one release, verified to run and to report that release. */
export interface EtcdBinaries {
  readonly version: EtcdVersion;
  readonly etcd: string;
  readonly etcdctl: string;
  /** Absent for 3.4, which predates etcdutl. */
  readonly etcdutl: string | undefined;
  /** Where they came from when first provisioned (`cache` means an earlier run provisioned them). */
  readonly source: BinarySource;
}

export interface ToxiproxyBinary {
  readonly version: string;
  readonly path: string;
  readonly source: BinarySource;
}

export type ProgressEvent =
  /** A new phase began (`downloading SHA256SUMS`, `compiling etcd`). */
  | { readonly kind: 'step'; readonly message: string }
  /** A line of a tool's own output, for the curious. */
  | { readonly kind: 'detail'; readonly message: string }
  /** Download progress. */
  | { readonly kind: 'bytes'; readonly receivedBytes: number; readonly totalBytes: number | undefined };

export type ProgressListener = (event: ProgressEvent) => void;

export const silentProgress: ProgressListener = () => {};
