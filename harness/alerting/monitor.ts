// A real Prometheus for a scenario: the shipped rules (time-compressed by one factor) loaded, a cluster's members
// scraped, the alert states recorded from Prometheus' API. Start it with the cluster, in parallel
// (`Promise.all([ctx.startCluster(spec), startMonitor(ctx.session)])`), then `monitor.watch(cluster)`.
// `await using` stops it when the block ends; the session's cleanup and the run journal cover a scenario that throws.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolvePrometheus } from '../binaries/resolve-prometheus.js';
import type { ProgressListener } from '../binaries/types.js';
import type { StartedCluster } from '../cluster/types.js';
import { TimeoutError } from '../errors.js';
import type { Session } from '../session.js';
import { AlertWatch } from './alert-watch.js';
import { PrometheusServer, type PrometheusTiming, timingFor } from './prometheus-server.js';
import { parseDurationMs } from './promql.js';
import { checkpointsFrom, promtoolTestFile, recordSeries, rulesForPromtool } from './promtool-tests.js';
import { compressRules, metricsReadBy, type RuleFile, type RuleSet, rulesOf, rulesToYaml } from './rules.js';

export interface MonitorOptions {
  /** Which shipped rules to load (default `all`: the guide's and etcd's mixin). */
  readonly set?: RuleSet;
  /** Every `for:`, range window, scrape and evaluation interval divided by this (default 20). */
  readonly timeFactor?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressListener;
}

let counter = 0;

export class ClusterMonitor implements AsyncDisposable {
  readonly watch: AlertWatch;

  private constructor(
    readonly server: PrometheusServer,
    /** The rules as loaded into Prometheus (compressed). */
    readonly rules: RuleFile,
    /** The same rules as shipped (uncompressed). */
    readonly shippedRules: RuleFile,
    readonly timing: PrometheusTiming,
  ) {
    this.watch = AlertWatch.start(server.api, { intervalMs: timing.evaluationIntervalMs });
  }

  static async start(session: Session, options: MonitorOptions = {}): Promise<ClusterMonitor> {
    const timeFactor = options.timeFactor ?? 20;
    const timing = timingFor(timeFactor);
    const binaries = await resolvePrometheus({ onProgress: options.onProgress, signal: options.signal });
    const set = options.set ?? 'all';
    const shipped = await rulesOf(set);
    const rules = compressRules(shipped, timeFactor);
    counter += 1;
    const server = await PrometheusServer.start({
      binaries,
      dir: join(session.workDir, `prometheus-${counter}`),
      journal: session.journal,
      timing,
      rules,
      rulesHeader: [
        `etcd-chaos: the shipped rules (set ${set}), loaded into a Prometheus of one scenario`,
        `TIME-COMPRESSED by ${timeFactor}: every for: and range window divided by ${timeFactor}`,
        `(scrape and evaluation every ${timing.scrapeIntervalMs} ms = 30 s / ${timeFactor})`,
      ],
      signal: options.signal,
    });
    // Backstop: a scenario that throws before its `await using` block ends still stops Prometheus at session close.
    session.defer(`prometheus (pid ${server.pid})`, () => server.stop());
    return new ClusterMonitor(server, rules, shipped, timing);
  }

  /**
   * Scrapes `cluster`'s members from now on; resolves once Prometheus scraped every one of them successfully for two
   * intervals, so rate() has two samples.
   */
  async watchCluster(cluster: StartedCluster, options: { timeoutMs?: number; signal?: AbortSignal } = {}) {
    const { timeoutMs = 30_000 } = options;
    await this.server.setTargets(
      cluster.members.map((member) => ({ member: member.name, address: new URL(member.urls.metrics).host })),
    );
    const deadline = Date.now() + timeoutMs;
    let upSince: number | undefined;
    while (Date.now() < deadline) {
      options.signal?.throwIfAborted();
      const { data } = await this.server.api.targets();
      const up = data.activeTargets.filter((target) => target.health === 'up').length;
      if (up >= cluster.members.length) {
        upSince ??= Date.now();
        if (Date.now() - upSince >= this.timing.scrapeIntervalMs) return;
      } else {
        upSince = undefined;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(200, this.timing.scrapeIntervalMs)));
    }
    throw new TimeoutError(
      `Prometheus to scrape all ${cluster.members.length} members of ${cluster.name}`,
      timeoutMs,
    );
  }

  get timeFactor(): number {
    return this.timing.timeFactor;
  }

  /** The member a series' `instance` label points to. */
  memberOf(labels: Readonly<Record<string, string>>): string | undefined {
    return this.server.memberOf(labels.instance);
  }

  /** Files for the evidence: Prometheus' config, the compressed rules, its log, the API responses, the transitions. */
  async evidenceFiles(): Promise<{ name: string; text: string }[]> {
    const read = (file: string) =>
      readFile(join(this.server.dir, file), 'utf8').catch((error) => String(error));
    return [
      { name: 'prometheus/prometheus.yml', text: await read('prometheus.yml') },
      { name: 'prometheus/targets.json', text: await read('targets.json') },
      { name: 'prometheus/rules.yml', text: await read('rules.yml') },
      { name: 'prometheus/prometheus.log', text: await read('prometheus.log') },
      { name: 'prometheus/api-responses.jsonl', text: this.watch.evidenceJsonl() },
      {
        name: 'prometheus/alert-transitions.json',
        text: `${JSON.stringify(
          {
            prometheus: { pid: this.server.pid, url: this.server.url },
            timeFactor: this.timing.timeFactor,
            timing: this.timing,
            ruleHealth: this.watch.ruleHealth(),
            pollErrors: this.watch.pollErrors,
            transitions: this.watch.allTransitions().map((transition) => ({
              ...transition,
              member: this.memberOf(transition.labels),
              at: new Date(transition.at).toISOString(),
              activeAt:
                transition.activeAt === undefined ? undefined : new Date(transition.activeAt).toISOString(),
            })),
          },
          null,
          2,
        )}\n`,
      },
    ];
  }

  /**
   * A promtool unit test from this run (before `stop()`): the series the `alerts` read between `fromMs` and `toMs`,
   * replayed at the production interval against the shipped (uncompressed) rules, expecting what Prometheus reported.
   */
  async promtoolTest(options: {
    fromMs: number;
    toMs: number;
    alerts: readonly string[];
    comment: readonly string[];
  }): Promise<{ test: string; rules: string; checkpoints: number }> {
    const readers = metricsReadBy(this.shippedRules);
    const names = [...readers.entries()]
      .filter(([, alerts]) => alerts.some((alert) => options.alerts.includes(alert)))
      .map(([name]) => name);
    const window = await recordSeries(
      this.server.api,
      names,
      options.fromMs,
      options.toMs,
      this.timing.scrapeIntervalMs,
    );
    const checkpoints = checkpointsFrom(this.watch, options.alerts, window, (alert) =>
      historyOf(this.rules, alert),
    );
    return {
      test: promtoolTestFile({
        rulesFile: 'rules.yml',
        window,
        productionStepMs: this.timing.scrapeIntervalMs * this.timing.timeFactor,
        checkpoints,
        comment: options.comment,
      }),
      rules: rulesToYaml(rulesForPromtool(this.shippedRules), [
        'The shipped rules without annotations (they print $value, which a replay need not reproduce digit for digit).',
      ]),
      checkpoints: checkpoints.length,
    };
  }

  async stop(): Promise<void> {
    await this.watch.stop();
    await this.server.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

export function startMonitor(session: Session, options: MonitorOptions = {}): Promise<ClusterMonitor> {
  return ClusterMonitor.start(session, options);
}

/** An alert's longest range window (subqueries: their range) and its `for:`, as loaded. */
function historyOf(rules: RuleFile, alert: string): { rangeMs: number; forMs: number } {
  for (const group of rules.groups) {
    for (const rule of group.rules) {
      if (!('alert' in rule) || rule.alert !== alert) continue;
      const ranges = [...rule.expr.matchAll(/\[(\d+[a-z0-9]*)(?::[^\]]*)?\]/g)].map((match) =>
        parseDurationMs(match[1] ?? '0s'),
      );
      return { rangeMs: Math.max(0, ...ranges), forMs: rule.for ? parseDurationMs(rule.for) : 0 };
    }
  }
  return { rangeMs: 0, forMs: 0 };
}
