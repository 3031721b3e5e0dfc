// Backups and I/O: a production-size keyspace (--scale) restored into a 3-member cluster, a put load through every
// member, and windows without a snapshot alternating with `etcdctl snapshot save` from the leader (the guide's
// backup command targets the local member; the leader is the worst case). Put p99 and throughput inside the
// snapshot windows against the quiet ones: the guide's "run backups during low-traffic windows to avoid I/O spikes".
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkBackupIoImpact,
  defineScenario,
  GrpcKvClient,
  type LoadWindowStats,
  latencySeries,
  PutLoad,
  putWindowStats,
  saveSnapshot,
  startSeededCluster,
  throughputSeries,
} from '../harness/index.js';

export default defineScenario({
  id: 'backup-io',
  title: 'A snapshot save during traffic: put latency and throughput against quiet windows',
  claims: ['backup.io-impact'],
  suites: ['full'],
  params: {
    rounds: {
      type: 'number',
      default: 3,
      unit: 'count',
      min: 1,
      max: 20,
      description: 'quiet + snapshot pairs',
    },
    quietMs: {
      type: 'number',
      default: 8_000,
      unit: 'ms',
      min: 500,
      max: 300_000,
      description: 'length of each window without a snapshot',
    },
    inFlight: {
      type: 'number',
      default: 16,
      unit: 'count',
      min: 1,
      max: 1_024,
      description: 'puts in flight',
    },
    valueBytes: {
      type: 'number',
      default: 1_024,
      unit: 'bytes',
      min: 1,
      max: 1_048_576,
      description: 'put size',
    },
  },
  intensities: { quick: { rounds: 2, quietMs: 2_000 }, full: { rounds: 3, quietMs: 8_000 } },
  timeoutMs: { quick: 5 * 60_000, full: 60 * 60_000 },
  async run(ctx) {
    const { params } = ctx;
    const { cluster, seed } = await startSeededCluster(ctx);
    const leader = (await cluster.leader()) ?? cluster.members[0]!;
    const clients = cluster.members.map(
      (member) => new GrpcKvClient({ endpoint: member.urls.client, tls: cluster.clientTls() }),
    );
    const windows: LoadWindowStats[] = [];
    const spans: { kind: 'quiet' | 'snapshot'; from: number; to: number }[] = [];
    let snapshotBytes = 0;
    try {
      ctx.step(`put load (${params.inFlight} in flight) with ${params.rounds} snapshot(s) of ${leader.name}`);
      const load = PutLoad.start(
        clients.map((client, index) => ({ client, label: cluster.members[index]!.name })),
        { inFlight: params.inFlight, valueBytes: params.valueBytes, keySpace: 10_000, prefix: '/backup-io/' },
      );
      await ctx.sleep(1_000); // connections up, the load steady
      for (let round = 1; round <= params.rounds; round++) {
        const quietFrom = Date.now();
        await ctx.sleep(params.quietMs);
        spans.push({ kind: 'quiet', from: quietFrom, to: Date.now() });
        const path = join(ctx.workDir, `backup-io-${round}.db`);
        const saved = await saveSnapshot(cluster, leader, path, {
          timeoutMs: Math.max(120_000, (seed.snapshotBytes / (5 * 1024 ** 2)) * 1000),
        });
        ctx.recordTool(`snapshot save ${round} from ${leader.name}`, saved.run);
        spans.push({ kind: 'snapshot', from: saved.startedAt, to: saved.finishedAt });
        snapshotBytes = saved.sizeBytes;
        await rm(path, { force: true });
      }
      const lastFrom = Date.now();
      await ctx.sleep(params.quietMs);
      spans.push({ kind: 'quiet', from: lastFrom, to: Date.now() });
      const record = await load.stop();
      for (const span of spans) {
        const stats = putWindowStats(record, span);
        windows.push({
          ...span,
          puts: stats.puts,
          putsPerSecond: stats.putsPerSecond,
          p50Ms: stats.latencyMs.p50,
          p99Ms: stats.latencyMs.p99,
        });
      }
      ctx.series({
        name: 'put latency p99 (all members)',
        unit: 'ms',
        cluster: cluster.name,
        points: latencySeries(record, 500),
      });
      ctx.series({
        name: 'puts/s (all members)',
        unit: 'puts/s',
        cluster: cluster.name,
        points: throughputSeries(record, 500),
      });
      ctx.series({
        name: `snapshot save of ${leader.name} in progress`,
        unit: '1 = saving',
        cluster: cluster.name,
        points: spans.flatMap((span) => [
          { at: span.from, value: span.kind === 'snapshot' ? 1 : 0 },
          { at: span.to, value: span.kind === 'snapshot' ? 1 : 0 },
        ]),
      });
      ctx.table({
        name: `Put load with and without snapshot save (${seed.profile.name}, ${(seed.snapshotBytes / 1024 ** 2).toFixed(0)} MiB)`,
        columns: ['window', 'seconds', 'puts', 'puts/s', 'p50 ms', 'p99 ms'],
        rows: windows.map((window) => [
          window.kind,
          Math.round((window.to - window.from) / 100) / 10,
          window.puts,
          Math.round(window.putsPerSecond),
          Math.round(window.p50Ms * 10) / 10,
          Math.round(window.p99Ms * 10) / 10,
        ]),
        chart: { columns: ['puts/s', 'p99 ms'] },
      });
      await ctx.evidence.json('backup-io-windows.json', { windows, failures: record.failures.length });
    } finally {
      for (const client of clients) client.close();
    }
    ctx.report(
      checkBackupIoImpact({
        dbSizeBytes: seed.generation.dbSizeBytes,
        snapshotBytes,
        member: leader.name,
        windows,
      }),
    );
  },
});
