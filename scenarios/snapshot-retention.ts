// --snapshot-count, --max-snapshots, --max-wals: a cluster started with small limits gets sustained writes of large
// values (WAL segments are 64 MiB, so the WAL limit needs a few hundred MiB) while every member's snap/ and wal/
// dirs are listed twice a second; then the writes stop and the scenario waits out etcd's purge interval (30 s). What
// was created and what is left, per member, against the flags.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkSnapFilesKept,
  checkSnapshotSpacing,
  checkWalFilesKept,
  defineScenario,
  GrpcKvClient,
  type MemberFiles,
  PutLoad,
  throughputSeries,
} from '../harness/index.js';

const SNAP_FILE = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;
const WAL_FILE = /^[0-9a-f]{16}-[0-9a-f]{16}\.wal$/;
/** etcd purges old snapshot and WAL files every 30 s (etcdserver purgeFileInterval). */
const PURGE_INTERVAL_MS = 30_000;

async function listNames(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return []; // not created yet (a member before its first snapshot has no snap/ entries)
  }
}

export default defineScenario({
  id: 'snapshot-retention',
  title: 'Snapshot and WAL files kept on disk against --snapshot-count, --max-snapshots, --max-wals',
  claims: ['tuning.snapshot-retention'],
  suites: ['full'],
  params: {
    snapshotCount: {
      type: 'number',
      default: 2_000,
      unit: 'count',
      min: 10,
      max: 1_000_000,
      description: '--snapshot-count',
    },
    maxSnapshots: {
      type: 'number',
      default: 5,
      unit: 'count',
      min: 1,
      max: 100,
      description: '--max-snapshots',
    },
    maxWals: { type: 'number', default: 5, unit: 'count', min: 1, max: 100, description: '--max-wals' },
    valueBytes: {
      type: 'number',
      default: 64 * 1024,
      unit: 'bytes',
      min: 1_024,
      max: 1_048_576,
      description:
        'size of each put: large values fill 64 MiB WAL segments quickly, but each member keeps --snapshot-count + 5000 entries in memory',
    },
    maxWriteMs: {
      type: 'number',
      default: 180_000,
      unit: 'ms',
      min: 1_000,
      max: 3_600_000,
      description: 'give up writing after this long even if the limits were not reached',
    },
  },
  intensities: {
    quick: { snapshotCount: 100, maxSnapshots: 1, maxWals: 1, maxWriteMs: 60_000 },
    full: { snapshotCount: 2_000, maxSnapshots: 5, maxWals: 5, maxWriteMs: 180_000 },
  },
  timeoutMs: { quick: 5 * 60_000, full: 20 * 60_000 },
  async run(ctx) {
    const { params } = ctx;
    const cluster = await ctx.startCluster(
      ctx.clusterSpec().withFlags({
        'snapshot-count': params.snapshotCount,
        'max-snapshots': params.maxSnapshots,
        'max-wals': params.maxWals,
      }),
    );
    const seen = cluster.members.map(() => ({ snaps: new Map<string, number>(), wals: new Set<string>() }));
    const counts: { at: number; member: string; snaps: number; wals: number }[] = [];
    const scan = async () => {
      for (const [index, member] of cluster.members.entries()) {
        const snapNames = (await listNames(join(member.dataDir, 'member', 'snap'))).filter((name) =>
          SNAP_FILE.test(name),
        );
        const walNames = (await listNames(join(member.dataDir, 'member', 'wal'))).filter((name) =>
          WAL_FILE.test(name),
        );
        for (const name of snapNames)
          seen[index]!.snaps.set(name, Number.parseInt(SNAP_FILE.exec(name)![2]!, 16));
        for (const name of walNames) seen[index]!.wals.add(name);
        counts.push({ at: Date.now(), member: member.name, snaps: snapNames.length, wals: walNames.length });
      }
    };
    const enough = () =>
      seen.every(
        (member) => member.wals.size >= params.maxWals + 2 && member.snaps.size >= params.maxSnapshots + 2,
      );
    const leader = (await cluster.leader()) ?? cluster.members[0]!;
    const client = new GrpcKvClient({ endpoint: leader.urls.client, tls: cluster.clientTls() });
    let scanning = true;
    const scanner = (async () => {
      while (scanning) {
        await scan();
        await ctx.sleep(500);
      }
    })();
    try {
      ctx.step(
        `writing ${params.valueBytes}-byte values until every member made ${params.maxWals + 2} WAL and ${params.maxSnapshots + 2} snapshot files`,
      );
      const load = PutLoad.start([{ client, label: leader.name }], {
        inFlight: 8,
        valueBytes: params.valueBytes,
        keySpace: 1_000,
        prefix: '/retention/',
        callTimeoutMs: 30_000,
      });
      const writeUntil = Date.now() + params.maxWriteMs;
      while (!enough() && Date.now() < writeUntil) await ctx.sleep(500);
      const record = await load.stop();
      ctx.series({
        name: 'puts/s',
        unit: 'puts/s',
        cluster: cluster.name,
        points: throughputSeries(record, 1_000),
      });
      ctx.step(`waiting out etcd's purge interval (${PURGE_INTERVAL_MS / 1000} s) and a margin`);
      await ctx.sleep(PURGE_INTERVAL_MS + 5_000);
    } finally {
      scanning = false;
      await scanner;
      client.close();
    }
    await scan();
    const last = (member: string) => counts.filter((count) => count.member === member).at(-1);
    const members: MemberFiles[] = cluster.members.map((member, index) => ({
      member: member.name,
      snapIndexesSeen: [...seen[index]!.snaps.values()].sort((a, b) => a - b),
      walFilesSeen: seen[index]!.wals.size,
      snapFilesAtEnd: last(member.name)?.snaps ?? 0,
      walFilesAtEnd: last(member.name)?.wals ?? 0,
    }));
    for (const kind of ['snaps', 'wals'] as const)
      for (const member of cluster.members)
        ctx.series({
          name: `${kind === 'snaps' ? '.snap' : '.wal'} files on ${member.name}`,
          unit: 'count',
          cluster: cluster.name,
          points: counts
            .filter((count) => count.member === member.name)
            .map((count) => ({ at: count.at, value: count[kind] })),
          thresholds: [
            {
              label: kind === 'snaps' ? '--max-snapshots' : '--max-wals',
              value: kind === 'snaps' ? params.maxSnapshots : params.maxWals,
            },
          ],
        });
    ctx.table({
      name: `Files per member (--snapshot-count=${params.snapshotCount}, --max-snapshots=${params.maxSnapshots}, --max-wals=${params.maxWals})`,
      columns: ['member', '.snap created', '.snap on disk', '.wal created', '.wal on disk'],
      rows: members.map((member) => [
        member.member,
        member.snapIndexesSeen.length,
        member.snapFilesAtEnd,
        member.walFilesSeen,
        member.walFilesAtEnd,
      ]),
    });
    const record = {
      snapshotCount: params.snapshotCount,
      maxSnapshots: params.maxSnapshots,
      maxWals: params.maxWals,
      members,
    };
    await ctx.evidence.json('retention.json', record);
    ctx.report(checkSnapshotSpacing(record));
    ctx.report(checkSnapFilesKept(record));
    ctx.report(checkWalFilesKept(record));
  },
});
