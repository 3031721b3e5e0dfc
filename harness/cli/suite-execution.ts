// What `run` and `rehearse-upgrade` share: provision, run the planned scenarios (repetitions included, on every cell of
// the matrix, or on this shard's part of it) with progress, rewrite DIR/result.json after every scenario (complete:
// false until the end, so a crash leaves a valid partial result), account for everything an interruption kept from
// running, then render every format.
import { Listr, ProcessOutput } from 'listr2';
import { resolveEtcd } from '../binaries/resolve-etcd.js';
import { resolveToxiproxy } from '../binaries/resolve-toxiproxy.js';
import type { ClaimCatalogue } from '../claims/catalogue.js';
import type { Finding } from '../findings/finding.js';
import { type RenderedReports, renderReports } from '../report/render.js';
import { buildRunResult, type RunMetadata } from '../result/build-result.js';
import type { RunResult } from '../result/format.js';
import { writeRunResult } from '../result/result-file.js';
import { matrixUnits, planMatrixRuns, type ShardSpec, shardUnits } from '../scenario/matrix.js';
import {
  combineOutcomes,
  notRunOutcome,
  notRunReason,
  type PlannedRun,
  runScenario,
  type ScenarioOutcome,
  type ScenarioRunOptions,
} from '../scenario/runner.js';
import type { Intensity, RunTarget, ScenarioDefinition } from '../scenario/types.js';
import { Session } from '../session.js';
import type { EtcdVersion } from '../versions/version.js';
import { networkOfTarget } from './cluster-options.js';
import type { GlobalOptions } from './global-options.js';
import { lineProgress } from './progress.js';

export interface SuiteExecution {
  readonly scenarios: readonly ScenarioDefinition[];
  readonly repeat: number;
  readonly intensity: Intensity;
  /** The run's target: the first cell of the matrix. */
  readonly target: RunTarget;
  /**
   * Every cell of the matrix (--etcd-version × --backend), `target` first; the result then records the matrix and
   * names each finding's cell. Unset (a rehearsal): `target` alone.
   */
  readonly targets?: readonly RunTarget[];
  /** --shard I/N: run only that part of scenarios × targets. */
  readonly shard?: ShardSpec;
  /** Releases to provision besides the target's (a rehearsal's starting release). */
  readonly extraVersions?: readonly EtcdVersion[];
  readonly catalogue: ClaimCatalogue;
  readonly params: ScenarioRunOptions['params'];
  /** Prepared (validated, writable) report dir. */
  readonly reportDir: string;
  readonly suite: RunMetadata['suite'];
  readonly strict: boolean;
  readonly accepted: readonly string[];
  readonly requestedVersion: string;
  readonly presets: readonly string[];
  /** A task list on a terminal; plain lines otherwise (CI logs, pipes, --json). */
  readonly tty: boolean;
  /** Indent of the plain progress lines. */
  readonly indent?: string;
}

export interface SuiteExecutionResult {
  readonly result: RunResult;
  readonly resultPath: string;
  readonly reports: RenderedReports;
}

export async function executeSuite(
  execution: SuiteExecution,
  globals: GlobalOptions,
): Promise<SuiteExecutionResult> {
  const { signal, termination } = globals;
  const startedAt = new Date();
  const targets = execution.targets ?? [execution.target];
  const plan = planMatrixRuns(
    shardUnits(matrixUnits(execution.scenarios, targets), execution.shard),
    execution.repeat,
  );
  // A matrix names the cell in evidence paths, so that one scenario on two cells (or two shards) never collides.
  const evidencePrefix = (target: RunTarget) =>
    targets.length > 1 ? `${target.version}-${target.backend}` : undefined;
  const outcomes: ScenarioOutcome[] = [];
  let network: string = [
    ...new Set(targets.map((target) => (target.backend === 'docker' ? 'docker' : target.network))),
  ].join(',');
  const metadata = (complete: boolean): RunMetadata => ({
    runId,
    startedAt,
    endedAt: new Date(),
    suite: execution.suite,
    intensity: execution.intensity,
    repeat: execution.repeat,
    strict: execution.strict,
    accepted: execution.accepted,
    target: execution.target,
    ...(execution.targets ? { targets: execution.targets } : {}),
    ...(execution.shard ? { shard: execution.shard } : {}),
    requestedVersion: execution.requestedVersion,
    presets: execution.presets,
    network,
    catalogue: execution.catalogue,
    complete,
    interruption: termination.received(),
  });
  // Until a session exists the run has no id of its own: a provisional one keeps an early partial result valid.
  let runId = `${startedAt.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')}-provisioning`;
  const resultSoFar = (complete: boolean, reason: string): RunResult => {
    const pending = plan.slice(outcomes.length).map((run) =>
      notRunOutcome(run, reason, {
        ...execution,
        target: run.target ?? execution.target,
        catalogue: execution.catalogue,
      }),
    );
    return buildRunResult(combineOutcomes([...outcomes, ...pending]), metadata(complete));
  };
  const writeProgress = () =>
    writeRunResult(
      execution.reportDir,
      resultSoFar(false, 'not run: the run had not reached it when this file was written'),
    );
  writeProgress();

  // An empty shard provisions nothing: its result (no findings) is complete as it is.
  if (plan.length > 0) await runPlan();
  else runId = runId.replace(/-provisioning$/, '-empty-shard');
  async function runPlan(): Promise<void> {
    try {
      // Provision before the clock of any scenario starts, with progress: a cold cache builds etcd from source.
      const progress = lineProgress();
      const versions = new Map(
        [
          ...(execution.extraVersions ?? []),
          ...plan.map((run) => (run.target ?? execution.target).version),
        ].map((version) => [version.toString(), version]),
      );
      for (const version of versions.values()) await resolveEtcd(version, { onProgress: progress, signal });
      await resolveToxiproxy({ onProgress: progress, signal });
      await using session = await Session.open({ onProgress: progress });
      runId = session.runId;
      network = [
        ...new Set(await Promise.all(targets.map((target) => networkOfTarget(target, session)))),
      ].join(',');
      writeProgress();
      const runOne = async (
        run: PlannedRun,
        onEvent: ScenarioRunOptions['onEvent'],
      ): Promise<ScenarioOutcome | undefined> => {
        if (signal.aborted) return undefined;
        const target = run.target ?? execution.target;
        const prefix = evidencePrefix(target);
        const outcome = await runScenario(run.definition, {
          intensity: execution.intensity,
          target,
          ...(prefix ? { evidencePrefix: prefix } : {}),
          session,
          reportDir: execution.reportDir,
          signal,
          catalogue: execution.catalogue,
          params: execution.params,
          repetition: run.repetition,
          onEvent,
        });
        outcomes.push(outcome);
        writeProgress();
        return outcome;
      };
      const labelOf = (run: PlannedRun) => label(run, execution.repeat, targets.length > 1);
      if (execution.tty) await runWithTaskList(plan, runOne, labelOf);
      else await runWithLines(plan, runOne, labelOf, execution.indent ?? '', signal);
    } catch (error) {
      // An interruption while provisioning or opening the session is accounted for below; anything else is an error
      // of the run itself, but what was found so far is already on disk.
      if (!signal.aborted) throw error;
    }
  }
  const result = resultSoFar(true, signal.aborted ? notRunReason(signal) : 'not run');
  const resultPath = writeRunResult(execution.reportDir, result);
  const reports = await renderReports(result, execution.reportDir);
  return { result, resultPath, reports };
}

type RunOne = (
  run: PlannedRun,
  onEvent: ScenarioRunOptions['onEvent'],
) => Promise<ScenarioOutcome | undefined>;

function label(run: PlannedRun, repeat: number, matrix: boolean): string {
  const parts = [
    ...(matrix && run.target ? [`${run.target.version} ${run.target.backend}`] : []),
    ...(repeat > 1 ? [`${run.repetition}/${repeat}`] : []),
  ];
  return parts.length > 0 ? `${run.definition.id} (${parts.join(', ')})` : run.definition.id;
}

async function runWithLines(
  plan: readonly PlannedRun[],
  runOne: RunOne,
  labelOf: (run: PlannedRun) => string,
  indent: string,
  signal: AbortSignal,
): Promise<void> {
  for (const [index, run] of plan.entries()) {
    if (signal.aborted) break;
    process.stderr.write(`${indent}[${index + 1}/${plan.length}] ${labelOf(run)}: ${run.definition.title}\n`);
    const outcome = await runOne(run, (event) => {
      if (event.kind === 'step') process.stderr.write(`${indent}      · ${event.message}\n`);
      else if (event.kind === 'finding')
        process.stderr.write(
          `${indent}      ${verdictLabel(event.finding)} ${event.finding.claim}: ${event.finding.check}\n`,
        );
    });
    if (!outcome) break;
    if (outcome.result.status !== 'completed')
      process.stderr.write(`${indent}      ! ${outcome.result.status}: ${outcome.result.message ?? ''}\n`);
  }
}

/** A listr2 task list: steps as task output, verdict counts in the task title. */
async function runWithTaskList(
  plan: readonly PlannedRun[],
  runOne: RunOne,
  labelOf: (run: PlannedRun) => string,
): Promise<void> {
  const list = new Listr(
    plan.map((run) => ({
      title: `${labelOf(run)}: ${run.definition.title}`,
      task: async (
        _context: unknown,
        task: { output: string; title: string; skip(message: string): void },
      ) => {
        const outcome = await runOne(run, (event) => {
          if (event.kind === 'step') task.output = event.message;
          else if (event.kind === 'finding')
            task.output = `${verdictLabel(event.finding)} ${event.finding.claim}: ${event.finding.check}`;
        });
        if (!outcome) {
          task.skip(`${labelOf(run)}: not run (interrupted)`);
          return;
        }
        const counts = (['pass', 'fail', 'inconclusive'] as const)
          .map((verdict) => [verdict, outcome.findings.filter((f) => f.verdict === verdict).length] as const)
          .filter(([, count]) => count > 0)
          .map(([verdict, count]) => `${count} ${verdict}`)
          .join(', ');
        const status = outcome.result.status === 'completed' ? '' : ` [${outcome.result.status}]`;
        task.title = `${labelOf(run)}: ${counts}${status} (${(outcome.result.durationMs / 1000).toFixed(1)} s)`;
      },
    })),
    {
      concurrent: false,
      exitOnError: false,
      registerSignalListeners: false,
      rendererOptions: { processOutput: new ProcessOutput(process.stderr, process.stderr), outputBar: 1 },
    } as never,
  );
  await list.run();
}

function verdictLabel(finding: Finding): string {
  if (finding.notRun) return 'NOT RUN';
  return finding.verdict === 'pass' ? 'PASS' : finding.verdict === 'fail' ? 'FAIL' : 'INCONCLUSIVE';
}
