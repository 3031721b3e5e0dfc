// A cluster under a real Prometheus, for scenarios: the shipped rules (time-compressed by one factor) loaded, every
// member scraped, the alert states recorded from Prometheus' API. `await using monitor = await monitorCluster(...)`
// stops Prometheus when the scenario's block ends; the session's cleanup and the run journal cover the rest.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolvePrometheus } from '../binaries/resolve-prometheus.js';
import type { ProgressListener } from '../binaries/types.js';
import type { StartedCluster } from '../cluster/types.js';
import { TimeoutError } from '../errors.js';
import { AlertWatch } from './alert-watch.js';
import { PrometheusServer, type PrometheusTiming, timingFor } from './prometheus-server.js';
import { compressRules, type RuleFile, type RuleSet, rulesOf, rulesToYaml } from './rules.js';

export interface MonitorOptions {
  /** Which shipped rules to load (default `all`: the guide's and etcd's mixin). */
  readonly set?: RuleSet;
  /** Every `for:`, range window, scrape and evaluation interval divided by this (default 20). */
  readonly timeFactor?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressListener;
}

export class ClusterMonitor implements AsyncDisposable {
  private constructor(
    readonly server: PrometheusServer,
    readonly watch: AlertWatch,
    /** The rules as loaded into Prometheus (compressed). */
    readonly rules: RuleFile,
    readonly timing: PrometheusTiming,
    readonly startedAt: number,
  ) {}

  static async start(cluster: StartedCluster, options: MonitorOptions = {}): Promise<ClusterMonitor> {
    const timeFactor = options.timeFactor ?? 20;
    const timing = timingFor(timeFactor);
    const binaries = await resolvePrometheus({ onProgress: options.onProgress, signal: options.signal });
    const shipped = await rulesOf(options.set ?? 'all');
    const rules = compressRules(shipped, timeFactor);
    const dir = join(cluster.session.workDir, `prometheus-${cluster.name}-${Date.now()}`);
    const server = await PrometheusServer.start({
      binaries,
      dir,
      journal: cluster.session.journal,
      timing,
      targets: cluster.members.map((member) => ({
        member: member.name,
        address: new URL(member.urls.metrics).host,
      })),
      rules,
      rulesHeader: [
        `etcd-chaos: alerts/${options.set === 'guide' ? 'etcd-guide' : options.set === 'mixin' ? 'etcd-mixin' : 'etcd-guide + etcd-mixin'}.rules.yml`,
        `TIME-COMPRESSED by ${timeFactor}: every for: and range window divided by ${timeFactor}`,
        `(scrape and evaluation every ${timing.scrapeIntervalMs} ms = 30 s / ${timeFactor})`,
      ],
      signal: options.signal,
    });
    // Backstop: a scenario that throws before its `await using` block ends still stops Prometheus at session close.
    cluster.session.defer(`prometheus (pid ${server.pid})`, () => server.stop());
    const monitor = new ClusterMonitor(
      server,
      AlertWatch.start(server.api, { intervalMs: timing.evaluationIntervalMs }),
      rules,
      timing,
      Date.now(),
    );
    try {
      await monitor.waitForTargets(cluster.members.length, 30_000, options.signal);
    } catch (error) {
      await monitor.stop();
      throw error;
    }
    return monitor;
  }

  /** Waits until Prometheus scraped every member successfully at least twice (so rate() has two samples). */
  private async waitForTargets(count: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let upSince: number | undefined;
    while (Date.now() < deadline) {
      signal?.throwIfAborted();
      const { data } = await this.server.api.targets();
      const up = data.activeTargets.filter((target) => target.health === 'up').length;
      if (up >= count) {
        upSince ??= Date.now();
        if (Date.now() - upSince >= 2 * this.timing.scrapeIntervalMs) return;
      } else {
        upSince = undefined;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(200, this.timing.scrapeIntervalMs)));
    }
    throw new TimeoutError(`Prometheus to scrape all ${count} members`, timeoutMs);
  }

  get timeFactor(): number {
    return this.timing.timeFactor;
  }

  /** Files for the evidence: Prometheus' config, the compressed rules, its log, the API responses, the transitions. */
  async evidenceFiles(): Promise<{ name: string; text: string }[]> {
    const read = (file: string) =>
      readFile(join(this.server.dir, file), 'utf8').catch((error) => String(error));
    return [
      { name: 'prometheus/prometheus.yml', text: await read('prometheus.yml') },
      { name: 'prometheus/rules.yml', text: rulesToYaml(this.rules) },
      { name: 'prometheus/prometheus.log', text: await read('prometheus.log') },
      { name: 'prometheus/api-responses.jsonl', text: this.watch.evidenceJsonl() },
      {
        name: 'prometheus/alert-transitions.json',
        text: `${JSON.stringify(
          {
            timeFactor: this.timing.timeFactor,
            timing: this.timing,
            ruleHealth: this.watch.ruleHealth(),
            pollErrors: this.watch.pollErrors,
            transitions: this.watch.allTransitions().map((transition) => ({
              ...transition,
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

  async stop(): Promise<void> {
    await this.watch.stop();
    await this.server.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

export function monitorCluster(
  cluster: StartedCluster,
  options: MonitorOptions = {},
): Promise<ClusterMonitor> {
  return ClusterMonitor.start(cluster, options);
}
