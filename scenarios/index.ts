// The built-in scenarios, in the order the suites run them: quick, foundational checks first, long timing ones last.
import type { ScenarioDefinition } from '../harness/index.js';
import alerts from './alerts.js';
import backupIo from './backup-io.js';
import backupRestore from './backup-restore.js';
import compaction from './compaction.js';
import defrag from './defrag.js';
import defragBlocking from './defrag-blocking.js';
import downgradeRehearsal from './downgrade-rehearsal.js';
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

export const BUILT_IN_SCENARIOS: readonly ScenarioDefinition[] = [
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
  tlsMismatch,
  alerts,
  tuning,
  // Full suite only (each starts three or four clusters on two releases): see `suites`.
  upgradeRehearsal,
  downgradeRehearsal,
  // Full suite only: production-size data (--scale) and long measurements.
  snapshotRetention,
  peerRtt,
  backupIo,
  defragBlocking,
  memoryFootprint,
  quotaProduction,
] as unknown as ScenarioDefinition[];
