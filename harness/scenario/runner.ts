// Runs scenarios one after another in one session: applies intensities and parameter overrides, bounds each in
// time, turns errors into inconclusive findings for the claims left unchecked, and collects everything a report needs.
import { claim } from '../claims/catalogue.js';
import { describeError, HarnessError } from '../errors.js';
import { type Finding, toFinding } from '../findings/finding.js';
import { logger } from '../log.js';
import { parseParams } from '../params.js';
import type { ScenarioResult, ScenarioStatus } from '../result/run-result.js';
import type { Session } from '../session.js';
import { type RecordedFaultWindow, ScenarioRun } from './context.js';
import type { Intensity, RunTarget, ScenarioDefinition } from './types.js';

const log = logger('scenario');

export type SuiteEvent =
  | {
      readonly kind: 'scenario-start';
      readonly scenario: string;
      readonly title: string;
      readonly index: number;
      readonly total: number;
    }
  | { readonly kind: 'step'; readonly scenario: string; readonly message: string }
  | { readonly kind: 'finding'; readonly finding: Finding }
  | { readonly kind: 'scenario-end'; readonly result: ScenarioResult };

export interface SuiteOptions {
  readonly scenarios: readonly ScenarioDefinition[];
  readonly intensity: Intensity;
  readonly target: RunTarget;
  readonly session: Session;
  readonly reportDir: string;
  readonly signal: AbortSignal;
  /** Per-scenario parameter overrides (`{ 'tuning': { windowMs: 30000 } }`). */
  readonly params?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly onEvent?: (event: SuiteEvent) => void;
}

export interface SuiteOutcome {
  readonly findings: readonly Finding[];
  readonly scenarios: readonly ScenarioResult[];
  readonly faultWindows: readonly RecordedFaultWindow[];
}

const DEFAULT_TIMEOUT_MS: Readonly<Record<Intensity, number>> = { quick: 5 * 60_000, full: 20 * 60_000 };

export async function runSuite(options: SuiteOptions): Promise<SuiteOutcome> {
  const outcomes: ScenarioOutcome[] = [];
  for (const [index, definition] of options.scenarios.entries()) {
    options.onEvent?.({
      kind: 'scenario-start',
      scenario: definition.id,
      title: definition.title,
      index,
      total: options.scenarios.length,
    });
    const outcome = await runScenario(definition, options);
    outcomes.push(outcome);
    options.onEvent?.({ kind: 'scenario-end', result: outcome.result });
    if (options.signal.aborted) break;
  }
  return combineOutcomes(outcomes);
}

export interface ScenarioOutcome {
  readonly result: ScenarioResult;
  readonly findings: readonly Finding[];
  readonly faultWindows: readonly RecordedFaultWindow[];
}

export function combineOutcomes(outcomes: readonly ScenarioOutcome[]): SuiteOutcome {
  return {
    findings: outcomes.flatMap((outcome) => outcome.findings),
    scenarios: outcomes.map((outcome) => outcome.result),
    faultWindows: outcomes.flatMap((outcome) => outcome.faultWindows),
  };
}

/** Runs one scenario (for callers that drive their own loop, e.g. a progress UI); scenario errors become findings. */
export async function runScenario(
  definition: ScenarioDefinition,
  options: Omit<SuiteOptions, 'scenarios'>,
): Promise<ScenarioOutcome> {
  const startedAt = new Date();
  const params = parseParams(`scenario ${definition.id}`, definition.params, {
    ...(definition.intensities?.[options.intensity] ?? {}),
    ...(options.params?.[definition.id] ?? {}),
  });
  const base = {
    id: definition.id,
    title: definition.title,
    claims: definition.claims,
    intensity: options.intensity,
    params,
    startedAt: startedAt.toISOString(),
  };
  const notApplicable = definition.notApplicable?.(options.target);
  if (notApplicable) {
    const findings = definition.claims.map((id) =>
      inconclusive(
        definition.id,
        id,
        `not applicable to etcd ${options.target.version}: ${notApplicable}`,
        options,
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
    params,
    intensity: options.intensity,
    target: options.target,
    session: options.session,
    reportDir: options.reportDir,
    signal,
    onStep: (message) => options.onEvent?.({ kind: 'step', scenario: definition.id, message }),
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
    const reason =
      status === 'completed'
        ? `scenario ${definition.id} completed without a finding for this claim (a scenario bug)`
        : `scenario ${definition.id} ended with ${status} before checking this claim: ${message}`;
    const finding = inconclusive(definition.id, id, reason, options, run.evidence.paths);
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
    },
    findings,
    faultWindows: run.faultWindows,
  };
}

function inconclusive(
  scenario: string,
  id: Finding['claim'],
  reason: string,
  options: Omit<SuiteOptions, 'scenarios'>,
  evidence: readonly string[] = [],
): Finding {
  return toFinding(
    {
      claim: id,
      check: claim(id).title,
      verdict: 'inconclusive',
      reason,
      expected: claim(id).statement,
      observed: 'not measured',
    },
    { scenario, etcdVersion: options.target.version.toString(), evidence },
  );
}
