#!/usr/bin/env node
// Records which metric families each supported etcd release serves (default flags and --metrics=extensive) into
// alerts/etcd-served-metrics.json, from real 3-member clusters: after puts, gets, a watch, a lease with keep-alives,
// a compaction, and one member killed and restarted (so failure counters such as peer send failures appear), once
// rafthttp has probed its peers. Run after `npm run build`: node scripts/record-served-metrics.mjs [3.4 3.5 ...]
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClusterSpec, resolveVersion, Session, scrapeCluster } from '../dist/harness/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lines = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['3.4', '3.5', '3.6', '3.7'];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function familiesOf(session, version, flags) {
  const cluster = await ClusterSpec.etcd(version).withFlags(flags).start({ session });
  try {
    return await exercise(cluster);
  } finally {
    await (await cluster.stop()).remove();
  }
}

async function exercise(cluster) {
  const leader = await cluster.leader();
  const client = (leader ?? cluster.members[0]).client();
  for (let index = 0; index < 50; index++) await client.put(`/served/${index}`).value(`v${index}`);
  await client.get('/served/1').string();
  await client.getAll().prefix('/served/').keys();
  const watcher = await client.watch().prefix('/served/').create();
  const lease = client.lease(10, { autoKeepAlive: false });
  lease.on('lost', () => {});
  await lease.put('/served/leased').value('x');
  await client.put('/served/1').value('changed');
  await client.delete().key('/served/2');
  const { header } = await client.get('/served/1').exec();
  await cluster.etcdctl(['compaction', String(Number(header.revision) - 5)]);
  const victim = cluster.members.find((member) => member !== leader);
  await victim.kill();
  await client.put('/served/during-outage').value('x');
  await sleep(2_000);
  await victim.start();
  await cluster.waitHealthy({ timeoutMs: 30_000 });
  await sleep(6_000); // rafthttp's prober: round-trip histograms appear after its first probes
  const families = new Map();
  for (const snapshot of await scrapeCluster(cluster)) {
    for (const match of snapshot.text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) families.set(match[1], match[2]);
  }
  await watcher.cancel();
  await lease.revoke();
  return [...families.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, type]) => `${name} ${type}`);
}

const output = join(root, 'alerts', 'etcd-served-metrics.json');
let existing = { versions: {} };
try {
  existing = JSON.parse((await import('node:fs')).readFileSync(output, 'utf8'));
} catch {
  // first recording
}
const session = await Session.open();
try {
  for (const line of lines) {
    const version = resolveVersion(line).toString();
    process.stderr.write(`recording etcd ${version} ...\n`);
    existing.versions[version] = {
      default: await familiesOf(session, version, {}),
      extensive: await familiesOf(session, version, { metrics: 'extensive' }),
    };
  }
} finally {
  await session.close();
}
const document = {
  comment:
    'Metric families (name and type) each etcd release serves on its metrics listener, recorded from real 3-member clusters by scripts/record-served-metrics.mjs: after puts, gets, a watch, a lease, a compaction and a member killed and restarted. `extensive`: started with --metrics=extensive.',
  recordedAt: new Date().toISOString(),
  versions: Object.fromEntries(Object.entries(existing.versions).sort(([a], [b]) => a.localeCompare(b))),
};
writeFileSync(output, `${JSON.stringify(document, null, 2)}\n`);
process.stderr.write(`wrote ${output}\n`);
