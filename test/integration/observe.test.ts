// Observation against real clusters: metrics that move with writes, status and alarms, and a timed failover.
import { describe, expect, it } from 'vitest';
import { ClusterSpec } from '../../harness/cluster/spec.js';
import { histogramDelta } from '../../harness/observe/histogram.js';
import {
  failoverAfter,
  LeaderTimeline,
  leaderChangesFromMetrics,
} from '../../harness/observe/leader-timeline.js';
import { METRIC, type MetricsSnapshot, scrapeCluster, scrapeMetrics } from '../../harness/observe/metrics.js';
import { clusterStatus, listAlarms, memberStatus } from '../../harness/observe/status.js';
import { capabilitiesOf } from '../../harness/versions/capabilities.js';
import { SUPPORTED_LINES } from '../../harness/versions/catalog.js';
import { expectFailoverWithinElectionBound } from '../helpers/failover.js';

/** Sum over members of the increase of a counter series between two scrapes of the same members. */
function increase(before: MetricsSnapshot[], after: MetricsSnapshot[], name: string, labels = {}): number {
  return after.reduce((total, snapshot, index) => {
    return total + (snapshot.counter(name, labels) ?? 0) - (before[index]!.counter(name, labels) ?? 0);
  }, 0);
}

describe('metrics', () => {
  it('scrapes every member, and the write counters and histograms move with 20 puts', async () => {
    await using cluster = await ClusterSpec.etcd('default').start();
    const before = await scrapeCluster(cluster);
    expect(before.map((snapshot) => snapshot.member)).toEqual(['m1', 'm2', 'm3']);

    const client = cluster.client();
    for (let index = 0; index < 20; index++) await client.put(`/observe/${index}`).value('v');
    const after = await scrapeCluster(cluster);

    // Every put went to exactly one member's gRPC server.
    expect(increase(before, after, METRIC.grpcHandled, { grpc_method: 'Put', grpc_code: 'OK' })).toBe(20);
    expect(after.reduce((leaders, snapshot) => leaders + snapshot.gauge(METRIC.isLeader)!, 0)).toBe(1);
    for (const [index, snapshot] of after.entries()) {
      const previous = before[index]!;
      expect(snapshot.gauge(METRIC.hasLeader)).toBe(1);
      expect(
        snapshot.counter(METRIC.proposalsCommitted)! - previous.counter(METRIC.proposalsCommitted)!,
      ).toBeGreaterThanOrEqual(20);
      // Each member persists every entry: at least one WAL fsync per put.
      const fsyncs = histogramDelta(
        snapshot.histogram(METRIC.walFsync)!,
        previous.histogram(METRIC.walFsync)!,
      );
      expect(fsyncs.count).toBeGreaterThanOrEqual(20);
      expect(fsyncs.sum).toBeGreaterThan(0);
      expect(snapshot.histogram(METRIC.backendCommit)?.count).toBeGreaterThan(0);
      expect(snapshot.gauge(METRIC.dbTotalSize)).toBeGreaterThan(0);
      expect(snapshot.text).toContain(METRIC.walFsync);
    }
    // Negative control: no leader change happened.
    expect(leaderChangesFromMetrics(before, after)).toBe(0);
  });

  it('skips members that are not running, and says which member failed a scrape', async () => {
    await using cluster = await ClusterSpec.etcd('default').start();
    const m3 = cluster.member('m3');
    await m3.pause();
    try {
      expect((await scrapeCluster(cluster)).map((snapshot) => snapshot.member)).toEqual(['m1', 'm2']);
      await expect(scrapeMetrics(m3, { timeoutMs: 300 })).rejects.toMatchObject({
        name: 'MetricsScrapeError',
        context: { member: 'm3', endpoint: `${m3.urls.metrics}/metrics` },
      });
    } finally {
      await m3.resume();
    }
  });
});

describe.each(SUPPORTED_LINES)('metric names and status on etcd %s', (line) => {
  it('exposes what the capability table says, and status carries both db sizes', async () => {
    await using cluster = await ClusterSpec.etcd(line).start();
    const capabilities = capabilitiesOf(cluster.version);
    await cluster.client().put('/observe/version').value(line);
    const snapshot = await scrapeMetrics(cluster.member('m1'));
    const names = snapshot.names();
    for (const name of [
      METRIC.walFsync,
      METRIC.backendCommit,
      METRIC.leaderChanges,
      METRIC.isLeader,
      METRIC.hasLeader,
      METRIC.quota,
      METRIC.proposalsFailed,
      METRIC.proposalsApplied,
      METRIC.proposalsCommitted,
      METRIC.proposalsPending,
      METRIC.grpcHandled,
      capabilities.dbTotalSizeMetric,
      capabilities.dbInUseSizeMetric,
    ]) {
      expect(names, name).toContain(name);
    }
    expect(names.includes(METRIC.debuggingDbTotalSize)).toBe(
      capabilities.debuggingDbTotalSizeMetric !== undefined,
    );
    expect(names.includes(METRIC.requestDuration)).toBe(capabilities.requestDurationMetric !== undefined);
    expect(names.includes(METRIC.applyDuration)).toBe(capabilities.applyDurationMetric !== undefined);
    // Without --metrics=extensive there is no gRPC latency histogram on any version.
    expect(names).not.toContain(METRIC.grpcHandling);

    const status = await memberStatus(cluster.member('m1'));
    expect(status.reachable).toBe(true);
    expect(status.version).toBe(cluster.version.toString());
    expect(status.dbSizeBytes).toBeGreaterThan(0);
    expect(status.dbSizeInUseBytes).toBeGreaterThan(0);
    expect(status.dbSizeInUseBytes).toBeLessThanOrEqual(status.dbSizeBytes!);
  });
});

describe('status and alarms', () => {
  it('shows exactly one leader with consistent ids (as etcdctl prints them), and lists alarms by member name', async () => {
    await using cluster = await ClusterSpec.etcd('default').start();
    const statuses = await clusterStatus(cluster);
    expect(statuses.map((status) => status.member)).toEqual(['m1', 'm2', 'm3']);
    expect(statuses.every((status) => status.reachable)).toBe(true);
    const leaders = statuses.filter((status) => status.isLeader);
    expect(leaders).toHaveLength(1);
    expect(new Set(statuses.map((status) => status.memberId)).size).toBe(3);
    for (const status of statuses) {
      expect(status.leaderId).toBe(leaders[0]!.memberId);
      expect(status.raftTerm).toBe(leaders[0]!.raftTerm);
      expect(status.raftIndex).toBeGreaterThan(0);
    }
    expect((await cluster.leader())?.name).toBe(leaders[0]!.member);

    // `etcdctl member list`: "<hex id>, started, <name>, <peer urls>, <client urls>, <is learner>".
    const listed = (await cluster.etcdctl(['member', 'list'])).stdout.trim().split('\n');
    expect(listed).toHaveLength(3);
    for (const entry of listed) {
      const [id, , name] = entry.split(', ');
      expect(statuses.find((status) => status.member === name)?.memberId).toBe(id);
    }

    expect(await listAlarms(cluster)).toEqual([]);
    const m2 = statuses.find((status) => status.member === 'm2')!;
    const memberID = BigInt(`0x${m2.memberId}`).toString();
    const client = cluster.client();
    await client.maintenance.alarm({ action: 'Activate', memberID, alarm: 'Nospace' });
    expect(await listAlarms(cluster)).toEqual([{ member: 'm2', alarm: 'NOSPACE' }]);
    await client.maintenance.alarm({ action: 'Deactivate', memberID, alarm: 'Nospace' });
    expect(await listAlarms(cluster)).toEqual([]);
  });
});

describe('a TLS cluster', () => {
  it('is observed over TLS on the direct client URLs (status, alarms, timeline) and plain-HTTP metrics', async () => {
    await using cluster = await ClusterSpec.etcd('default').withTls().start();
    expect(cluster.member('m1').urls.clientDirect).toMatch(/^https:/);
    const statuses = await clusterStatus(cluster);
    expect(statuses.map((status) => status.reachable)).toEqual([true, true, true]);
    expect(statuses.filter((status) => status.isLeader)).toHaveLength(1);
    expect(await listAlarms(cluster)).toEqual([]);
    expect(await scrapeCluster(cluster)).toHaveLength(3);
    await using timeline = LeaderTimeline.start(cluster);
    const view = await timeline.waitFor((candidate) => candidate.leader !== undefined, 5_000);
    expect(view?.leader).toBe(statuses.find((status) => status.isLeader)?.member);
    // Without the cluster's CA the same read fails, and says so instead of throwing.
    const untrusted = await memberStatus(cluster.member('m1'), { timeoutMs: 1_000 });
    expect(untrusted.reachable).toBe(false);
  });
});

describe('leader timeline', () => {
  it('times the failover after the leader is paused (SIGSTOP) and counts one leader change', async () => {
    await using cluster = await ClusterSpec.etcd('default').start();
    const intervalMs = 50;
    const electionTimeoutMs = 1_000; // etcd's default, which this cluster runs with
    await using timeline = LeaderTimeline.start(cluster, { intervalMs });
    const initial = await timeline.waitFor((view) => view.leader !== undefined, 5_000);
    expect(initial?.leader).toBeDefined();
    const leader = cluster.member(initial!.leader!);
    const metricsBefore = await scrapeCluster(cluster);

    const pausedAt = timeline.mark(`pause ${leader.name}`);
    await leader.pause();
    let newLeader: string | undefined;
    try {
      const elected = await timeline.waitForNewLeader(leader.name, 10_000);
      newLeader = elected?.leader;
      // A paused member is reported unreachable, and reading it does not throw.
      expect(elected?.perMember[leader.name]).toEqual({ reachable: false });
      const paused = await memberStatus(leader, { timeoutMs: 300 });
      expect(paused).toMatchObject({ member: leader.name, reachable: false });
      expect(paused.error).toBeTruthy();
    } finally {
      await leader.resume();
    }
    expect(newLeader).toBeDefined();
    // The resumed member rejoins as a follower of the new leader.
    const rejoined = await timeline.waitFor(
      (view) => view.perMember[leader.name]?.leader === newLeader,
      10_000,
    );
    expect(rejoined?.leader).toBe(newLeader);
    const result = await timeline.stop();
    const metricsAfter = await scrapeCluster(cluster);

    const failover = failoverAfter(result, pausedAt);
    expect(failover.previousLeader).toBe(leader.name);
    expect(failover.newLeader).toBe(newLeader);
    // Followers wait at least one election timeout (less up to one heartbeat) and at most two per election round.
    expect(failover.durationMs).toBeGreaterThan(electionTimeoutMs / 2);
    expectFailoverWithinElectionBound(failover, electionTimeoutMs, intervalMs);
    expect(result.leaderChanges).toBe(1);
    expect(result.marks).toEqual([{ label: `pause ${leader.name}`, at: pausedAt }]);
    expect(result.leaderlessMs).toBeLessThan(failover.electionRounds! * 2 * electionTimeoutMs);
    expect(leaderChangesFromMetrics(metricsBefore, metricsAfter)).toBe(1);
    console.log(
      `failover after pausing ${leader.name}: ${failover.durationMs} ms to ${newLeader}; leaderless ${result.leaderlessMs} ms; ` +
        `${result.samples.length} samples over ${result.samples.at(-1)!.at - result.samples[0]!.at} ms`,
    );
  });
});
