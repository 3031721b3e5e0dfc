// One scenario's run: the context handed to `run(ctx)`, and everything it must clean up and hand over afterwards
// (findings, fault windows, series, leader events, logs as evidence).

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ClaimCatalogue } from '../claims/catalogue.js';
import { ClusterSpec } from '../cluster/spec.js';
import type { StartedCluster } from '../cluster/types.js';
import { describeError, HarnessError } from '../errors.js';
import { FaultRunner, type FaultRunnerOptions } from '../faults/runner.js';
import { type CheckOutcome, type Finding, toFinding } from '../findings/finding.js';
import { logger } from '../log.js';
import { LeaderTimeline, type LeaderTimelineOptions } from '../observe/leader-timeline.js';
import type { ToolRun } from '../procedures/tool-run.js';
import type { FlagOverride, RecordedFaultWindow } from '../result/format.js';
import type { Session } from '../session.js';
import { sleep } from '../util/wait.js';
import { ledgerToJson } from '../workload/ledger.js';
import { LedgerWriter, type LedgerWriterOptions } from '../workload/ledger-writer.js';
import { bucketize, bucketPoints } from '../workload/windows.js';
import { EvidenceRecorder } from './evidence.js';
import type { Intensity, LeaderEvent, ResultTable, RunTarget, ScenarioContext, Series } from './types.js';

const log = logger('scenario');

export type { RecordedFaultWindow } from '../result/format.js';

export interface ScenarioRunInit<P> {
  readonly scenario: string;
  /** The claims the scenario lists: the only ones it may report under. */
  readonly claims: readonly string[];
  readonly catalogue: ClaimCatalogue;
  /** 1..N under `--repeat N`. */
  readonly repetition: number;
  readonly params: P;
  readonly intensity: Intensity;
  readonly target: RunTarget;
  readonly session: Session;
  readonly reportDir: string;
  readonly signal: AbortSignal;
  readonly onStep: (message: string) => void;
  /** Evidence under `evidence/<prefix>/...` (a matrix cell, e.g. `3.6.16-process`). */
  readonly evidencePrefix?: string;
}

export class ScenarioRun<P> implements ScenarioContext<P> {
  readonly scenario: string;
  readonly repetition: number;
  readonly params: P;
  readonly intensity: Intensity;
  readonly target: RunTarget;
  readonly session: Session;
  readonly workDir: string;
  readonly signal: AbortSignal;
  readonly evidence: EvidenceRecorder;
  readonly findings: Finding[] = [];
  readonly seriesList: Series[] = [];
  readonly tables: ResultTable[] = [];
  readonly leaderEvents: LeaderEvent[] = [];
  readonly faultWindows: RecordedFaultWindow[] = [];
  /** The run's flags this scenario replaced with its own (listed in its findings and the report header). */
  readonly flagOverrides: FlagOverride[] = [];
  private readonly clusters: StartedCluster[] = [];
  private readonly faultRunners: { cluster: string; runner: FaultRunner }[] = [];
  private readonly timelines: { cluster: string; timeline: LeaderTimeline }[] = [];
  private readonly ledgers: { cluster: string; writer: LedgerWriter }[] = [];
  private closed = false;

  constructor(private readonly init: ScenarioRunInit<P>) {
    this.scenario = init.scenario;
    this.repetition = init.repetition;
    this.params = init.params;
    this.intensity = init.intensity;
    this.target = init.target;
    this.session = init.session;
    this.signal = init.signal;
    const runName = init.repetition > 1 ? `repetition-${init.repetition}/${init.scenario}` : init.scenario;
    const prefixed = init.evidencePrefix ? `${init.evidencePrefix}/${runName}` : runName;
    this.evidence = new EvidenceRecorder(init.reportDir, prefixed);
    this.workDir = join(init.session.workDir, 'scenarios', prefixed);
    mkdirSync(this.workDir, { recursive: true });
  }

  step(message: string): void {
    this.init.onStep(message);
  }

  clusterSpec(): ClusterSpec {
    const spec = ClusterSpec.etcd(this.target.version)
      .withBackend(this.target.backend)
      .withImages(this.target.images)
      .withNetwork(this.target.network)
      .withTls(this.target.tls, this.target.tlsKeyType ? { keyType: this.target.tlsKeyType } : {});
    if (Object.keys(this.target.flags).length > 0) spec.withFlags(this.target.flags);
    return spec;
  }

  async startCluster(spec: ClusterSpec = this.clusterSpec()): Promise<StartedCluster> {
    this.signal.throwIfAborted();
    this.recordOverrides(spec.toSpec().flags);
    const cluster = await spec.start({ session: this.session, signal: this.signal });
    this.clusters.push(cluster);
    return cluster;
  }

  faults(cluster: StartedCluster, options: Omit<FaultRunnerOptions, 'signal'> = {}): FaultRunner {
    const runner = new FaultRunner(cluster, { ...options, signal: this.signal });
    this.faultRunners.push({ cluster: cluster.name, runner });
    return runner;
  }

  leaderTimeline(cluster: StartedCluster, options?: LeaderTimelineOptions): LeaderTimeline {
    const timeline = LeaderTimeline.start(cluster, options);
    this.timelines.push({ cluster: cluster.name, timeline });
    return timeline;
  }

  ledger(cluster: StartedCluster, options?: LedgerWriterOptions): LedgerWriter {
    const writer = LedgerWriter.start(cluster, options);
    this.ledgers.push({ cluster: cluster.name, writer });
    return writer;
  }

  series(series: Series): void {
    this.seriesList.push(series);
  }

  table(table: ResultTable): void {
    this.tables.push(table);
  }

  recordTool(label: string, run: ToolRun): string {
    return this.evidence.command(label, run);
  }

  /** A scenario-required flag wins over the run's (manifest, --flag): each replacement is kept, once. */
  private recordOverrides(used: Readonly<Record<string, string>>): void {
    for (const [flag, yours] of Object.entries(this.target.flags)) {
      const value = used[flag];
      if (value === undefined || value === yours) continue;
      if (this.flagOverrides.some((entry) => entry.flag === flag && entry.used === value)) continue;
      this.flagOverrides.push({ flag, yours, used: value, scenario: this.scenario });
    }
  }

  report(outcome: CheckOutcome, evidence: readonly string[] = []): Finding {
    if (!this.init.claims.includes(outcome.claim)) {
      throw new HarnessError(
        `scenario ${this.scenario} reported a finding under claim \`${outcome.claim}\`, which it does not list in \`claims\` (${this.init.claims.join(', ')})`,
      );
    }
    const finding = toFinding(outcome, {
      scenario: this.scenario,
      etcdVersion: this.target.version.toString(),
      target: { version: this.target.version.toString(), backend: this.target.backend },
      evidence: [...new Set([...evidence, ...this.evidence.paths])],
      repetition: this.repetition,
      about: this.init.catalogue.get(outcome.claim),
    });
    if (this.flagOverrides.length > 0) Object.assign(finding, { flagOverrides: [...this.flagOverrides] });
    this.findings.push(finding);
    return finding;
  }

  sleep(ms: number): Promise<void> {
    return sleep(ms, this.signal);
  }

  async releaseCluster(cluster: StartedCluster): Promise<void> {
    const problems = await this.release(cluster.name, cluster);
    await this.saveProblems(problems);
  }

  /**
   * Ends the scenario: releases every cluster it started (heal faults, stop timelines and ledgers and save them, copy
   * member logs into the evidence, tear down). Never throws: teardown trouble goes into the evidence.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const problems: string[] = [];
    for (const cluster of [...this.clusters]) problems.push(...(await this.release(cluster.name, cluster)));
    // Timelines, runners or ledgers on clusters the scenario did not start through the context.
    problems.push(...(await this.release(undefined, undefined)));
    await this.saveProblems(problems);
  }

  private async release(name: string | undefined, cluster: StartedCluster | undefined): Promise<string[]> {
    const problems: string[] = [];
    const mine = <T extends { cluster: string }>(list: T[]): T[] => {
      const taken = list.filter((entry) => name === undefined || entry.cluster === name);
      for (const entry of taken) list.splice(list.indexOf(entry), 1);
      return taken;
    };
    const attempt = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (error) {
        problems.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    for (const { cluster: owner, runner } of mine(this.faultRunners)) {
      await attempt(`healing faults on ${owner}`, () => runner.healAll({ quiet: true }));
      for (const window of runner.windows())
        this.faultWindows.push({
          ...window,
          scenario: this.scenario,
          repetition: this.repetition,
          cell: { version: this.target.version.toString(), backend: this.target.backend },
          cluster: owner,
        });
    }
    for (const { cluster: owner, timeline } of mine(this.timelines)) {
      await attempt(`stopping the leader timeline of ${owner}`, async () => {
        const result = await timeline.stop();
        for (const span of result.spans)
          this.leaderEvents.push({ at: span.from, leader: span.leader, cluster: owner });
      });
    }
    for (const { cluster: owner, writer } of mine(this.ledgers)) {
      await attempt(`stopping the ledger on ${owner}`, () => this.saveLedger(owner, writer));
    }
    if (cluster) {
      const index = this.clusters.indexOf(cluster);
      if (index !== -1) this.clusters.splice(index, 1);
      for (const member of [...cluster.members, ...cluster.removedMembers]) {
        await attempt(`copying ${member.name}'s log`, () =>
          this.evidence.copy(member.logPath, `logs/${cluster.name}-${member.name}.log`),
        );
      }
      await attempt(`tearing down ${cluster.name}`, () => teardownOf(cluster));
    }
    return problems;
  }

  private ledgerCount = 0;

  private async saveLedger(cluster: string, writer: LedgerWriter): Promise<void> {
    const ledger = await writer.stop();
    this.ledgerCount += 1;
    await this.evidence.text(`ledger-${cluster}-${this.ledgerCount}.json`, ledgerToJson(ledger));
    const samples = [
      ...ledger.acknowledged.map((write) => ({
        at: write.ackAt,
        latencyMs: write.ackAt - write.sentAt,
        ok: true,
      })),
      ...ledger.failed.map((write) => ({ at: write.failedAt, latencyMs: 0, ok: false })),
      ...ledger.ambiguous.map((write) => ({ at: write.failedAt, latencyMs: 0, ok: false })),
    ];
    const bucketMs = 250;
    const buckets = bucketize(samples, ledger.startedAt, ledger.endedAt, bucketMs);
    this.series({
      name: `put latency p99 (${cluster}, ledger writer)`,
      unit: 'ms',
      cluster,
      // An outage (a second or more without an acknowledged put) breaks the line: the chart shows the gap.
      points: bucketPoints(buckets, (bucket) => bucket.p99Ms, bucketMs),
    });
    if (buckets.some((bucket) => bucket.errors > 0)) {
      this.series({
        name: `failed or ambiguous puts per ${bucketMs} ms (${cluster})`,
        unit: 'count',
        cluster,
        points: bucketPoints(buckets, (bucket) => bucket.errors, bucketMs),
      });
    }
  }

  private async saveProblems(problems: readonly string[]): Promise<void> {
    if (problems.length === 0) return;
    // close() never throws: when even the evidence cannot be written (report dir gone), the problems go to the log.
    await this.evidence
      .text(`teardown-problems-${Date.now()}.txt`, `${problems.join('\n')}\n`)
      .catch((error: unknown) => log('teardown problems %o (not saved: %s)', problems, describeError(error)));
  }
}

/** Stops the cluster and removes its files, the files even when stopping failed (the failure is still thrown). */
async function teardownOf(cluster: StartedCluster): Promise<void> {
  await cluster[Symbol.asyncDispose]();
}
