// Runs scenarios one after another in one session, `repeat` times over: applies intensities and parameter
// overrides, bounds each scenario in time, turns errors into inconclusive findings for the claims left unchecked, and
// accounts for every selected check, including those an interruption kept from running.
import type { ClaimCatalogue } from '../claims/catalogue.js';
import { describeError, HarnessError } from '../errors.js';
import { type Finding, toFinding } from '../findings/finding.js';
import { logger } from '../log.js';
import { parseParams } from '../params.js';
import type { RecordedFaultWindow, ScenarioResult, ScenarioStatus } from '../result/format.js';
import type { Session } from '../session.js';
import { ScenarioRun } from './context.js';
import type { Intensity, RunTarget, ScenarioDefinition } from './types.js';

const log = logger('scenario');

export type SuiteEvent =
  | {
      readonly kind: 'scenario-start';
      readonly scenario: string;
      readonly title: string;
      /** 0-based position in the whole run (repetitions included). */
      readonly index: number;
      readonly total: number;
      readonly repetition: number;
    }
  | { readonly kind: 'step'; readonly scenario: string; readonly message: string }
  | { readonly kind: 'finding'; readonly finding: Finding }
  | { readonly kind: 'scenario-end'; readonly outcome: ScenarioOutcome };

export interface ScenarioRunOptions {
  readonly intensity: Intensity;
  readonly target: RunTarget;
  readonly session: Session;
  readonly reportDir: string;
  readonly signal: AbortSignal;
  readonly catalogue: ClaimCatalogue;
  /** 1..N under `--repeat N` (default 1). */
  readonly repetition?: number;
  /** Per-scenario parameter overrides (`{ 'tuning': { spikeMs: 3000 } }`). */
  readonly params?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly onEvent?: (event: SuiteEvent) => void;
  /**
   * Evidence goes under `evidence/<prefix>/<scenario>` (a matrix names the target there, so that the same scenario
   * on two targets, in one run or in two shards, never shares a directory).
   */
  readonly evidencePrefix?: string;
}

export interface SuiteOptions extends Omit<ScenarioRunOptions, 'repetition'> {
  readonly scenarios: readonly ScenarioDefinition[];
  /** How many times the whole selection runs, each time on fresh clusters (default 1). */
  readonly repeat?: number;
}

export interface ScenarioOutcome {
  readonly result: ScenarioResult;
  readonly findings: readonly Finding[];
  readonly faultWindows: readonly RecordedFaultWindow[];
}

export interface SuiteOutcome {
  readonly findings: readonly Finding[];
  readonly scenarios: readonly ScenarioResult[];
  readonly faultWindows: readonly RecordedFaultWindow[];
}

const DEFAULT_TIMEOUT_MS: Readonly<Record<Intensity, number>> = { quick: 5 * 60_000, full: 20 * 60_000 };

/** One planned scenario run of a suite: which scenario, which repetition, and (in a matrix) on which target. */
export interface PlannedRun {
  readonly definition: ScenarioDefinition;
  readonly repetition: number;
  /** The cell of the matrix it runs on; unset: the run's one target. */
  readonly target?: RunTarget;
}

export function planRuns(scenarios: readonly ScenarioDefinition[], repeat = 1): PlannedRun[] {
  const plan: PlannedRun[] = [];
  for (let repetition = 1; repetition <= repeat; repetition++)
    for (const definition of scenarios) plan.push({ definition, repetition });
  return plan;
}

/**
 * Runs every planned scenario in order (`repeat` times the selection). Stops starting new scenarios once `signal`
 * aborts; the runs it never started are in the outcome as not-run findings, so nothing selected goes unaccounted.
 */
export async function runSuite(options: SuiteOptions): Promise<SuiteOutcome> {
  const plan = planRuns(options.scenarios, options.repeat);
  const outcomes: ScenarioOutcome[] = [];
  for (const [index, run] of plan.entries()) {
    if (options.signal.aborted) break;
    options.onEvent?.({
      kind: 'scenario-start',
      scenario: run.definition.id,
      title: run.definition.title,
      index,
      total: plan.length,
      repetition: run.repetition,
    });
    const outcome = await runScenario(run.definition, { ...options, repetition: run.repetition });
    outcomes.push(outcome);
    options.onEvent?.({ kind: 'scenario-end', outcome });
  }
  const notStarted = plan.slice(outcomes.length);
  const reason = options.signal.aborted ? notRunReason(options.signal) : 'not run';
  return combineOutcomes([...outcomes, ...notStarted.map((run) => notRunOutcome(run, reason, options))]);
}

export function combineOutcomes(outcomes: readonly ScenarioOutcome[]): SuiteOutcome {
  return {
    findings: outcomes.flatMap((outcome) => outcome.findings),
    scenarios: outcomes.map((outcome) => outcome.result),
    faultWindows: outcomes.flatMap((outcome) => outcome.faultWindows),
  };
}

/** Why checks did not run, from an aborted signal (`not run: interrupted by SIGINT`). */
export function notRunReason(signal: AbortSignal): string {
  return `not run: ${describeError(signal.reason)}`;
}

/**
 * The outcome of a planned run that never started (an interruption, or a crash before it): a cancelled scenario
 * result and a not-run finding for each of its claims.
 */
export function notRunOutcome(
  run: PlannedRun,
  reason: string,
  options: Pick<ScenarioRunOptions, 'intensity' | 'target' | 'catalogue'>,
): ScenarioOutcome {
  const { definition, repetition } = run;
  const target = run.target ?? options.target;
  return {
    result: {
      id: definition.id,
      title: definition.title,
      claims: definition.claims,
      repetition,
      target: { version: target.version.toString(), backend: target.backend },
      intensity: options.intensity,
      params: {},
      status: 'cancelled',
      message: reason,
      startedAt: new Date().toISOString(),
      durationMs: 0,
      series: [],
      tables: [],
      leaderEvents: [],
    },
    findings: definition.claims.map((id) =>
      unchecked(definition.id, id, reason, { ...options, target, repetition }, [], true),
    ),
    faultWindows: [],
  };
}

/** Runs one scenario (for callers that drive their own loop, e.g. a progress UI); scenario errors become findings. */
export async function runScenario(
  definition: ScenarioDefinition,
  options: ScenarioRunOptions,
): Promise<ScenarioOutcome> {
  const repetition = options.repetition ?? 1;
  const startedAt = new Date();
  const params = parseParams(`scenario ${definition.id}`, definition.params, {
    ...(definition.intensities?.[options.intensity] ?? {}),
    ...(options.params?.[definition.id] ?? {}),
  });
  const base = {
    id: definition.id,
    title: definition.title,
    claims: definition.claims,
    repetition,
    target: { version: options.target.version.toString(), backend: options.target.backend },
    intensity: options.intensity,
    params,
    startedAt: startedAt.toISOString(),
  };
  const context = { ...options, repetition };
  const notApplicable = definition.notApplicable?.(options.target);
  if (notApplicable) {
    const findings = definition.claims.map((id) =>
      unchecked(
        definition.id,
        id,
        `not applicable to etcd ${options.target.version}: ${notApplicable}`,
        context,
      ),
    );
    for (const finding of findings) options.onEvent?.({ kind: 'finding', finding });
    return {
      result: {
        ...base,
        status: 'not-applicable',
        message: notApplicable,
        durationMs: 0,
        series: [],
        tables: [],
        leaderEvents: [],
      },
      findings,
      faultWindows: [],
    };
  }

  const timeoutMs = definition.timeoutMs?.[options.intensity] ?? DEFAULT_TIMEOUT_MS[options.intensity];
  const timeout = new AbortController();
  const timer = setTimeout(
    () => timeout.abort(new HarnessError(`scenario ${definition.id} exceeded ${timeoutMs} ms`)),
    timeoutMs,
  );
  const signal = AbortSignal.any([options.signal, timeout.signal]);
  const run = new ScenarioRun({
    scenario: definition.id,
    claims: definition.claims,
    catalogue: options.catalogue,
    repetition,
    params,
    intensity: options.intensity,
    target: options.target,
    session: options.session,
    reportDir: options.reportDir,
    signal,
    onStep: (message) => options.onEvent?.({ kind: 'step', scenario: definition.id, message }),
    ...(options.evidencePrefix ? { evidencePrefix: options.evidencePrefix } : {}),
  });
  const reported = run.report.bind(run);
  run.report = (outcome, evidence) => {
    const finding = reported(outcome, evidence);
    options.onEvent?.({ kind: 'finding', finding });
    return finding;
  };
  let status: ScenarioStatus = 'completed';
  let message: string | undefined;
  try {
    await Promise.race([
      definition.run(run),
      new Promise<never>((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
      ),
    ]);
  } catch (error) {
    status = options.signal.aborted ? 'cancelled' : timeout.signal.aborted ? 'timeout' : 'error';
    message = describeError(error);
    log('scenario %s %s: %O', definition.id, status, error);
  } finally {
    clearTimeout(timer);
    await run.close();
  }
  const findings = [...run.findings];
  const checked = new Set(findings.map((finding) => finding.claim));
  for (const id of definition.claims) {
    if (checked.has(id)) continue;
    const finding =
      status === 'cancelled'
        ? unchecked(definition.id, id, notRunReason(options.signal), context, run.evidence.paths, true)
        : unchecked(
            definition.id,
            id,
            status === 'completed'
              ? `scenario ${definition.id} completed without a finding for this claim (a scenario bug)`
              : `scenario ${definition.id} ended with ${status} before checking this claim: ${message}`,
            context,
            run.evidence.paths,
          );
    findings.push(finding);
    options.onEvent?.({ kind: 'finding', finding });
  }
  return {
    result: {
      ...base,
      status,
      message,
      durationMs: Date.now() - startedAt.getTime(),
      series: run.seriesList,
      tables: run.tables,
      leaderEvents: run.leaderEvents,
      ...(run.flagOverrides.length > 0 ? { flagOverrides: run.flagOverrides } : {}),
    },
    findings,
    faultWindows: run.faultWindows,
  };
}

/** An inconclusive finding for a claim no check decided (not applicable, an error, or never run). */
function unchecked(
  scenario: string,
  id: string,
  reason: string,
  options: Pick<ScenarioRunOptions, 'target' | 'catalogue'> & { readonly repetition: number },
  evidence: readonly string[] = [],
  notRun = false,
): Finding {
  const about = options.catalogue.get(id);
  const finding = toFinding(
    {
      claim: id,
      check: about.title,
      verdict: 'inconclusive',
      reason,
      expected: about.statement,
      observed: notRun ? 'not run' : 'not measured',
    },
    {
      scenario,
      etcdVersion: options.target.version.toString(),
      target: { version: options.target.version.toString(), backend: options.target.backend },
      evidence,
      repetition: options.repetition,
      about,
    },
  );
  return notRun ? { ...finding, notRun: true } : finding;
}
