// What differs between etcd releases, in one table keyed by version. Code asks this table; it never tests versions itself.
import { ETCD_FLAGS, type EtcdFlagSpec, FEATURE_GATES, type FlagSuccessor } from './etcd-flags.js';
import type { EtcdVersion } from './version.js';

export type SnapshotTool = 'etcdctl' | 'etcdutl';

/** Whether a release accepts `--name` (etcd-flags.ts), and when it does not, why and what replaced it. */
export type FlagAvailability =
  | {
      readonly accepted: true;
      readonly spec: EtcdFlagSpec;
      /** Accepted but deprecated: the release also knows the successor and warns (3.6 for `--experimental-*`). */
      readonly deprecatedFor?: FlagSuccessor;
    }
  | {
      readonly accepted: false;
      /** removed: an older release knew it; not-yet: a newer one does; unknown: no supported release does. */
      readonly why: 'removed' | 'not-yet' | 'unknown';
      readonly spec?: EtcdFlagSpec;
      /** The successor, when this release knows it (a flag it accepts, or one of its feature gates). */
      readonly successor?: FlagSuccessor;
    };

export interface EtcdCapabilities {
  readonly version: EtcdVersion;
  /** Flags that make every line log structured JSON to stderr (3.4 defaults to capnslog). */
  readonly logFlags: readonly string[];
  /** `etcdutl` ships with the release (3.5+). */
  readonly hasEtcdutl: boolean;
  /** Tool for `snapshot status`/`snapshot restore`: 3.6 removed them from etcdctl (3.5 warns they are deprecated). */
  readonly snapshotTool: SnapshotTool;
  /**
   * What `etcdctl snapshot status FILE` does, the guide's backup script's verification step: `works` (3.4), `deprecated`
   * (3.5: works, warns, exits 1 on a bad file), `help-only` (3.6+: the command moved to etcdutl; etcdctl prints the
   * `snapshot` command's help and exits 0 whatever FILE is; measured on 3.6.16 and 3.7.3, see DESIGN.md).
   */
  readonly etcdctlSnapshotStatus: 'works' | 'deprecated' | 'help-only';
  /** `snapshot restore --bump-revision --mark-compacted` (etcdutl 3.5.10+, 3.6+). */
  readonly restoreBumpRevision: boolean;
  /** `etcdctl downgrade validate|enable|cancel` works against the server (3.6+). */
  readonly downgradeApi: boolean;
  /**
   * `etcdutl check v2store`, the 3.5 → 3.6 upgrade precondition, run with the 3.5 tools (3.5.20+). Measured: the
   * etcdutl of 3.6.16 and 3.7.3 has no `check` command ("unknown command"), so only 3.5 runs it.
   */
  readonly checkV2store: boolean;
  /**
   * Flags this release refuses to start with (removed; etcd exits with "flag provided but not defined"), that
   * manifests written for older releases may carry. `name` (any value) or `name=value` (only that value).
   */
  readonly removedFlags: readonly string[];
  /**
   * The oldest patch release of the previous minor that may be upgraded to this line (the upgrade guide's "Update
   * 3.5"/"Update 3.6" checklist item); undefined when the guide names none.
   */
  readonly upgradeFromMinimum: string | undefined;
  /** Upgrading to this line needs a clean `etcdutl check v2store` first (upgrades/upgrade_3_6.md "V2 Store"). */
  readonly upgradeNeedsV2storeCheck: boolean;
  /**
   * The server accepts `--next-cluster-version-compatible`, which lets it join a cluster whose version is one minor
   * higher: the 3.5 → 3.4 downgrade path (3.4.32+, etcd docs downgrades/downgrade_3_5.md).
   */
  readonly nextClusterVersionCompatible: boolean;
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
  /**
   * `--tls-min-version`/`--tls-max-version` (3.5.8+, CHANGELOG-3.5 "to enable support for TLS 1.3"): the TLS version
   * of client connections can be pinned (values `TLS1.2`, `TLS1.3`).
   */
  readonly tlsVersionFlags: boolean;
  /** Server feature gates this release knows (`--feature-gates`, 3.6+). */
  readonly featureGates: readonly string[];
  /** Whether this release accepts `--name`, from the flag inventory in etcd-flags.ts. */
  flag(name: string): FlagAvailability;
  /**
   * The flag that bounds how many raft entries a member keeps in memory after a snapshot for slow followers
   * (`--snapshot-catchup-entries`, 3.6+; 3.4 and 3.5 hard-code 5000). With large entries (a batch of big values)
   * those 5000 entries are gigabytes of memory, so the data generator's one-member seed cluster lowers it.
   */
  readonly snapshotCatchupEntriesFlag: string | undefined;
}

interface Rule {
  /** Applies to versions at or above this one (and below the next rule's `from` for the same field). */
  readonly from: string;
  readonly set: Partial<Omit<EtcdCapabilities, 'version' | 'featureGates' | 'flag'>>;
}

const BASE: Omit<EtcdCapabilities, 'version' | 'featureGates' | 'flag'> = {
  logFlags: ['--logger=zap', '--log-outputs=stderr'],
  hasEtcdutl: false,
  snapshotTool: 'etcdctl',
  etcdctlSnapshotStatus: 'works',
  restoreBumpRevision: false,
  downgradeApi: false,
  checkV2store: false,
  removedFlags: [],
  upgradeFromMinimum: undefined,
  upgradeNeedsV2storeCheck: false,
  nextClusterVersionCompatible: false,
  dbTotalSizeMetric: 'etcd_mvcc_db_total_size_in_bytes',
  dbInUseSizeMetric: 'etcd_mvcc_db_total_size_in_use_in_bytes',
  debuggingDbTotalSizeMetric: 'etcd_debugging_mvcc_db_total_size_in_bytes',
  requestDurationMetric: undefined,
  applyDurationMetric: undefined,
  periodicCompactionSkipsUnchangedRevision: false,
  tlsVersionFlags: false,
  snapshotCatchupEntriesFlag: undefined,
};

// upgrades/upgrade_3_6.md "Flags removed" (and the capnslog logger, which 3.6 dropped).
const REMOVED_IN_3_6: readonly string[] = [
  'enable-v2',
  'experimental-enable-v2v3',
  'proxy',
  'proxy-failure-wait',
  'proxy-refresh-interval',
  'proxy-dial-timeout',
  'proxy-write-timeout',
  'proxy-read-timeout',
  'logger=capnslog',
];

// upgrades/upgrade_3_7.md "Flags removed": every deprecated --experimental-* flag (3.6 has their new names); the
// same 23 names etcd 3.6.16 --help lists, none of which 3.7.3 accepts.
const REMOVED_IN_3_7: readonly string[] = [
  'experimental-bootstrap-defrag-threshold-megabytes',
  'experimental-compact-hash-check-enabled',
  'experimental-compact-hash-check-time',
  'experimental-compaction-batch-limit',
  'experimental-compaction-sleep-interval',
  'experimental-corrupt-check-time',
  'experimental-distributed-tracing-address',
  'experimental-distributed-tracing-instance-id',
  'experimental-distributed-tracing-sampling-rate',
  'experimental-distributed-tracing-service-name',
  'experimental-downgrade-check-time',
  'experimental-enable-distributed-tracing',
  'experimental-enable-lease-checkpoint',
  'experimental-enable-lease-checkpoint-persist',
  'experimental-initial-corrupt-check',
  'experimental-memory-mlock',
  'experimental-peer-skip-client-san-verification',
  'experimental-snapshot-catchup-entries',
  'experimental-stop-grpc-service-on-defrag',
  'experimental-txn-mode-write-with-shared-buffer',
  'experimental-warning-apply-duration',
  'experimental-warning-unary-request-duration',
  'experimental-watch-progress-notify-interval',
];

// Ordered oldest first; later rules override earlier ones. Sources: etcd CHANGELOG-3.5/3.6/3.7 and the upgrade guides;
// metric names: real scrapes of 3.4.23, 3.5.35, 3.6.16, 3.7.3 (test/fixtures/metrics/).
const RULES: readonly Rule[] = [
  { from: '3.4.32', set: { nextClusterVersionCompatible: true } },
  {
    from: '3.5.0',
    set: {
      // Only a 3.4 binary needs it (to rejoin a 3.5 cluster); later downgrades go through the downgrade API.
      nextClusterVersionCompatible: false,
      logFlags: [],
      hasEtcdutl: true,
      snapshotTool: 'etcdutl',
      etcdctlSnapshotStatus: 'deprecated',
      debuggingDbTotalSizeMetric: undefined,
      applyDurationMetric: 'etcd_server_apply_duration_seconds',
    },
  },
  { from: '3.5.8', set: { tlsVersionFlags: true } },
  { from: '3.5.10', set: { restoreBumpRevision: true } },
  { from: '3.5.20', set: { checkV2store: true } },
  {
    from: '3.6.0',
    set: {
      downgradeApi: true,
      etcdctlSnapshotStatus: 'help-only',
      checkV2store: false,
      removedFlags: REMOVED_IN_3_6,
      // upgrades/upgrade_3_6.md "Update 3.5" (3.5.24 through 3.5.26 fix upgrade blockers: zombie members).
      upgradeFromMinimum: '3.5.26',
      upgradeNeedsV2storeCheck: true,
      periodicCompactionSkipsUnchangedRevision: true,
      snapshotCatchupEntriesFlag: 'snapshot-catchup-entries',
    },
  },
  {
    from: '3.7.0',
    set: {
      requestDurationMetric: 'etcd_server_request_duration_seconds',
      removedFlags: [...REMOVED_IN_3_6, ...REMOVED_IN_3_7],
      // upgrades/upgrade_3_7.md "Update 3.6".
      upgradeFromMinimum: '3.6.11',
      upgradeNeedsV2storeCheck: false,
    },
  },
];

const cache = new Map<string, EtcdCapabilities>();

export function capabilitiesOf(version: EtcdVersion): EtcdCapabilities {
  const key = version.toString();
  const cached = cache.get(key);
  if (cached) return cached;
  let merged: Omit<EtcdCapabilities, 'version' | 'featureGates' | 'flag'> = BASE;
  for (const rule of RULES) {
    if (version.atLeast(rule.from)) merged = { ...merged, ...rule.set };
  }
  const featureGates = Object.entries(FEATURE_GATES)
    .filter(([, gate]) => version.atLeast(gate.since))
    .map(([name]) => name);
  const capabilities: EtcdCapabilities = Object.freeze({
    ...merged,
    version,
    featureGates,
    flag: (name: string) => flagAvailability(version, featureGates, name),
  });
  cache.set(key, capabilities);
  return capabilities;
}

function flagAvailability(
  version: EtcdVersion,
  featureGates: readonly string[],
  name: string,
): FlagAvailability {
  const spec = ETCD_FLAGS[name];
  if (!spec) return { accepted: false, why: 'unknown' };
  const knows = (flag: string) => {
    const other = ETCD_FLAGS[flag];
    return (
      other !== undefined &&
      version.atLeast(other.since ?? '3.4.0') &&
      (other.removedIn === undefined || !version.atLeast(other.removedIn))
    );
  };
  const successor =
    spec.successor &&
    ('flag' in spec.successor
      ? knows(spec.successor.flag)
      : featureGates.includes(spec.successor.featureGate))
      ? spec.successor
      : undefined;
  if (!version.atLeast(spec.since ?? '3.4.0')) return { accepted: false, why: 'not-yet', spec };
  if (spec.removedIn !== undefined && version.atLeast(spec.removedIn))
    return { accepted: false, why: 'removed', spec, ...(successor ? { successor } : {}) };
  return { accepted: true, spec, ...(successor ? { deprecatedFor: successor } : {}) };
}
