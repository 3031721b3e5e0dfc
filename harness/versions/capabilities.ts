// What differs between etcd releases, in one table keyed by version. Code asks this table; it never tests versions itself.
import type { EtcdVersion } from './version.js';

export type SnapshotTool = 'etcdctl' | 'etcdutl';

export interface EtcdCapabilities {
  readonly version: EtcdVersion;
  /** Flags that make every line log structured JSON to stderr (3.4 defaults to capnslog). */
  readonly logFlags: readonly string[];
  /** `etcdutl` ships with the release (3.5+). */
  readonly hasEtcdutl: boolean;
  /** Tool for `snapshot status`/`snapshot restore`: 3.6 removed them from etcdctl (3.5 warns they are deprecated). */
  readonly snapshotTool: SnapshotTool;
  /** `snapshot restore --bump-revision --mark-compacted` (etcdutl 3.5.10+, 3.6+). */
  readonly restoreBumpRevision: boolean;
  /** `etcdctl downgrade validate|enable|cancel` works against the server (3.6+). */
  readonly downgradeApi: boolean;
  /** `etcdutl check v2store`, the 3.5 → 3.6 upgrade precondition (3.5.20+ and 3.6+). */
  readonly checkV2store: boolean;
  /** Flags this release refuses to start with (removed), that manifests written for older releases may carry. */
  readonly removedFlags: readonly string[];
  /** Name of the db total size gauge. */
  readonly dbTotalSizeMetric: string;
  /** Name of the db in-use size gauge. */
  readonly dbInUseSizeMetric: string;
}

interface Rule {
  /** Applies to versions at or above this one (and below the next rule's `from` for the same field). */
  readonly from: string;
  readonly set: Partial<Omit<EtcdCapabilities, 'version'>>;
}

const BASE: Omit<EtcdCapabilities, 'version'> = {
  logFlags: ['--logger=zap', '--log-outputs=stderr'],
  hasEtcdutl: false,
  snapshotTool: 'etcdctl',
  restoreBumpRevision: false,
  downgradeApi: false,
  checkV2store: false,
  removedFlags: [],
  dbTotalSizeMetric: 'etcd_mvcc_db_total_size_in_bytes',
  dbInUseSizeMetric: 'etcd_mvcc_db_total_size_in_use_in_bytes',
};

// Ordered oldest first; later rules override earlier ones. Sources: etcd CHANGELOG-3.5/3.6/3.7 and the upgrade guides.
const RULES: readonly Rule[] = [
  { from: '3.5.0', set: { logFlags: [], hasEtcdutl: true, snapshotTool: 'etcdutl' } },
  { from: '3.5.10', set: { restoreBumpRevision: true } },
  { from: '3.5.20', set: { checkV2store: true } },
  {
    from: '3.6.0',
    set: {
      downgradeApi: true,
      removedFlags: ['enable-v2', 'experimental-enable-v2v3', 'logger=capnslog'],
    },
  },
];

const cache = new Map<string, EtcdCapabilities>();

export function capabilitiesOf(version: EtcdVersion): EtcdCapabilities {
  const key = version.toString();
  const cached = cache.get(key);
  if (cached) return cached;
  let merged: Omit<EtcdCapabilities, 'version'> = BASE;
  for (const rule of RULES) {
    if (version.atLeast(rule.from)) merged = { ...merged, ...rule.set };
  }
  const capabilities = Object.freeze({ ...merged, version });
  cache.set(key, capabilities);
  return capabilities;
}
