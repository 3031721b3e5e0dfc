// The shipped rules files: their shape, time compression, and the metric names they read against what each etcd
// release serves (alerts/etcd-served-metrics.json, recorded from real clusters).
import { describe, expect, it } from 'vitest';
import { parseDurationMs } from '../../harness/alerting/promql.js';
import {
  alertNames,
  compressRules,
  isAlertingRule,
  metricsReadBy,
  readShippedRules,
  rulesOf,
} from '../../harness/alerting/rules.js';
import {
  availabilityOf,
  recordedReleases,
  servedFamilies,
  unservedMetricsNote,
} from '../../harness/alerting/served-metrics.js';
import { resolveVersion } from '../../harness/versions/version.js';

const MIXIN_ALERTS = [
  'etcdMembersDown',
  'etcdInsufficientMembers',
  'etcdNoLeader',
  'etcdHighNumberOfLeaderChanges',
  'etcdHighNumberOfFailedGRPCRequests',
  'etcdGRPCRequestsSlow',
  'etcdMemberCommunicationSlow',
  'etcdHighNumberOfFailedProposals',
  'etcdHighFsyncDurations',
  'etcdHighCommitDurations',
  'etcdDatabaseQuotaLowSpace',
  'etcdExcessiveDatabaseGrowth',
  'etcdDatabaseHighFragmentationRatio',
];

describe('shipped rules', () => {
  it("hold the guide's five alerts and every alert of etcd's mixin", async () => {
    expect(alertNames(await readShippedRules('guide'))).toEqual([
      'etcdGuideLeaderChanges',
      'etcdGuideWalFsyncSlow',
      'etcdGuideBackendCommitSlow',
      'etcdGuideDatabaseSize',
      'etcdGuideDiskWrites',
    ]);
    expect(alertNames(await readShippedRules('mixin'))).toEqual(MIXIN_ALERTS);
    expect((await rulesOf('all')).groups.map((group) => group.name)).toEqual(['etcd-guide', 'etcd']);
  });

  it("the guide's rules read only names every recorded release serves with default flags", async () => {
    expect(recordedReleases()).toEqual(['3.4.23', '3.5.35', '3.6.16', '3.7.3']);
    const readers = metricsReadBy(await readShippedRules('guide'));
    expect([...readers.keys()].sort()).toEqual([
      'etcd_disk_backend_commit_duration_seconds_bucket',
      'etcd_disk_wal_fsync_duration_seconds_bucket',
      'etcd_disk_wal_fsync_duration_seconds_count',
      'etcd_mvcc_db_total_size_in_bytes',
      'etcd_server_leader_changes_seen_total',
      'etcd_server_quota_backend_bytes',
    ]);
    for (const release of recordedReleases()) {
      const served = servedFamilies(release)!;
      for (const name of readers.keys())
        expect(availabilityOf(name, served), `${name} on ${release}`).toBe('served');
    }
  });

  it('names the mixin rule that needs --metrics=extensive (etcd serves gRPC latency only then)', async () => {
    const mixin = await readShippedRules('mixin');
    for (const line of ['3.4', '3.5', '3.6', '3.7']) {
      const note = unservedMetricsNote(mixin, resolveVersion(line));
      expect(note.slice(1)).toEqual([
        expect.stringMatching(
          /^ {2}etcdGRPCRequestsSlow: grpc_server_handling_seconds_bucket only with --metrics=extensive/,
        ),
      ]);
    }
  });
});

describe('time compression of rules', () => {
  it('divides every for: and range window by the factor, keeps thresholds, labels and annotations', async () => {
    const shipped = await rulesOf('all');
    const compressed = compressRules(shipped, 20);
    const original = shipped.groups.flatMap((group) => group.rules.filter(isAlertingRule));
    const scaled = compressed.groups.flatMap((group) => group.rules.filter(isAlertingRule));
    expect(scaled).toHaveLength(original.length);
    for (const [index, rule] of original.entries()) {
      const result = scaled[index]!;
      expect(result.alert).toBe(rule.alert);
      expect(result.labels).toEqual(rule.labels);
      expect(result.annotations).toEqual(rule.annotations);
      if (rule.for) expect(parseDurationMs(result.for!)).toBe(parseDurationMs(rule.for) / 20);
      const ranges = (expr: string) =>
        [...expr.matchAll(/\[(\d+[a-z]+)/g)].map((match) => parseDurationMs(match[1]!));
      expect(ranges(result.expr)).toEqual(ranges(rule.expr).map((ms) => ms / 20));
      // Thresholds: every number outside brackets is unchanged.
      const numbers = (expr: string) => expr.replace(/\[[^\]]*\]/g, '').match(/[<>]=?\s*[\d.]+/g);
      expect(numbers(result.expr)).toEqual(numbers(rule.expr));
    }
  });

  it('refuses a factor below 1', async () => {
    await expect(async () => compressRules(await rulesOf('guide'), 0.5)).rejects.toThrow(/≥ 1, got `0.5`/);
  });
});
