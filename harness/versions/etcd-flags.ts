// Every flag etcd's server accepts, per release: its value type (as Go's flag package parses it), the first release
// that knows it and the first that refuses it, and what replaced it. The capability table (capabilities.ts) answers
// per-version questions from this data; manifests, `--flag` and `validate` use it to classify and type-check flags.
//
// Sources: the flag registrations in etcd's server/embed/config.go (`AddFlags`) and server/etcdmain/config.go of
// v3.5.35, v3.6.16 and v3.7.3 (types), `etcd --help` of all four cached releases, and for 3.4.23 (Debian's build,
// whose source predates the module layout) the binary itself. Presence was checked by starting each cached binary
// with `--NAME=x --version`: etcd answers "flag provided but not defined" for a flag it does not know before it looks
// at any value (test/integration/etcd-flags.test.ts repeats that probe for every entry). Renames: etcd 3.6's
// `experimentalFlagMigrationMap` (embed/config.go), `features.ExperimentalFlagToFeatureMap` and the deprecation
// messages in etcdmain/config.go; 3.5's CHANGELOG "Breaking Changes" for the 3.4 names. Patch-level `since` values
// come from CHANGELOG-3.5 where it names them (3.5.5, 3.5.8); otherwise a flag counts from its line's first release.

/** How Go's flag package (or etcd's own flag.Value) parses the value. */
export type FlagType =
  | 'bool'
  | 'int'
  | 'int64'
  | 'uint'
  | 'uint32'
  | 'uint64'
  | 'duration'
  | 'string'
  /** Comma-separated strings. */
  | 'list'
  /** Comma-separated URLs (scheme http, https, unix or unixs; host:port; no path). */
  | 'urls'
  /** One of `choices` (etcd's SelectiveStringValue). */
  | 'enum'
  /** `Name=bool,Name=bool` over the release's server feature gates. */
  | 'feature-gates'
  /** Accepted for compatibility with v2-era command lines and ignored (etcdmain's `ignored` list). */
  | 'ignored';

/** What replaced a flag: a flag with the same meaning, or a server feature gate (`--feature-gates=Gate=value`). */
export type FlagSuccessor = { readonly flag: string } | { readonly featureGate: string };

export interface EtcdFlagSpec {
  readonly type: FlagType;
  /** First release that accepts it (default: every supported release, 3.4.0). */
  readonly since?: string;
  /** First release that refuses it ("flag provided but not defined"). */
  readonly removedIn?: string;
  readonly successor?: FlagSuccessor;
  readonly choices?: readonly string[];
  /** Values a later release refuses, and from which release (`--logger=capnslog` in 3.6). */
  readonly removedValues?: Readonly<Record<string, string>>;
}

// Generated from the probe above, then annotated (successors, choices); kept sorted by name.
export const ETCD_FLAGS: Readonly<Record<string, EtcdFlagSpec>> = {
  'advertise-client-urls': { type: 'urls' },
  'auth-token': { type: 'string' },
  'auth-token-ttl': { type: 'uint' },
  'auto-compaction-mode': { type: 'string' },
  'auto-compaction-retention': { type: 'string' },
  'auto-tls': { type: 'bool' },
  'backend-batch-interval': { type: 'duration' },
  'backend-batch-limit': { type: 'int' },
  'backend-bbolt-freelist-type': { type: 'string', since: '3.5.0' },
  'bcrypt-cost': { type: 'uint' },
  'bootstrap-defrag-threshold-megabytes': { type: 'uint', since: '3.6.0' },
  'cert-file': { type: 'string' },
  'cipher-suites': { type: 'list' },
  'client-cert-allowed-hostname': { type: 'list' },
  'client-cert-auth': { type: 'bool' },
  'client-cert-file': { type: 'string', since: '3.5.0' },
  'client-crl-file': { type: 'string' },
  'client-key-file': { type: 'string', since: '3.5.0' },
  'cluster-active-size': { type: 'ignored' },
  'cluster-remove-delay': { type: 'ignored' },
  'cluster-sync-interval': { type: 'ignored' },
  'compact-hash-check-time': { type: 'duration', since: '3.6.0' },
  'compaction-batch-limit': { type: 'int', since: '3.6.0' },
  'compaction-sleep-interval': { type: 'duration', since: '3.6.0' },
  config: { type: 'ignored' },
  'config-file': { type: 'string' },
  'corrupt-check-time': { type: 'duration', since: '3.6.0' },
  cors: { type: 'urls' },
  'data-dir': { type: 'string' },
  debug: { type: 'bool', removedIn: '3.5.0' },
  discovery: { type: 'string', removedIn: '3.7.0' },
  'discovery-cacert': { type: 'string', since: '3.6.0' },
  'discovery-cert': { type: 'string', since: '3.6.0' },
  'discovery-dial-timeout': { type: 'duration', since: '3.6.0' },
  'discovery-endpoints': { type: 'list', since: '3.6.0' },
  'discovery-fallback': { type: 'enum', choices: ['exit', 'proxy'] },
  'discovery-insecure-skip-tls-verify': { type: 'bool', since: '3.6.0' },
  'discovery-insecure-transport': { type: 'bool', since: '3.6.0' },
  'discovery-keepalive-time': { type: 'duration', since: '3.6.0' },
  'discovery-keepalive-timeout': { type: 'duration', since: '3.6.0' },
  'discovery-key': { type: 'string', since: '3.6.0' },
  'discovery-password': { type: 'string', since: '3.6.0' },
  'discovery-proxy': { type: 'string', removedIn: '3.7.0' },
  'discovery-request-timeout': { type: 'duration', since: '3.6.0' },
  'discovery-srv': { type: 'string' },
  'discovery-srv-name': { type: 'string' },
  'discovery-token': { type: 'string', since: '3.6.0' },
  'discovery-user': { type: 'string', since: '3.6.0' },
  'distributed-tracing-address': { type: 'string', since: '3.6.0' },
  'distributed-tracing-instance-id': { type: 'string', since: '3.6.0' },
  'distributed-tracing-sampling-rate': { type: 'int', since: '3.6.0' },
  'distributed-tracing-service-name': { type: 'string', since: '3.6.0' },
  'downgrade-check-time': { type: 'duration', since: '3.6.0' },
  'election-timeout': { type: 'uint' },
  'enable-distributed-tracing': { type: 'bool', since: '3.6.0' },
  'enable-grpc-gateway': { type: 'bool' },
  'enable-log-rotation': { type: 'bool', since: '3.5.0' },
  'enable-pprof': { type: 'bool' },
  'enable-v2': { type: 'bool', removedIn: '3.6.0' },
  'experimental-backend-bbolt-freelist-type': {
    type: 'string',
    removedIn: '3.5.0',
    successor: { flag: 'backend-bbolt-freelist-type' },
  },
  'experimental-bootstrap-defrag-threshold-megabytes': {
    type: 'uint',
    since: '3.5.0',
    removedIn: '3.7.0',
    successor: { flag: 'bootstrap-defrag-threshold-megabytes' },
  },
  'experimental-compact-hash-check-enabled': {
    type: 'bool',
    since: '3.5.5',
    removedIn: '3.7.0',
    successor: { featureGate: 'CompactHashCheck' },
  },
  'experimental-compact-hash-check-time': {
    type: 'duration',
    since: '3.5.5',
    removedIn: '3.7.0',
    successor: { flag: 'compact-hash-check-time' },
  },
  'experimental-compaction-batch-limit': {
    type: 'int',
    removedIn: '3.7.0',
    successor: { flag: 'compaction-batch-limit' },
  },
  'experimental-compaction-sleep-interval': {
    type: 'duration',
    since: '3.5.0',
    removedIn: '3.7.0',
    successor: { flag: 'compaction-sleep-interval' },
  },
  'experimental-corrupt-check-time': {
    type: 'duration',
    removedIn: '3.7.0',
    successor: { flag: 'corrupt-check-time' },
  },
  'experimental-distributed-tracing-address': {
    type: 'string',
    since: '3.5.0',
    removedIn: '3.7.0',
    successor: { flag: 'distributed-tracing-address' },
  },
  'experimental-distributed-tracing-instance-id': {
    type: 'string',
    since: '3.5.0',
    removedIn: '3.7.0',
    successor: { flag: 'distributed-tracing-instance-id' },
  },
  'experimental-distributed-tracing-sampling-rate': {
    type: 'int',
    since: '3.5.0',
    removedIn: '3.7.0',
    successor: { flag: 'distributed-tracing-sampling-rate' },
  },
  'experimental-distributed-tracing-service-name': {
    type: 'string',
    since: '3.5.0',
    removedIn: '3.7.0',
    successor: { flag: 'distributed-tracing-service-name' },
  },
  'experimental-downgrade-check-time': {
    type: 'duration',
    since: '3.5.0',
    removedIn: '3.7.0',
    successor: { flag: 'downgrade-check-time' },
  },
  'experimental-enable-distributed-tracing': {
    type: 'bool',
    since: '3.5.0',
    removedIn: '3.7.0',
    successor: { flag: 'enable-distributed-tracing' },
  },
  'experimental-enable-lease-checkpoint': {
    type: 'bool',
    removedIn: '3.7.0',
    successor: { featureGate: 'LeaseCheckpoint' },
  },
  'experimental-enable-lease-checkpoint-persist': {
    type: 'bool',
    removedIn: '3.7.0',
    successor: { featureGate: 'LeaseCheckpointPersist' },
  },
  'experimental-enable-v2v3': { type: 'string', removedIn: '3.6.0' },
  'experimental-initial-corrupt-check': {
    type: 'bool',
    removedIn: '3.7.0',
    successor: { featureGate: 'InitialCorruptCheck' },
  },
  'experimental-memory-mlock': {
    type: 'bool',
    since: '3.5.0',
    removedIn: '3.7.0',
    successor: { flag: 'memory-mlock' },
  },
  'experimental-peer-skip-client-san-verification': {
    type: 'bool',
    removedIn: '3.7.0',
    successor: { flag: 'peer-skip-client-san-verification' },
  },
  'experimental-snapshot-catchup-entries': {
    type: 'uint64',
    since: '3.5.0',
    removedIn: '3.7.0',
    successor: { flag: 'snapshot-catchup-entries' },
  },
  'experimental-stop-grpc-service-on-defrag': {
    type: 'bool',
    since: '3.5.0',
    removedIn: '3.7.0',
    successor: { featureGate: 'StopGRPCServiceOnDefrag' },
  },
  'experimental-txn-mode-write-with-shared-buffer': {
    type: 'bool',
    since: '3.5.0',
    removedIn: '3.7.0',
    successor: { featureGate: 'TxnModeWriteWithSharedBuffer' },
  },
  'experimental-warning-apply-duration': {
    type: 'duration',
    removedIn: '3.7.0',
    successor: { flag: 'warning-apply-duration' },
  },
  'experimental-warning-unary-request-duration': {
    type: 'duration',
    since: '3.6.0',
    removedIn: '3.7.0',
    successor: { flag: 'warning-unary-request-duration' },
  },
  'experimental-watch-progress-notify-interval': {
    type: 'duration',
    removedIn: '3.7.0',
    successor: { flag: 'watch-progress-notify-interval' },
  },
  'feature-gates': { type: 'feature-gates', since: '3.6.0' },
  force: { type: 'ignored' },
  'force-new-cluster': { type: 'bool' },
  'grpc-keepalive-interval': { type: 'duration' },
  'grpc-keepalive-min-time': { type: 'duration' },
  'grpc-keepalive-timeout': { type: 'duration' },
  'heartbeat-interval': { type: 'uint' },
  'host-whitelist': { type: 'list' },
  'initial-advertise-peer-urls': { type: 'urls' },
  'initial-cluster': { type: 'string' },
  'initial-cluster-state': { type: 'enum', choices: ['new', 'existing'] },
  'initial-cluster-token': { type: 'string' },
  'initial-election-tick-advance': { type: 'bool' },
  'key-file': { type: 'string' },
  'listen-client-http-urls': { type: 'urls', since: '3.5.8' },
  'listen-client-urls': { type: 'urls' },
  'listen-metrics-urls': { type: 'urls' },
  'listen-peer-urls': { type: 'urls' },
  'log-format': { type: 'string', since: '3.6.0' },
  'log-level': { type: 'string' },
  'log-output': { type: 'string', removedIn: '3.5.0', successor: { flag: 'log-outputs' } },
  'log-outputs': { type: 'list' },
  'log-package-levels': { type: 'string', removedIn: '3.5.0' },
  'log-rotation-config-json': { type: 'string', since: '3.5.0' },
  logger: { type: 'string', removedValues: { capnslog: '3.6.0' } },
  'max-concurrent-streams': { type: 'uint32' },
  'max-learners': { type: 'int', since: '3.6.0' },
  'max-request-bytes': { type: 'uint' },
  'max-result-buffer': { type: 'ignored' },
  'max-retry-attempts': { type: 'ignored' },
  'max-snapshots': { type: 'uint' },
  'max-txn-ops': { type: 'uint' },
  'max-wals': { type: 'uint' },
  'memory-mlock': { type: 'bool', since: '3.6.0' },
  metrics: { type: 'string' },
  name: { type: 'string' },
  // 3.4.32+ only (etcd docs downgrades/downgrade_3_5.md); 3.5.35's source has no such flag.
  'next-cluster-version-compatible': { type: 'bool', since: '3.4.32', removedIn: '3.5.0' },
  'peer-auto-tls': { type: 'bool' },
  'peer-cert-allowed-cn': { type: 'list' },
  'peer-cert-allowed-hostname': { type: 'list' },
  'peer-cert-file': { type: 'string' },
  'peer-client-cert-auth': { type: 'bool' },
  'peer-client-cert-file': { type: 'string', since: '3.5.0' },
  'peer-client-key-file': { type: 'string', since: '3.5.0' },
  'peer-crl-file': { type: 'string' },
  'peer-election-timeout': { type: 'ignored' },
  'peer-heartbeat-interval': { type: 'ignored' },
  'peer-key-file': { type: 'string' },
  'peer-skip-client-san-verification': { type: 'bool', since: '3.6.0' },
  'peer-trusted-ca-file': { type: 'string' },
  'pre-vote': { type: 'bool' },
  proxy: { type: 'enum', removedIn: '3.6.0', choices: ['off', 'readonly', 'on'] },
  'proxy-dial-timeout': { type: 'uint', removedIn: '3.6.0' },
  'proxy-failure-wait': { type: 'uint', removedIn: '3.6.0' },
  'proxy-read-timeout': { type: 'uint', removedIn: '3.6.0' },
  'proxy-refresh-interval': { type: 'uint', removedIn: '3.6.0' },
  'proxy-write-timeout': { type: 'uint', removedIn: '3.6.0' },
  'quota-backend-bytes': { type: 'int64' },
  'raft-read-timeout': { type: 'duration', since: '3.5.0' },
  'raft-write-timeout': { type: 'duration', since: '3.5.0' },
  'retry-interval': { type: 'ignored' },
  'self-signed-cert-validity': { type: 'uint', since: '3.5.0' },
  snapshot: { type: 'ignored' },
  'snapshot-catchup-entries': { type: 'uint64', since: '3.6.0' },
  'snapshot-count': { type: 'uint64' },
  'socket-reuse-address': { type: 'bool', since: '3.5.0' },
  'socket-reuse-port': { type: 'bool', since: '3.5.0' },
  'strict-reconfig-check': { type: 'bool' },
  'tls-max-version': { type: 'string', since: '3.5.8' },
  'tls-min-version': { type: 'string', since: '3.5.8' },
  'trusted-ca-file': { type: 'string' },
  'unsafe-no-fsync': { type: 'bool' },
  v: { type: 'ignored' },
  'v2-deprecation': {
    type: 'enum',
    since: '3.5.0',
    choices: ['not-yet', 'write-only', 'write-only-drop-data', 'gone', 'write-only-skip-check'],
    removedValues: { 'not-yet': '3.6.0' },
  },
  version: { type: 'bool' },
  vv: { type: 'ignored' },
  'wal-dir': { type: 'string' },
  'warning-apply-duration': { type: 'duration', since: '3.6.0' },
  'warning-unary-request-duration': { type: 'duration', since: '3.6.0' },
  'watch-progress-notify-interval': { type: 'duration', since: '3.6.0' },
};

/** Server feature gates (`--feature-gates`, 3.6+): server/features/etcd_features.go `DefaultEtcdServerFeatureGates`. */
export const FEATURE_GATES: Readonly<Record<string, { readonly since: string; readonly default: boolean }>> =
  {
    StopGRPCServiceOnDefrag: { since: '3.6.0', default: false },
    InitialCorruptCheck: { since: '3.6.0', default: false },
    CompactHashCheck: { since: '3.6.0', default: false },
    TxnModeWriteWithSharedBuffer: { since: '3.6.0', default: true },
    LeaseCheckpoint: { since: '3.6.0', default: false },
    LeaseCheckpointPersist: { since: '3.6.0', default: false },
    SetMemberLocalAddr: { since: '3.6.0', default: false },
    FastLeaseKeepAlive: { since: '3.7.0', default: true },
    PriorityRequest: { since: '3.7.0', default: false },
  };
