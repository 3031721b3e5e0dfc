// The dashboards operators are pointed to (Grafana 3070 by the guide, etcd's own in contrib/mixin): every metric
// their queries read, checked against what this release's metrics listener serves after ordinary traffic (puts,
// gets, a watch, a lease) and rafthttp's first peer probes.
import {
  checkDashboardMetrics,
  DASHBOARDS,
  defineScenario,
  METRIC,
  scrapeCluster,
} from '../harness/index.js';

export default defineScenario({
  id: 'dashboard-metrics',
  title: 'The dashboards the guide and etcd point to read metrics etcd serves',
  claims: ['dashboards.metrics'],
  params: {
    probeWaitMs: {
      type: 'number',
      default: 15_000,
      unit: 'ms',
      min: 1_000,
      description:
        "how long to wait for rafthttp's first peer probe (the round-trip histogram appears after it)",
    },
  },
  async run(ctx) {
    const cluster = await ctx.startCluster();
    ctx.step('traffic: puts, gets, a watch and a lease');
    const client = cluster.client();
    for (let index = 0; index < 20; index++) await client.put(`/dashboards/${index}`).value(`v${index}`);
    await client.getAll().prefix('/dashboards/').keys();
    const watcher = await client.watch().prefix('/dashboards/').create();
    const lease = client.lease(30, { autoKeepAlive: false });
    lease.on('lost', () => {});
    await lease.put('/dashboards/leased').value('x');
    ctx.step("waiting for rafthttp's peer probes");
    const deadline = Date.now() + ctx.params.probeWaitMs;
    let snapshots = await scrapeCluster(cluster);
    while (
      !snapshots.every((snapshot) => snapshot.names().includes(METRIC.peerRoundTrip)) &&
      Date.now() < deadline
    ) {
      await ctx.sleep(500);
      snapshots = await scrapeCluster(cluster);
    }
    await watcher.cancel();
    await lease.revoke();
    const evidence = await ctx.evidence.text(
      'metrics.txt',
      snapshots.map((snapshot) => `# ${snapshot.member}\n${snapshot.text}`).join('\n'),
    );
    const served = new Map<string, string>();
    for (const snapshot of snapshots)
      for (const match of snapshot.text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) served.set(match[1]!, match[2]!);
    for (const dashboard of DASHBOARDS) {
      for (const outcome of checkDashboardMetrics(dashboard, served, {
        version: ctx.target.version.toString(),
        scrapedFrom: `the metrics listeners of ${snapshots.map((snapshot) => snapshot.member).join(', ')}`,
      }))
        ctx.report(outcome, [evidence]);
    }
  },
});
