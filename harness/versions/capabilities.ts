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
  /** The deprecated `etcd_debugging_` twin of the db size gauge (3.4 only; removed in 3.5). */
  readonly debuggingDbTotalSizeMetric: string | undefined;
  /**
   * Server-side request latency histogram in the default metrics (3.7+: by request `type` and `success`). Every
   * version has `grpc_server_handling_seconds`, but only with `--metrics=extensive`.
   */
  readonly requestDurationMetric: string | undefined;
  /** Apply latency histogram by `op` (3.5+). */
  readonly applyDurationMetric: string | undefined;
  /**
   * The periodic auto-compactor skips a compaction whose revision equals the last one it compacted (3.6+, etcd PR
   * #13829), so an idle keyspace is compacted once and then left alone. 3.4 and 3.5 compact every period anyway (the
   * repeat is refused as "required revision has been compacted" and logged as a completed compaction). Measured with
   * a 2 s retention on 3.4.23, 3.5.35, 3.6.16 and 3.7.3.
   */
  readonly periodicCompactionSkipsUnchangedRevision: boolean;
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
  debuggingDbTotalSizeMetric: 'etcd_debugging_mvcc_db_total_size_in_bytes',
  requestDurationMetric: undefined,
  applyDurationMetric: undefined,
  periodicCompactionSkipsUnchangedRevision: false,
};

// Ordered oldest first; later rules override earlier ones. Sources: etcd CHANGELOG-3.5/3.6/3.7 and the upgrade guides;
// metric names: real scrapes of 3.4.23, 3.5.35, 3.6.16, 3.7.3 (test/fixtures/metrics/).
const RULES: readonly Rule[] = [
  {
    from: '3.5.0',
    set: {
      logFlags: [],
      hasEtcdutl: true,
      snapshotTool: 'etcdutl',
      debuggingDbTotalSizeMetric: undefined,
      applyDurationMetric: 'etcd_server_apply_duration_seconds',
    },
  },
  { from: '3.5.10', set: { restoreBumpRevision: true } },
  { from: '3.5.20', set: { checkV2store: true } },
  {
    from: '3.6.0',
    set: {
      downgradeApi: true,
      removedFlags: ['enable-v2', 'experimental-enable-v2v3', 'logger=capnslog'],
      periodicCompactionSkipsUnchangedRevision: true,
    },
  },
  { from: '3.7.0', set: { requestDurationMetric: 'etcd_server_request_duration_seconds' } },
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
