// The guide's alert thresholds, in a real Prometheus: alerts/etcd-guide.rules.yml (and etcd's mixin) loaded, time
// compressed by one factor, every member scraped through a quiet window and under the fault meant to trip each
// alert (an fsync delay for WAL fsync and backend commit p99, leadership moved three times within a compressed
// minute for leader churn, a db filled past 80 % of a small quota for db size). The verdicts are Prometheus' own
// alert states; the harness's histogram maths over the same windows is the cross-check.
import {
  type AlertRecord,
  type AlertWindowState,
  type ClusterMonitor,
  checkAlertWithPrometheus,
  defineScenario,
  fillToQuota,
  GUIDE_ALERTS,
  METRIC,
  type MetricsWindow,
  type StartedCluster,
  scrapeCluster,
  startMonitor,
  transferLeadership,
} from '../harness/index.js';

export default defineScenario({
  id: 'alerts',
  title: 'The alert thresholds of the guide, evaluated by Prometheus',
  claims: ['alerts.thresholds'],
  params: {
    quietMs: {
      type: 'number',
      default: 60_000,
      unit: 'ms',
      min: 1_000,
      max: 600_000,
      // Long enough for a full compressed rate window plus a full `for:` (15 s + 6 s at factor 20), and for the
      // cross-check's p99 to rest on ~200 commits per member (bbolt commits every 100 ms under writes), so one slow
      // commit does not decide it.
      description: 'quiet window (no fault) the alerts must stay quiet in',
    },
    timeFactor: {
      type: 'number',
      default: 20,
      min: 1,
      max: 120,
      description:
        'time compression: every for:, range window, scrape and evaluation interval divided by this (20: a 5m window is 15 s)',
    },
    faultWaitMs: {
      type: 'number',
      default: 30_000,
      unit: 'ms',
      min: 1_000,
      description: 'how long each fault is held waiting for Prometheus to report its alert firing',
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
    writeRate: {
      type: 'number',
      default: 100,
      min: 1,
      description: 'steady puts per second of the background workload (a cluster at work, not a benchmark)',
    },
  },
  intensities: { quick: { quietMs: 20_000 } },
  async run(ctx) {
    const quota = ctx.params.quotaBytes;
    const factor = ctx.params.timeFactor;
    ctx.step(`starting a cluster and Prometheus (time compressed ${factor}x)`);
    const [cluster, started] = await Promise.all([
      ctx.startCluster(ctx.clusterSpec().withFlags({ 'quota-backend-bytes': quota })),
      startMonitor(ctx.session, { timeFactor: factor, signal: ctx.signal }),
    ]);
    await using monitor = started;
    const faults = ctx.faults(cluster);
    const timeline = ctx.leaderTimeline(cluster, { intervalMs: 100 });
    ctx.ledger(cluster, { writers: 2, ratePerSecond: ctx.params.writeRate });
    await timeline.waitFor((view) => view.leader !== undefined, 30_000);
    await monitor.watchCluster(cluster, { signal: ctx.signal });
    const dbSizeMetric = ctx.target.capabilities.dbTotalSizeMetric;
    const waitFiring = (alerts: readonly string[]) =>
      monitor.watch.waitUntil(
        () => alerts.every((alert) => monitor.watch.currentState(alert) === 'firing'),
        ctx.params.faultWaitMs,
        ctx.signal,
      );

    ctx.step(`quiet window (${ctx.params.quietMs} ms, ${ctx.params.writeRate} puts/s)`);
    const quiet = await measureWindow(cluster, () => ctx.sleep(ctx.params.quietMs));
    await ctx.evidence.text(
      'metrics-quiet-end.txt',
      quiet.after.map((snapshot) => `# ${snapshot.member}\n${snapshot.text}`).join('\n'),
    );

    const diskAlerts = ['etcdGuideWalFsyncSlow', 'etcdGuideBackendCommitSlow'];
    // A disk alert still active from the quiet window would make the fault's half meaningless: wait for it to clear
    // (a healthy disk: no wait at all; a noisy one: at most a third of the fault wait).
    await monitor.watch.waitUntil(
      () => diskAlerts.every((alert) => monitor.watch.currentState(alert) === 'inactive'),
      ctx.params.faultWaitMs / 3,
      ctx.signal,
    );
    ctx.step(
      `fsync delay ${ctx.params.fsyncDelayMs} ms on a follower, until Prometheus fires both disk alerts`,
    );
    let diskTarget = '';
    const disk = await faults.during('disk-latency', { delayMs: ctx.params.fsyncDelayMs }, async (fault) => {
      diskTarget = fault.window.targets.join(', ');
      return measureWindow(cluster, () => waitFiring(diskAlerts));
    });

    ctx.step('leadership moved three times within one compressed minute');
    const churn = await measureWindow(cluster, async () => {
      const transfers = await transferLeadership(cluster, { count: 3, signal: ctx.signal });
      await ctx.evidence.text('leader-transfers.json', `${JSON.stringify(transfers, null, 2)}\n`);
      await waitFiring(['etcdGuideLeaderChanges']);
    });

    ctx.step(`filling the db past 85 % of its ${Math.round(quota / 1048576)} MiB quota`);
    const full = await measureWindow(cluster, async () => {
      await fillToQuota(cluster, {
        valueBytes: 256 * 1024,
        maxBytes: Math.round(quota * 0.85),
        prefix: '/alerts-filler/',
        signal: ctx.signal,
      });
      await waitFiring(['etcdGuideDatabaseSize']);
    });
    // Two more scrapes, so the replay below sees the last alert's firing as a stretch, not an edge.
    await ctx.sleep(2 * monitor.timing.scrapeIntervalMs);
    const endedAt = Date.now();

    // The same run as a promtool unit test: the recorded series replayed at production speed against the shipped
    // (uncompressed) guide rules, expecting what Prometheus reported (evidence; test/fixtures/alerting keeps one).
    const guideAlerts = monitor.shippedRules.groups
      .filter((group) => group.name === 'etcd-guide')
      .flatMap((group) => group.rules.flatMap((rule) => ('alert' in rule ? [rule.alert] : [])));
    const replay = await monitor.promtoolTest({
      fromMs: quiet.startedAt,
      toMs: endedAt,
      alerts: guideAlerts,
      comment: [
        `etcd-chaos alerts scenario on etcd ${ctx.target.version}, ${new Date(quiet.startedAt).toISOString()}: series scraped every ${monitor.timing.scrapeIntervalMs} ms`,
        `(time compressed ${factor}x), replayed every ${(monitor.timing.scrapeIntervalMs * factor) / 1000} s; expectations are what Prometheus reported.`,
      ],
    });
    await ctx.evidence.text('prometheus/promtool/rules.yml', replay.rules);
    await ctx.evidence.text('prometheus/promtool/test.yml', replay.test);

    await monitor.stop();
    for (const file of await monitor.evidenceFiles()) await ctx.evidence.text(file.name, file.text);
    const windows: Record<string, TimedWindow> = {
      'wal-fsync-p99': disk,
      'backend-commit-p99': disk,
      'leader-changes': churn,
      'db-size': full,
    };
    const faultsDone: Record<string, string> = {
      'wal-fsync-p99': `an fsync delay of ${ctx.params.fsyncDelayMs} ms on ${diskTarget}`,
      'backend-commit-p99': `an fsync delay of ${ctx.params.fsyncDelayMs} ms on ${diskTarget}`,
      'leader-changes':
        'three leadership transfers (etcdctl move-leader): a compressed minute is shorter than the election timeouts a paused leader would cost',
      'db-size': `keys written until the db passed 85 % of a ${Math.round(quota / 1048576)} MiB quota`,
    };
    const guideNameMissing = quiet.after.every(
      (snapshot) => snapshot.gauge(METRIC.debuggingDbTotalSize) === undefined,
    );
    const health = new Map(monitor.watch.ruleHealth().map((entry) => [entry.alert, entry]));
    for (const rule of GUIDE_ALERTS) {
      const window = windows[rule.id]!;
      const record: AlertRecord = {
        rule,
        quiet: rule.evaluate(quiet, { dbSizeMetric }),
        underFault: rule.evaluate(window, { dbSizeMetric }),
      };
      const ruleHealth = health.get(rule.prometheusAlert);
      const outcome = checkAlertWithPrometheus({
        rule,
        timeFactor: factor,
        compressedRule: compressedRuleText(monitor, rule.prometheusAlert),
        faultDescription: faultsDone[rule.id] ?? rule.fault,
        quiet: monitor.watch.windowState(rule.prometheusAlert, quiet.startedAt, quiet.endedAt),
        underFault: monitor.watch.windowState(rule.prometheusAlert, window.startedAt, window.endedAt),
        faultStartedAt: window.startedAt,
        faultHeldMs: window.endedAt - window.startedAt,
        ruleError: ruleHealth?.health === 'err' ? (ruleHealth.lastError ?? 'health err') : undefined,
        crossCheck: { quiet: record.quiet, underFault: record.underFault },
        note:
          rule.id === 'db-size' && guideNameMissing
            ? `the rule reads ${dbSizeMetric}: the guide's ${METRIC.debuggingDbTotalSize} is not served by etcd ${ctx.target.version} (see metrics.exposed)`
            : undefined,
      });
      ctx.report(outcome);
    }

    const phases: [string, { startedAt: number; endedAt: number }][] = [
      ['quiet', quiet],
      ['fsync delay', disk],
      ['leadership moved 3x', churn],
      ['db past 85 % of quota', full],
    ];
    const seen = monitor.watch.knownAlerts().sort();
    ctx.table({
      name: `alerts Prometheus reported in each phase (time compressed ${factor}x)`,
      columns: ['alert', ...phases.map(([name]) => name)],
      rows: seen.map((alert) => [
        alert,
        ...phases.map(([, phase]) =>
          describeWindow(monitor.watch.windowState(alert, phase.startedAt, phase.endedAt), phase.startedAt),
        ),
      ]),
      note: 'From /api/v1/rules and /api/v1/alerts (evidence: prometheus/api-responses.jsonl). "firing after 8.9 s": seconds after the phase began; multiply by the factor for production time.',
    });
    for (const rule of GUIDE_ALERTS) {
      ctx.series({
        name: `${rule.prometheusAlert} state (0 inactive, 1 pending, 2 firing)`,
        unit: 'state',
        cluster: cluster.name,
        points: monitor.watch.stateSteps(rule.prometheusAlert, quiet.startedAt, endedAt),
      });
    }
  },
});

interface TimedWindow extends MetricsWindow {
  readonly startedAt: number;
  readonly endedAt: number;
}

async function measureWindow(cluster: StartedCluster, during: () => Promise<unknown>): Promise<TimedWindow> {
  const before = await scrapeCluster(cluster);
  const startedAt = Date.now();
  await during();
  const endedAt = Date.now();
  const after = await scrapeCluster(cluster);
  return { before, after, durationMs: endedAt - startedAt, startedAt, endedAt };
}

function describeWindow(state: AlertWindowState, phaseStart: number): string {
  if (state.firingAt !== undefined)
    return `firing after ${((state.firingAt - phaseStart) / 1000).toFixed(1)} s`;
  if (state.atStart === 'firing') return 'still firing from before';
  if (state.pendingAt !== undefined)
    return `pending after ${((state.pendingAt - phaseStart) / 1000).toFixed(1)} s`;
  return '–';
}

function compressedRuleText(monitor: ClusterMonitor, alert: string): string {
  for (const group of monitor.rules.groups) {
    for (const rule of group.rules) {
      if ('alert' in rule && rule.alert === alert) {
        const ranges = [...rule.expr.matchAll(/\[([^\]]+)\]/g)].map((match) => `[${match[1]}]`);
        return `${alert}: ${ranges.length > 0 ? `window ${ranges.join(', ')}` : 'no range window'}, for ${rule.for ?? '0s'}`;
      }
    }
  }
  return `${alert}: not loaded`;
}
