// The guide's alert thresholds: evaluated on scraped metrics during a quiet window and under the fault meant to trip
// each (an fsync delay for WAL fsync and backend commit p99, three leader pauses for leader churn, a db filled past
// 80 % of a small quota for db size).
import {
  type AlertRecord,
  checkAlert,
  defineScenario,
  fillToQuota,
  GUIDE_ALERTS,
  METRIC,
  type MetricsWindow,
  type StartedCluster,
  scrapeCluster,
} from '../harness/index.js';

export default defineScenario({
  id: 'alerts',
  title: 'The alert thresholds of the guide',
  claims: ['alerts.thresholds'],
  params: {
    quietMs: {
      type: 'number',
      default: 60_000,
      unit: 'ms',
      min: 1_000,
      max: 600_000,
      // bbolt commits every 100 ms under writes, ~10 a second per member. A histogram p99 over N observations
      // ignores only the N/100 slowest, so the quiet window must hold several hundred commits for one disk hiccup
      // not to decide it: 10 s gave 98 commits, and a single 65 ms commit on an idle host fired the quiet alert.
      // 30 s (quick) gives ~300, as a Prometheus rate over minutes would see many more.
      description: 'quiet window (no fault) the alerts must stay quiet in',
    },
    windowMs: {
      type: 'number',
      default: 10_000,
      unit: 'ms',
      min: 1_000,
      max: 60_000,
      description: 'disk-fault window',
    },
    fsyncDelayMs: {
      type: 'number',
      default: 40,
      unit: 'ms',
      min: 1,
      description: 'fsync delay that should trip both disk alerts',
    },
    quotaBytes: {
      type: 'number',
      default: 32 * 1024 * 1024,
      unit: 'bytes',
      min: 16 * 1024 * 1024,
      description: 'small quota for the db size alert',
    },
    pauseMs: {
      type: 'number',
      default: 2_500,
      unit: 'ms',
      min: 500,
      description: 'length of each leader pause',
    },
  },
  intensities: { quick: { quietMs: 30_000, windowMs: 3_000 } },
  async run(ctx) {
    const quota = ctx.params.quotaBytes;
    const cluster = await ctx.startCluster(ctx.clusterSpec().withFlags({ 'quota-backend-bytes': quota }));
    const faults = ctx.faults(cluster);
    const timeline = ctx.leaderTimeline(cluster, { intervalMs: 100 });
    ctx.ledger(cluster, { writers: 2 });
    await timeline.waitFor((view) => view.leader !== undefined, 30_000);
    const dbSizeMetric = ctx.target.capabilities.dbTotalSizeMetric;
    const guideMetric = METRIC.debuggingDbTotalSize;

    ctx.step(`quiet window (${ctx.params.quietMs} ms, writes only)`);
    const quiet = await measureWindow(cluster, () => ctx.sleep(ctx.params.quietMs));
    await ctx.evidence.text(
      'metrics-quiet-end.txt',
      quiet.after.map((snapshot) => `# ${snapshot.member}\n${snapshot.text}`).join('\n'),
    );

    ctx.step(`fsync delay ${ctx.params.fsyncDelayMs} ms on a follower (${ctx.params.windowMs} ms)`);
    const disk = await faults.during('disk-latency', { delayMs: ctx.params.fsyncDelayMs }, () =>
      measureWindow(cluster, () => ctx.sleep(ctx.params.windowMs)),
    );

    ctx.step(`three leader pauses of ${ctx.params.pauseMs} ms`);
    const churn = await measureWindow(cluster, async () => {
      for (let index = 0; index < 3; index++) {
        const previous = timeline.latest()?.leader;
        await faults.during(
          'pause',
          {},
          async (pause) => {
            await ctx.sleep(ctx.params.pauseMs);
            await timeline.waitFor(
              (view) => view.leader !== undefined && view.leader !== pause.window.targets[0],
              10_000,
            );
          },
          { target: previous ?? 'leader', requireHealthy: false },
        );
        await cluster.waitHealthy({ timeoutMs: 20_000 });
      }
    });

    ctx.step(`filling the db past 85 % of its ${Math.round(quota / 1048576)} MiB quota`);
    const full = await measureWindow(cluster, async () => {
      await fillToQuota(cluster, {
        valueBytes: 256 * 1024,
        maxBytes: Math.round(quota * 0.85),
        prefix: '/alerts-filler/',
        signal: ctx.signal,
      });
    });

    const windows: Record<string, MetricsWindow> = {
      'wal-fsync-p99': disk,
      'backend-commit-p99': disk,
      'leader-changes': churn,
      'db-size': full,
    };
    const guideNameMissing = quiet.after.every((snapshot) => snapshot.gauge(guideMetric) === undefined);
    for (const rule of GUIDE_ALERTS) {
      const record: AlertRecord = {
        rule,
        quiet: rule.evaluate(quiet, { dbSizeMetric }),
        underFault: rule.evaluate(windows[rule.id]!, { dbSizeMetric }),
        note:
          rule.id === 'db-size' && guideNameMissing
            ? `evaluated with ${dbSizeMetric}: the guide's ${guideMetric} is not served by etcd ${ctx.target.version} (see metrics.exposed)`
            : undefined,
      };
      ctx.report(checkAlert(record));
    }
  },
});

async function measureWindow(
  cluster: StartedCluster,
  during: () => Promise<unknown>,
): Promise<MetricsWindow> {
  const before = await scrapeCluster(cluster);
  const startedAt = Date.now();
  await during();
  const after = await scrapeCluster(cluster);
  return { before, after, durationMs: Date.now() - startedAt };
}
