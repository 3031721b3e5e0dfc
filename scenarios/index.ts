// The built-in scenarios, in the order the suites run them: quick, foundational checks first, long timing ones last.
import type { ScenarioDefinition } from '../harness/index.js';
import alertCoverage from './alert-coverage.js';
import alerts from './alerts.js';
import backupIo from './backup-io.js';
import backupRestore from './backup-restore.js';
import compaction from './compaction.js';
import dashboardMetrics from './dashboard-metrics.js';
import defrag from './defrag.js';
import defragBlocking from './defrag-blocking.js';
import downgradeRehearsal from './downgrade-rehearsal.js';
import guideBackup from './guide-backup.js';
import k8sApiserverFaults from './k8s-apiserver-faults.js';
import k8sCrdRecovery from './k8s-crd-recovery.js';
import k8sEncryption from './k8s-encryption.js';
import k8sFullRestore from './k8s-full-restore.js';
import k8sVersionMatrix from './k8s-version-matrix.js';
import memberReplace from './member-replace.js';
import memoryFootprint from './memory-footprint.js';
import metricsExposed from './metrics-exposed.js';
import peerRtt from './peer-rtt.js';
import quorum from './quorum.js';
import quota from './quota.js';
import quotaProduction from './quota-production.js';
import restoreBumpRevision from './restore-bump-revision.js';
import restoreSingleKey from './restore-single-key.js';
import snapshotCorruption from './snapshot-corruption.js';
import snapshotRetention from './snapshot-retention.js';
import tlsMismatch from './tls-mismatch.js';
import tuning from './tuning.js';
import upgradeRehearsal from './upgrade-rehearsal.js';
import versionCompat from './version-compat.js';

export const BUILT_IN_SCENARIOS: readonly ScenarioDefinition[] = [
  versionCompat,
  backupRestore,
  snapshotCorruption,
  restoreBumpRevision,
  restoreSingleKey,
  quorum,
  memberReplace,
  quota,
  defrag,
  compaction,
  metricsExposed,
  dashboardMetrics,
  tlsMismatch,
  alerts,
  tuning,
  // Full suite only (each starts three or four clusters on two releases): see `suites`.
  upgradeRehearsal,
  downgradeRehearsal,
  alertCoverage,
  // Full suite only: the guide's backup script drilled under faults, retention, encryption, cross-version restore.
  guideBackup,
  // Kubernetes in the loop (a real kube-apiserver, built from Go modules once per cache): full suite, or by name.
  k8sFullRestore,
  k8sCrdRecovery,
  k8sEncryption,
  k8sApiserverFaults,
  k8sVersionMatrix,
  // Full suite only: production-size data (--scale) and long measurements.
  snapshotRetention,
  peerRtt,
  backupIo,
  defragBlocking,
  memoryFootprint,
  quotaProduction,
] as unknown as ScenarioDefinition[];
