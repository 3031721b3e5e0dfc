// Everything etcd-chaos's reader learns from a snapshot's database without etcd: bbolt meta and consistency, etcd's
// meta buckets (which etcd wrote it), and one pass over the keyspace (revision, live keys, KV hash, keys and bytes per
// Kubernetes resource). Plain data in and out, so it can run in a worker thread while etcd's tools run.
import { BboltFile, type BboltMeta } from './bbolt.js';
import { type EtcdMeta, type LiveKey, readEtcdMeta, scanKeyBucket } from './etcd-db.js';

export interface InspectInput {
  readonly path: string;
  /** Bytes of the database (the file minus a SHA-256 trailer). */
  readonly dataBytes: number;
  /** Also return every live key with its revision (to compare with a live cluster). */
  readonly collectKeys?: boolean;
  /** Run the page-level consistency walk (bbolt tx.Check's rules). */
  readonly consistency?: boolean;
}

export interface KeyspaceGroup {
  readonly group: string;
  readonly keys: number;
  readonly bytes: number;
}

export type Inspection =
  | { readonly opened: false; readonly error: string }
  | {
      readonly opened: true;
      readonly bbolt: Omit<BboltMeta, 'txid'> & { readonly txid: string };
      /** undefined when the buckets could not be read (the reason is in `consistencyProblems`). */
      readonly meta: EtcdMeta | undefined;
      readonly consistencyProblems: readonly string[];
      /** undefined when the key bucket could not be read (the reason is in `scanError`). */
      readonly scan?: {
        readonly revision: number;
        readonly entries: number;
        readonly liveKeys: number;
        readonly liveKeyBytes: number;
        readonly liveValueBytes: number;
        readonly kvHash: number;
        readonly compactRevision: number;
        readonly malformedValues: number;
        readonly groups: readonly KeyspaceGroup[];
        readonly keys?: readonly LiveKey[];
      };
      readonly scanError?: string;
      readonly durationMs: number;
    };

export function inspectSnapshotDb(input: InspectInput): Inspection {
  const startedAt = performance.now();
  let db: BboltFile;
  try {
    db = BboltFile.open(input.path, { dataBytes: input.dataBytes });
  } catch (error) {
    return { opened: false, error: (error as Error).message };
  }
  try {
    const consistency = input.consistency ? db.check() : undefined;
    const consistencyProblems = consistency
      ? [
          ...consistency.problems,
          ...(consistency.moreProblems ? [`... and ${consistency.moreProblems} more`] : []),
        ]
      : [];
    let meta: EtcdMeta | undefined;
    let scan: Extract<Inspection, { opened: true }>['scan'];
    let scanError: string | undefined;
    try {
      meta = readEtcdMeta(db);
      const result = scanKeyBucket(db, meta, { collectKeys: input.collectKeys, groupOf: kubernetesGroupOf });
      scan = {
        revision: result.revision,
        entries: result.entries,
        liveKeys: result.liveKeys,
        liveKeyBytes: result.liveKeyBytes,
        liveValueBytes: result.liveValueBytes,
        kvHash: result.kvHash,
        compactRevision: result.compactRevision,
        malformedValues: result.malformedValues,
        groups: [...result.groups]
          .map(([group, sums]) => ({ group, ...sums }))
          .sort((a, b) => b.bytes - a.bytes || a.group.localeCompare(b.group)),
        keys: result.keys,
      };
    } catch (error) {
      scanError = (error as Error).message;
    }
    return {
      opened: true,
      bbolt: { ...db.meta, txid: db.meta.txid.toString() },
      meta,
      consistencyProblems,
      scan,
      scanError,
      durationMs: Math.round(performance.now() - startedAt),
    };
  } finally {
    db.close();
  }
}

const SLASH = 0x2f;
const REGISTRY = Buffer.from('/registry/');

/**
 * Keyspace groups as Kubernetes lays keys out: `/registry/<resource>` (`/registry/<group>/<resource>` for API groups
 * such as apiextensions.k8s.io, and `/registry/services/specs|endpoints`); other keys by their first path segment.
 */
export function kubernetesGroupOf(key: Buffer): string {
  if (key.length > REGISTRY.length && key.subarray(0, REGISTRY.length).equals(REGISTRY)) {
    const first = key.indexOf(SLASH, REGISTRY.length);
    if (first === -1) return '/registry/(top level)';
    const resource = key.toString('latin1', REGISTRY.length, first);
    if (resource.includes('.') || resource === 'services') {
      const second = key.indexOf(SLASH, first + 1);
      if (second !== -1) return `/registry/${resource}/${key.toString('latin1', first + 1, second)}`;
    }
    return `/registry/${resource}`;
  }
  if (key[0] !== SLASH) return '(keys without a leading /)';
  const end = key.indexOf(SLASH, 1);
  return end === -1 ? '/(top level)' : `/${key.toString('latin1', 1, end)}`;
}
