// A whole run, as `run`, `rehearse-upgrade`, `verify-backup` and `drill` share it: provision, run the planned
// scenarios (repetitions included, on every cell of the matrix, or on this shard's part of it), rewrite DIR/result.json after every scenario (complete: false until the end, so
// a crash leaves a valid partial result), account for everything an interruption kept from running, then render
// every format. How progress is shown is the caller's (a driver); the run itself is the same.
import { resolveEtcd } from '../binaries/resolve-etcd.js';
import { resolveToxiproxy } from '../binaries/resolve-toxiproxy.js';
import type { ProgressListener } from '../binaries/types.js';
import type { ClaimCatalogue } from '../claims/catalogue.js';
import { type RenderedReports, renderReports } from '../report/render.js';
import { buildRunResult, type RunMetadata } from '../result/build-result.js';
import type { InterruptSignal, RunResult } from '../result/format.js';
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

export interface SuiteExecution {
  readonly scenarios: readonly ScenarioDefinition[];
  readonly repeat: number;
  readonly intensity: Intensity;
  /** The run's target: the first cell of the matrix. */
  readonly target: RunTarget;
  /**
   * Every cell of the matrix (--etcd-version × --backend), `target` first; the result then records the matrix and
   * names each finding's cell. Unset (a rehearsal, a backup check): `target` alone.
   */
  readonly targets?: readonly RunTarget[];
  /** --shard I/N: run only that part of scenarios × targets. */
  readonly shard?: ShardSpec;
  /** Releases to provision besides the target's (a rehearsal's starting release). */
  readonly extraVersions?: readonly EtcdVersion[];
  readonly catalogue: ClaimCatalogue;
  readonly params?: ScenarioRunOptions['params'];
  /** Prepared (validated, writable) report dir. */
  readonly reportDir: string;
  readonly suite: RunMetadata['suite'];
  readonly strict: boolean;
  readonly accepted: readonly string[];
  readonly requestedVersion: string;
  readonly presets: readonly string[];
}

/** Runs one planned scenario (undefined once the run is interrupted) and hands its events to the driver. */
export type RunOne = (
  run: PlannedRun,
  onEvent: ScenarioRunOptions['onEvent'],
) => Promise<ScenarioOutcome | undefined>;

/** How the scenarios are driven and shown: in order, calling `runOne` for each (a task list, plain lines, nothing). */
export type SuiteDriver = (plan: readonly PlannedRun[], runOne: RunOne) => Promise<void>;

export interface ExecutionContext {
  readonly signal: AbortSignal;
  /** The signal that interrupted the run, with when (recorded in the result; decides its exit code). */
  readonly interruption?: () => { readonly signal: InterruptSignal; readonly at: Date } | undefined;
  readonly driver?: SuiteDriver;
  readonly onProgress?: ProgressListener;
  /** Render the formats besides result.json (default true). */
  readonly render?: boolean;
}

export interface SuiteExecutionResult {
  readonly result: RunResult;
  readonly resultPath: string;
  readonly reports: RenderedReports | undefined;
}

/** Runs every planned scenario in order, with no output of its own. */
export const quietDriver: SuiteDriver = async (plan, runOne) => {
  for (const run of plan) if (!(await runOne(run, undefined))) break;
};

export async function executeSuite(
  execution: SuiteExecution,
  context: ExecutionContext,
): Promise<SuiteExecutionResult> {
  const { signal } = context;
  const startedAt = new Date();
  const targets = execution.targets ?? [execution.target];
  const matrix = targets.length > 1;
  // A planned run names its cell only in a matrix (PlannedRun.target: unset = the run's one target), so that
  // drivers label cells only when there is more than one.
  const plan = planMatrixRuns(
    shardUnits(matrixUnits(execution.scenarios, targets), execution.shard),
    execution.repeat,
  ).map((run): PlannedRun => (matrix ? run : { definition: run.definition, repetition: run.repetition }));
  // A matrix names the cell in evidence paths, so that one scenario on two cells (or two shards) never collides.
  const evidencePrefix = (target: RunTarget) => (matrix ? `${target.version}-${target.backend}` : undefined);
  const outcomes: ScenarioOutcome[] = [];
  let network: string = [
    ...new Set(targets.map((target) => (target.backend === 'docker' ? 'docker' : target.network))),
  ].join(',');
  // Until a session exists the run has no id of its own: a provisional one keeps an early partial result valid.
  let runId = `${startedAt.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')}-provisioning`;
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
    interruption: context.interruption?.(),
  });
  const resultSoFar = (complete: boolean, reason: string): RunResult => {
    const pending = plan.slice(outcomes.length).map((run) => notRunOutcome(run, reason, execution));
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
      const versions = new Map(
        [
          ...(execution.extraVersions ?? []),
          ...plan.map((run) => (run.target ?? execution.target).version),
        ].map((version) => [version.toString(), version]),
      );
      for (const version of versions.values())
        await resolveEtcd(version, { onProgress: context.onProgress, signal });
      await resolveToxiproxy({ onProgress: context.onProgress, signal });
      await using session = await Session.open({ onProgress: context.onProgress });
      runId = session.runId;
      network = [...new Set(await Promise.all(targets.map((target) => networkOf(target, session))))].join(
        ',',
      );
      writeProgress();
      const runOne: RunOne = async (run, onEvent) => {
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
      await (context.driver ?? quietDriver)(plan, runOne);
    } catch (error) {
      // An interruption while provisioning or opening the session is accounted for below; anything else is an error
      // of the run itself, but what was found so far is already on disk.
      if (!signal.aborted) throw error;
    }
  }
  const result = resultSoFar(true, signal.aborted ? notRunReason(signal) : 'not run');
  const resultPath = writeRunResult(execution.reportDir, result);
  const reports = context.render === false ? undefined : await renderReports(result, execution.reportDir);
  return { result, resultPath, reports };
}

/** What the report calls the network: the process backend's plane, or `docker`. */
async function networkOf(target: RunTarget, session: Session): Promise<string> {
  return target.backend === 'docker' ? 'docker' : (await session.network(target.network)).mode;
}
