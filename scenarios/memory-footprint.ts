// Memory against keyspace size: an empty cluster, then clusters restored from 25 %, 50 % and 100 % of the --scale
// keyspace; each member's resident memory read from /proc right after the start and again after a full read of the
// keyspace through it (paginated, like kube-apiserver's initial lists). Anonymous memory (Go heap: index, raft log)
// and file-backed memory (the mmap'd bbolt db, which the page cache can give back) are reported apart, against the
// guide's "etcd process uses 1‑2 GB".
import {
  type ClusterMember,
  checkMemoryFootprint,
  defineScenario,
  GrpcKvClient,
  InputError,
  type MemorySample,
  prefixRangeEnd,
  residentMemory,
  SCALE_PROFILES,
  type StartedCluster,
  startSeededCluster,
} from '../harness/index.js';

const PREFIX = '/registry/';

/** Reads every key and value under /registry/ through one member, 500 at a time; returns how many keys. */
async function readEverything(cluster: StartedCluster, member: ClusterMember): Promise<number> {
  const client = new GrpcKvClient({
    endpoint: member.urls.client,
    tls: cluster.clientTls(),
    callTimeoutMs: 60_000,
  });
  try {
    let key: Buffer = Buffer.from(PREFIX);
    const end = prefixRangeEnd(PREFIX);
    let keys = 0;
    for (;;) {
      const page = await client.range({ key, rangeEnd: end, limit: 500 });
      keys += page.kvs.length;
      if (!page.more || page.kvs.length === 0) return keys;
      key = Buffer.concat([page.kvs.at(-1)!.key, Buffer.from([0])]);
    }
  } finally {
    client.close();
  }
}

export default defineScenario({
  id: 'memory-footprint',
  title: "Member memory against keyspace size, against the guide's 1–2 GB",
  claims: ['memory.footprint'],
  suites: ['full'],
  params: {
    fractions: {
      type: 'list',
      default: ['0', '0.25', '0.5', '1'],
      description: 'shares of the --scale keyspace to measure at (0: an empty cluster)',
    },
  },
  timeoutMs: { quick: 5 * 60_000, full: 90 * 60_000 },
  async run(ctx) {
    const fractions = [...new Set(ctx.params.fractions.map(Number))].sort((a, b) => a - b);
    if (fractions.some((fraction) => !(fraction >= 0 && fraction <= 1)) || !fractions.includes(1))
      throw new InputError(
        `Expected \`memory-footprint.fractions\` to be numbers from 0 to 1 including 1, got \`${ctx.params.fractions.join(',')}\`.`,
      );
    const full = ctx.target.scale ?? SCALE_PROFILES.small;
    const samples: MemorySample[] = [];
    for (const fraction of fractions) {
      let cluster: StartedCluster;
      let dbSizeBytes = 0;
      let seededKeys = 0;
      if (fraction === 0) {
        ctx.step('an empty cluster');
        cluster = await ctx.startCluster();
      } else {
        const profile =
          fraction === 1
            ? full
            : {
                ...full,
                name: `${full.name}-${Math.round(fraction * 100)}pct`,
                keys: Math.max(1, Math.round(full.keys * fraction)),
                dbBytes: Math.max(1024 ** 2, Math.round(full.dbBytes * fraction)),
              };
        const seeded = await startSeededCluster(ctx, { profile });
        cluster = seeded.cluster;
        dbSizeBytes = seeded.seed.generation.dbSizeBytes;
        seededKeys = seeded.seed.generation.keys;
      }
      for (const afterFullRead of [false, true]) {
        for (const member of cluster.members) {
          const keys = afterFullRead ? await readEverything(cluster, member) : seededKeys;
          if (member.pid === undefined) throw new Error(`${member.name} has no process id on this host`);
          const memory = await residentMemory(member.pid);
          samples.push({
            member: member.name,
            fraction,
            dbSizeBytes,
            keys,
            afterFullRead,
            rssBytes: memory.rssBytes,
            anonBytes: memory.anonBytes,
            fileBytes: memory.fileBytes,
          });
        }
      }
      await ctx.releaseCluster(cluster);
    }
    ctx.table({
      name: `Resident memory per member against keyspace size (${full.name})`,
      columns: [
        'share',
        'db MiB',
        'keys',
        'member',
        'after full read',
        'resident MiB',
        'anonymous MiB',
        'file-backed MiB',
      ],
      rows: samples.map((sample) => [
        sample.fraction,
        Math.round(sample.dbSizeBytes / 1024 ** 2),
        sample.keys,
        sample.member,
        sample.afterFullRead ? 'yes' : 'no',
        Math.round(sample.rssBytes / 1024 ** 2),
        Math.round(sample.anonBytes / 1024 ** 2),
        Math.round(sample.fileBytes / 1024 ** 2),
      ]),
      chart: { columns: ['anonymous MiB', 'file-backed MiB'] },
    });
    const record = { profile: full.name, samples };
    await ctx.evidence.json('memory.json', record);
    ctx.report(checkMemoryFootprint(record));
  },
});
