// The public API of etcd-chaos: what scenarios (built-in and users') and library users import.

export {
  type AlertTransition,
  AlertWatch,
  type AlertWindowState,
} from './alerting/alert-watch.js';
export { type LeaderTransfer, memberIds, transferLeadership } from './alerting/leader-transfer.js';
export { ClusterMonitor, type MonitorOptions, startMonitor } from './alerting/monitor.js';
export type { AlertState } from './alerting/prometheus-api.js';
export { timingFor } from './alerting/prometheus-server.js';
export { compressDuration, compressExpression, metricNamesOf, parseDurationMs } from './alerting/promql.js';
export { checkRules, type PromtoolOutcome, testRules } from './alerting/promtool.js';
export { alertNames, compressRules, type RuleFile, type RuleSet, rulesOf } from './alerting/rules.js';
export { type BackupEntry, listBackups } from './backups/backup-dir.js';
export { DRILL_FAULTS, type DrillFault, type DrillOptions, runDrill } from './backups/drill.js';
export { GUIDE_RETENTION } from './backups/durations.js';
export { encryptSnapshot } from './backups/encryption.js';
export { guideBackupScript } from './backups/guide-script.js';
export { type Inspection, inspectSnapshotDb } from './backups/inspect.js';
export { decryptToPrivate } from './backups/private-copy.js';
export { runRestoreDrill, writerOf } from './backups/restore-drill.js';
export { digestSnapshot, hasTrailer } from './backups/snapshot-file.js';
export { verifyBackupFile } from './backups/verify-file.js';
export { resolveEtcd } from './binaries/resolve-etcd.js';
// Kubernetes in the loop: a real kube-apiserver attached to a cluster, its client, and the guide's procedures.
export {
  type KubeApiServerBinary,
  kubeApiServerVersionOf,
  resolveKubeApiServer,
} from './binaries/resolve-kube-apiserver.js';
export { type PrometheusBinaries, resolvePrometheus } from './binaries/resolve-prometheus.js';
export type { EtcdBinaries } from './binaries/types.js';
// Checks: pure functions from recorded data to outcomes, one module per claim family.
export * from './checks/alert-coverage.js';
export * from './checks/alerts.js';
export * from './checks/backup.js';
export * from './checks/backup-drill.js';
export * from './checks/backup-files.js';
export * from './checks/backup-guide.js';
export * from './checks/backup-io.js';
export * from './checks/compaction.js';
export * from './checks/dashboards.js';
export * from './checks/defrag.js';
export * from './checks/defrag-blocking.js';
export * from './checks/kube-crd.js';
export * from './checks/kube-encryption.js';
export * from './checks/kube-faults.js';
export * from './checks/kube-matrix.js';
export * from './checks/kube-restore.js';
export * from './checks/membership.js';
export * from './checks/memory.js';
export * from './checks/metrics.js';
export * from './checks/peer-rtt.js';
export * from './checks/quorum.js';
export * from './checks/quota.js';
export * from './checks/quota-production.js';
export * from './checks/restore-bump.js';
export * from './checks/single-key.js';
export * from './checks/snapshot-integrity.js';
export * from './checks/snapshot-retention.js';
export * from './checks/tls.js';
export * from './checks/tuning.js';
export * from './checks/upgrade.js';
export * from './checks/version-compat.js';
export { allClaims, type Claim, type ClaimId, claim } from './claims/catalogue.js';
export {
  DASHBOARD_REPLACEMENTS,
  DASHBOARDS,
  type DashboardFact,
  ETCD_MIXIN_DASHBOARD,
  GRAFANA_3070,
} from './claims/dashboards.js';
export { type BinarySwap, type SwapOptions, supportsBinarySwap } from './cluster/binary-swap.js';
export type { ClientTls } from './cluster/clients.js';
export { createEtcdClient } from './cluster/clients.js';
export { etcdctlTlsArgs } from './cluster/etcdctl.js';
export { type EtcdFlags, PRESETS, parseFlagArguments } from './cluster/flags.js';
export { type MembershipChanges, supportsMembershipChanges } from './cluster/membership.js';
export { ClusterSpec } from './cluster/spec.js';
export type { DataDirInit, DataDirInitializer } from './cluster/start-request.js';
export { generateForeignClient } from './cluster/tls.js';
export type {
  ClusterMember,
  Isolation,
  IsolationScope,
  MemberState,
  StartedCluster,
  StoppedCluster,
} from './cluster/types.js';
export {
  describeError,
  HarnessError,
  InputError,
  MemberStartError,
  ProcedureError,
  TimeoutError,
  UnsupportedError,
} from './errors.js';
export { classifyEtcdError, EtcdRequestError, isNoSpaceError } from './etcd-errors.js';
export { fillToQuota, type QuotaFillResult, quotaBytesOf, recoverFromNoSpace } from './faults/quota.js';
export { builtInFaults, FaultRegistry } from './faults/registry.js';
export { type ActiveFault, FaultRunner, type FaultWindow } from './faults/runner.js';
export { type RunSpikeTrainOptions, runSpikeTrain } from './faults/spike-train.js';
export type { Fault, FaultHandle } from './faults/types.js';
export {
  type CheckOutcome,
  type Finding,
  formatBytes,
  type Measurement,
  measure,
  type Verdict,
  worstVerdict,
} from './findings/finding.js';
export * from './kube/api-probe.js';
export {
  ApiServerSpec,
  ApiServerStartError,
  type EtcdAttachment,
  etcdAttachmentOf,
  failingChecks,
  type StartedApiServer,
  type StoppedApiServer,
} from './kube/apiserver.js';
export * from './kube/client.js';
export { createKubeCredentials, type KubeCredentials } from './kube/credentials.js';
export * from './kube/encryption.js';
export * from './kube/guide-procedures.js';
export * from './kube/informer.js';
export * from './kube/kube-load.js';
export * from './kube/objects.js';
export { KubeScope, kubernetesParam, withKube } from './kube/scenario-kube.js';
export { type MatrixCell, type MatrixCellOptions, measureMatrixCell } from './kube/version-matrix.js';
export { type Classification, type ClassifiedFlag, classifySetup } from './manifest/classify.js';
export {
  KUBEADM_ETCD_PINS,
  KUBEADM_ETCD_SOURCE,
  type KubeadmEtcdPin,
  kubeadmEtcdPin,
} from './manifest/kubeadm-etcd.js';
export { type EtcdSetup, parseEtcdSetup, readEtcdSetup } from './manifest/read-setup.js';
export { type Review, type ReviewFinding, reviewSetup } from './manifest/review.js';
export {
  estimateQuantile,
  type Histogram,
  histogramDelta,
  histogramMean,
  histogramQuantile,
} from './observe/histogram.js';
export {
  failoverAfter,
  LeaderTimeline,
  leaderChangesFromMetrics,
  leaderChangesPerMinute,
  leaderTransitions,
} from './observe/leader-timeline.js';
export { type ResidentMemory, residentMemory } from './observe/memory.js';
export {
  METRIC,
  type MetricsSnapshot,
  parseMetrics,
  scrapeCluster,
  scrapeMetrics,
} from './observe/metrics.js';
export { clusterStatus, listAlarms, memberStatus } from './observe/status.js';
export { ledgerWritersParam, type ParamSpec, type ParamSpecs, type ParsedParams } from './params.js';
export { fingerprintChanges, fingerprintDir } from './procedures/fingerprint.js';
export { hashKvAtCommonRevision, type MemberHashes } from './procedures/hashkv.js';
export { compact, defrag, endpointStatus } from './procedures/maintenance.js';
export {
  type RestoreInitializerOptions,
  restoreInitializer,
  restoreSnapshot,
  type SnapshotStatus,
  saveSnapshot,
  snapshotStatus,
} from './procedures/snapshot.js';
export * from './procedures/snapshot-corruption.js';
export { procedureError, runTool, type ToolRun, toolError } from './procedures/tool-run.js';
export { generateKubeData, type KubeDataRecord, planKubeKeyspace } from './scale/kube-data.js';
export {
  describeProfile,
  KUBERNETES_MIX,
  parseScale,
  type ResourceMix,
  SCALE_PROFILES,
  type ScaleProfile,
} from './scale/profiles.js';
export { type SeededSnapshot, seedSnapshot } from './scale/seed.js';
export { startSeededCluster } from './scale/seeded-cluster.js';
export {
  defineScenario,
  type Intensity,
  type RunTarget,
  type ScenarioContext,
  type ScenarioDefinition,
  type Series,
} from './scenario/types.js';
export { Session } from './session.js';
export {
  type FaultPlan,
  type FaultPlanContext,
  MEASURED_PAIR_COLUMNS,
  measuredPairCells,
  measurePair,
  type TimingPair,
} from './tuning/measure-pair.js';
export {
  ETCD_DEFAULT_PAIR,
  GUIDE_PAIR,
  pairFromFlags,
  parsePair,
  uniquePairs,
} from './tuning/tune-scenario.js';
export {
  type AvailabilityReport,
  availabilityByStep,
  type RehearsalStep,
  type StepAvailability,
} from './upgrade/availability.js';
export { type DowngradeRecord, type DowngradeRun, runDowngrade } from './upgrade/downgrade.js';
export {
  compareKeyspace,
  describeKeyspace,
  type KeyspaceComparison,
  observeKeyspace,
  planKeyspace,
  readKeyspace,
  type SeededKeyspace,
  seedKeyspace,
} from './upgrade/keyspace.js';
export {
  type Direction,
  type Precondition,
  preconditionsOf,
  type RehearsalPath,
  rehearsalPath,
  removedFlagsIn,
  v2storeCheckOutcome,
} from './upgrade/preconditions.js';
export {
  refusalLine,
  runRollingSwap,
  type SwappableCluster,
  versionChanges,
  waitForClusterVersion,
} from './upgrade/rehearsal.js';
export type { RehearsalHost } from './upgrade/rehearsal-host.js';
export {
  closeRehearsal,
  type HashesAtRevision,
  neighbourLine,
  type RehearsalCluster,
  type RollingRecord,
  rehearsalParams,
  rehearsalVersions,
  snapshotFromLeader,
  startRehearsalCluster,
  VERSION_CHOICES,
} from './upgrade/rehearsal-run.js';
export {
  type DowngradeRehearsalOptions,
  type DowngradeRehearsalRecord,
  rehearseDowngrade,
} from './upgrade/rehearse-downgrade.js';
export {
  rehearseUpgrade,
  type UpgradeRehearsalOptions,
  type UpgradeRehearsalRecord,
} from './upgrade/rehearse-upgrade.js';
export { attemptSkip, type SkipAttemptRecord } from './upgrade/skip-attempt.js';
export { restoreWithNewTool, type SnapshotCompatRecord } from './upgrade/snapshot-compat.js';
export { readClusterVersions, type VersionReading, VersionSampler } from './upgrade/version-probe.js';
export { freeBytes, InsufficientDiskError, requireFreeDisk } from './util/disk.js';
export { parseGoDurationMs, tookMs } from './util/go-duration.js';
export { pollUntil, sleep, type WaitOptions, waitFor } from './util/wait.js';
export { capabilitiesOf, type EtcdCapabilities } from './versions/capabilities.js';
export {
  DEFAULT_KUBERNETES_LINE,
  describeKubernetesVersions,
  KubernetesVersion,
  kubernetesLines,
  parseKubernetesVersion,
} from './versions/kubernetes-release.js';
export { type EtcdVersion, parseExactVersion, resolveVersion } from './versions/version.js';
export { GrpcKvClient, GrpcStatusError } from './workload/grpc-kv/client.js';
export { prefixRangeEnd } from './workload/grpc-kv/proto.js';
export { runHttpLoad } from './workload/http-load.js';
export type { Ledger } from './workload/ledger.js';
export { checkLedger, readLedgerKeys } from './workload/ledger-check.js';
export { LedgerWriter } from './workload/ledger-writer.js';
export {
  latencySeries,
  longestAckGap,
  PutLoad,
  type PutLoadRecord,
  putWindowStats,
  throughputSeries,
} from './workload/put-load.js';
