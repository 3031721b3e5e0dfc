// The fault → alert table: each failure the harness can inject (peer latency, fsync delays, member down, leader
// loss, quorum loss, disk full, NOSPACE), held for a fixed time under a real Prometheus with the guide's rules and
// etcd's mixin loaded (time compressed), and which alerts went pending and firing, how soon, and which of those meant
// for the failure stayed silent. The table an SRE reads to know whether their alerting covers etcd's failure modes.
// Each failure's recorded series are also replayed by promtool at production speed against the uncompressed rules: a
// disagreement marks an alert whose firing is an artefact of the compression.
// Full suite, or on demand: `etcd-chaos run alert-coverage [--param alert-coverage.failures=quorum-loss,nospace]`.
import { join } from 'node:path';
import {
  type AlertWindowState,
  checkAlertCoverage,
  coverageOf,
  defineScenario,
  HarnessError,
  InputError,
  parseDurationMs,
  type RuleFile,
  resolvePrometheus,
  startMonitor,
  testRules,
  UnsupportedError,
} from '../harness/index.js';

interface FailureSpec {
  readonly id: string;
  readonly failure: string;
  readonly fault: string;
  readonly params: Record<string, unknown>;
  readonly target: string;
  /** The alerts whose own description names this failure. */
  readonly intended: readonly string[];
  /** Why the intended alerts cannot be judged at `factor` (see CoverageRecord.unjudgeable). */
  readonly unjudgeableAt?: (factor: number) => string | undefined;
}

const FAILURES: readonly FailureSpec[] = [
  {
    id: 'peer-latency',
    failure: 'peer latency 200 ms (leader)',
    fault: 'network-latency',
    params: { latencyMs: 200, proxy: 'peer' },
    target: 'leader',
    intended: ['etcdMemberCommunicationSlow'],
    // rafthttp observes each peer's round-trip time once per 30 s of real time (its probing-status monitor), so a
    // compressed [5m] window (300/F s) holds two observations only up to factor 5.
    unjudgeableAt: (factor) =>
      factor > 5
        ? `etcd observes peer round-trip times once per 30 s (rafthttp's probing status), so the compressed [5m] window of etcdMemberCommunicationSlow (${(300 / factor).toFixed(0)} s at factor ${factor}) holds fewer than two observations; run this failure at --param alert-coverage.timeFactor=5 or less`
        : undefined,
  },
  {
    id: 'fsync-delay',
    failure: 'fsync delay 40 ms (follower)',
    fault: 'disk-latency',
    params: { delayMs: 40 },
    target: 'follower',
    intended: ['etcdGuideWalFsyncSlow', 'etcdGuideBackendCommitSlow'],
  },
  {
    id: 'fsync-stall',
    failure: 'fsync delay 600 ms (follower)',
    fault: 'disk-latency',
    params: { delayMs: 600 },
    target: 'follower',
    intended: [
      'etcdGuideWalFsyncSlow',
      'etcdGuideBackendCommitSlow',
      'etcdHighFsyncDurations',
      'etcdHighCommitDurations',
    ],
  },
  {
    id: 'member-down',
    failure: 'member down (follower killed)',
    fault: 'kill',
    params: {},
    target: 'follower',
    intended: ['etcdMembersDown'],
  },
  {
    id: 'leader-loss',
    failure: 'leader loss (leader killed)',
    fault: 'kill',
    params: {},
    target: 'leader',
    intended: ['etcdMembersDown'],
  },
  {
    id: 'quorum-loss',
    failure: 'quorum loss (two members killed)',
    fault: 'kill',
    params: {},
    target: 'quorum',
    intended: ['etcdInsufficientMembers', 'etcdNoLeader', 'etcdMembersDown'],
  },
  {
    id: 'disk-full',
    failure: 'disk full (follower data dir)',
    fault: 'disk-full',
    params: {},
    target: 'follower',
    intended: ['etcdMembersDown'],
  },
  {
    id: 'nospace',
    failure: 'NOSPACE (quota exhausted)',
    fault: 'quota-exhaustion',
    params: { valueBytes: 256 * 1024 },
    target: 'all',
    intended: ['etcdDatabaseQuotaLowSpace', 'etcdGuideDatabaseSize'],
  },
];

export default defineScenario({
  id: 'alert-coverage',
  title: 'Which alerts (guide, etcd mixin) fire for each failure etcd-chaos can inject',
  claims: ['alerts.coverage'],
  suites: ['full'],
  params: {
    failures: {
      type: 'list',
      default: FAILURES.map((failure) => failure.id),
      choices: FAILURES.map((failure) => failure.id),
      description: 'failures to inject, in this order (comma-separated)',
    },
    timeFactor: {
      type: 'number',
      default: 60,
      min: 1,
      max: 120,
      description:
        'time compression: every for:, range window, scrape and evaluation interval divided by this',
    },
    holdMs: {
      type: 'number',
      default: 30_000,
      unit: 'ms',
      min: 1_000,
      description: 'how long each failure is held (at factor 60, 30 s are 30 minutes of production time)',
    },
    settleMs: {
      type: 'number',
      default: 30_000,
      unit: 'ms',
      min: 0,
      description: 'after healing, how long to wait for every alert to clear before the next failure',
    },
    quotaBytes: {
      type: 'number',
      default: 32 * 1024 * 1024,
      unit: 'bytes',
      min: 16 * 1024 * 1024,
      description: 'small quota, so NOSPACE is reached in seconds',
    },
    dataDirBytes: {
      type: 'number',
      default: 192 * 1024 * 1024,
      unit: 'bytes',
      min: 192 * 1024 * 1024,
      description: 'size of each member data dir (a tmpfs, root only), so the disk can be filled',
    },
  },
  timeoutMs: { quick: 20 * 60_000, full: 20 * 60_000 },
  async run(ctx) {
    const chosen = ctx.params.failures.map((id) => {
      const spec = FAILURES.find((failure) => failure.id === id);
      if (!spec)
        throw new InputError(
          `Expected alert-coverage.failures to list ${FAILURES.map((failure) => failure.id).join(', ')}, got \`${id}\`.`,
        );
      return spec;
    });
    const factor = ctx.params.timeFactor;
    let spec = ctx.clusterSpec().withFlags({ 'quota-backend-bytes': ctx.params.quotaBytes });
    if (ctx.target.backend === 'process' && process.getuid?.() === 0)
      spec = spec.withDataDirSizeLimit(ctx.params.dataDirBytes);
    ctx.step(`starting a cluster and Prometheus (time compressed ${factor}x)`);
    const [cluster, started] = await Promise.all([
      ctx.startCluster(spec),
      startMonitor(ctx.session, { timeFactor: factor, signal: ctx.signal }),
    ]);
    await using monitor = started;
    const faults = ctx.faults(cluster);
    const { promtool } = await resolvePrometheus({ signal: ctx.signal });
    ctx.leaderTimeline(cluster, { intervalMs: 200 });
    ctx.ledger(cluster, { writers: 2, ratePerSecond: 100 });
    await monitor.watchCluster(cluster, { signal: ctx.signal });
    const startedAt = Date.now();
    const rows: (string | number | null)[][] = [];

    for (const failure of chosen) {
      ctx.step(`${failure.failure}: waiting for the alerts of the last failure to clear`);
      await monitor.watch.waitUntil(
        () => monitor.watch.knownAlerts().every((alert) => monitor.watch.currentState(alert) === 'inactive'),
        ctx.params.settleMs,
        ctx.signal,
      );
      const stillActive = monitor.watch
        .knownAlerts()
        .filter((alert) => monitor.watch.currentState(alert) !== 'inactive');
      ctx.step(`${failure.failure}: injecting, holding ${ctx.params.holdMs} ms`);
      let active: Awaited<ReturnType<typeof faults.inject>>;
      try {
        active = await faults.inject(failure.fault, failure.params, { target: failure.target });
      } catch (error) {
        if (!(error instanceof UnsupportedError)) throw error;
        const outcome = checkAlertCoverage({
          failure: failure.failure,
          injected: failure.fault,
          timeFactor: factor,
          heldMs: 0,
          injectedAt: Date.now(),
          alerts: [],
          intended: failure.intended,
          unavailable: error.message,
        });
        ctx.report(outcome);
        rows.push([failure.failure, 'not injected here', null, null, '', '', failure.intended.join(', ')]);
        continue;
      }
      const injectedAt = active.window.injectedAt;
      await ctx.sleep(ctx.params.holdMs);
      // An alert still pending when the hold ends (its failure began late, e.g. a member that died only once its disk
      // filled) gets its `for:` to decide, up to the longest `for:` loaded.
      await monitor.watch.waitUntil(
        () =>
          monitor.watch
            .knownAlerts()
            .every((alert) => stillActive.includes(alert) || monitor.watch.currentState(alert) !== 'pending'),
        longestForMs(monitor.rules),
        ctx.signal,
      );
      const healAt = Date.now();
      const health = await Promise.all(
        cluster.members.map(async (member) => {
          if (member.state !== 'running') return `${member.name} ${member.state}`;
          const report = await member.health().catch(() => undefined);
          return `${member.name} ${report?.healthy ? 'running and healthy' : 'running, not healthy'}`;
        }),
      );
      await active.heal();
      const alerts: AlertWindowState[] = monitor.watch
        .knownAlerts()
        .sort()
        .map((alert) => monitor.watch.windowState(alert, injectedAt, healAt))
        // An alert already active before the injection says nothing about this failure.
        .filter((state) => !stillActive.includes(state.alert));
      const record = {
        failure: failure.failure,
        injected: `${failure.fault} on ${active.window.targets.join(', ')}`,
        timeFactor: factor,
        heldMs: healAt - injectedAt,
        injectedAt,
        alerts,
        intended: failure.intended,
        note: `at the end of the hold: ${health.join(', ')}`,
        unjudgeable: failure.unjudgeableAt?.(factor),
      };
      const row = coverageOf(record);
      const replay = await monitor.promtoolTest({
        fromMs: injectedAt - 10_000,
        toMs: healAt,
        // Every alert: the ones that fired are asserted firing, the rest silent (a promtool test for every rule).
        alerts: monitor.watch.knownAlerts().filter((alert) => !stillActive.includes(alert)),
        comment: [
          `etcd-chaos alert-coverage on etcd ${ctx.target.version}: ${failure.failure} (${record.injected}) injected 10 s into the series,`,
          `scraped every ${monitor.timing.scrapeIntervalMs} ms (time compressed ${factor}x), replayed every ${(monitor.timing.scrapeIntervalMs * factor) / 1000} s; expectations are what Prometheus reported.`,
        ],
      });
      await ctx.evidence.text('prometheus/promtool/rules.yml', replay.rules);
      const testPath = await ctx.evidence.text(`prometheus/promtool/${failure.id}.test.yml`, replay.test);
      const verdict = await testRules(promtool, join(ctx.evidence.reportDir, testPath));
      const replayNote = verdict.ok
        ? `promtool replaying the recorded series at production speed against the uncompressed rules reproduces all ${replay.checkpoints} checkpoint(s) (${testPath})`
        : `promtool replaying the recorded series at production speed against the uncompressed rules DISAGREES with the compressed run, a compression artefact for the alerts it names: ${verdict.output
            .split('\n')
            .filter((line) => /alertname:/.test(line))
            .map((line) => line.trim())
            .join('; ')} (${testPath})`;
      ctx.report(checkAlertCoverage({ ...record, replay: replayNote }));
      const seconds = (ms: number | undefined) => (ms === undefined ? '?' : (ms / 1000).toFixed(1));
      rows.push([
        failure.failure,
        record.injected,
        row.fired.length,
        row.fired[0] ? Number((row.fired[0].firingAfterMs / 1000).toFixed(1)) : null,
        row.fired
          .map(
            (entry) =>
              `${entry.alert} (${entry.pendingAfterMs === undefined ? '' : `${seconds(entry.pendingAfterMs)} → `}${seconds(entry.firingAfterMs)} s)`,
          )
          .join(', ') || 'none',
        row.pendingOnly.map((entry) => `${entry.alert} (${seconds(entry.pendingAfterMs)} s)`).join(', ') ||
          '–',
        [
          ...row.silentIntended,
          ...(stillActive.length > 0 ? [`(not judged, active before: ${stillActive.join(', ')})`] : []),
        ].join(', ') || '–',
      ]);
    }
    const endedAt = Date.now();
    await monitor.stop();
    for (const file of await monitor.evidenceFiles()) await ctx.evidence.text(file.name, file.text);
    if (monitor.watch.pollCount === 0)
      throw new HarnessError('Prometheus was never polled: no alert states recorded');
    ctx.table({
      name: `fault → alert: what Prometheus fired for each failure (time compressed ${factor}x, each held ${ctx.params.holdMs / 1000} s = ${(ctx.params.holdMs * factor) / 60_000} min of production time)`,
      columns: [
        'failure',
        'injected',
        'alerts firing',
        'first firing after (s)',
        'fired (pending → firing after injection)',
        'pending only',
        'meant for it, silent',
      ],
      rows,
      note: `Rules: alerts/etcd-guide.rules.yml and alerts/etcd-mixin.rules.yml, every for: and range window divided by ${factor}; multiply times by ${factor} for production time. States from /api/v1/rules and /api/v1/alerts (evidence: prometheus/).`,
      chart: { columns: ['alerts firing', 'first firing after (s)'] },
    });
    ctx.series({
      name: 'alerts firing (distinct alert names)',
      unit: 'count',
      cluster: cluster.name,
      points: monitor.watch.firingCountSteps(startedAt, endedAt),
    });
  },
});

/** The longest `for:` among the loaded (compressed) rules, in ms. */
function longestForMs(rules: RuleFile): number {
  let longest = 0;
  for (const group of rules.groups)
    for (const rule of group.rules)
      if ('for' in rule && rule.for) longest = Math.max(longest, parseDurationMs(rule.for));
  return longest;
}
