// The metrics the guide names. Each member's --listen-metrics-urls listener is scraped after a few writes, and each
// metric of the guide's "Monitoring" section is looked up: one finding for the listener, one per metric name. Names
// etcd does not serve fail, with the metric etcd serves instead (on this version) in the reason.
import {
  checkGuideMetric,
  checkMetricsListener,
  defineScenario,
  GUIDE_METRICS,
  type Measurement,
  type MetricsScrape,
  type MetricsSnapshot,
  measure,
  scrapeMetrics,
} from '../harness/index.js';

export default defineScenario({
  id: 'metrics-exposed',
  title: 'The metrics the guide names',
  claims: ['metrics.exposed'],
  params: {
    writes: {
      type: 'number',
      default: 50,
      unit: 'count',
      min: 0,
      max: 10_000,
      description: 'puts before the scrape (so the disk histograms have observations)',
    },
  },
  async run(ctx) {
    const cluster = await ctx.startCluster();
    const client = cluster.client();
    ctx.step(`${ctx.params.writes} puts, then a scrape of every member's metrics listener`);
    for (let index = 0; index < ctx.params.writes; index++) await client.put(`/metrics/${index}`).value('x');

    const snapshots = new Map<string, MetricsSnapshot>();
    const scrapes: MetricsScrape[] = await Promise.all(
      cluster.members.map(async (member) => {
        const listenFlag = member.args
          .find((arg) => arg.startsWith('--listen-metrics-urls='))
          ?.slice('--listen-metrics-urls='.length);
        const url = `${member.urls.metrics}/metrics`;
        try {
          const snapshot = await scrapeMetrics(member);
          snapshots.set(member.name, snapshot);
          await ctx.evidence.text(`metrics-${member.name}.txt`, snapshot.text);
          return { member: member.name, url, listenFlag, names: snapshot.names() };
        } catch (error) {
          return {
            member: member.name,
            url,
            listenFlag,
            names: undefined,
            error: error instanceof Error ? error.message : String(error),
          };
        }
      }),
    );
    ctx.report(checkMetricsListener(scrapes));
    for (const metric of GUIDE_METRICS) {
      const values: Measurement[] = [];
      for (const [member, snapshot] of snapshots) {
        const histogram = snapshot.histogram(metric.name);
        if (histogram) values.push(measure(`observations (${member})`, histogram.count, 'count'));
        else {
          const value = snapshot.gauge(metric.name);
          if (value !== undefined)
            values.push(
              measure(`value (${member})`, value, metric.name.endsWith('_bytes') ? 'bytes' : 'count'),
            );
        }
      }
      ctx.report(checkGuideMetric({ metric, scrapes, values }));
    }
  },
});
