// `etcd-chaos run`: the main job. Runs the quick (or full) suite, or the named scenarios/claims, against the target
// version, writes DIR/result.json, prints a verdict table, and exits 0 (pass), 1 (a claim failed) or 2 (error).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Listr, ProcessOutput } from 'listr2';
import { resolveEtcd } from '../binaries/resolve-etcd.js';
import { resolveToxiproxy } from '../binaries/resolve-toxiproxy.js';
import { isClaimId } from '../claims/catalogue.js';
import { InputError } from '../errors.js';
import type { Finding } from '../findings/finding.js';
import { type RenderedReports, renderReports } from '../report/render.js';
import { buildRunResult, writeRunResult } from '../result/build-result.js';
import type { RunResult } from '../result/run-result.js';
import { combineOutcomes, runScenario, type ScenarioOutcome, type SuiteOptions } from '../scenario/runner.js';
import type { Intensity, ScenarioDefinition } from '../scenario/types.js';
import { Session } from '../session.js';
import {
  addTargetOptions,
  networkOfTarget,
  type TargetOptions,
  targetFromOptions,
} from './cluster-options.js';
import type { GlobalOptions } from './global-options.js';
import { collect } from './options.js';
import { printJsonLine } from './output.js';
import { lineProgress } from './progress.js';
import { availableScenarios, selectScenarios } from './scenario-selection.js';

interface RunOptions extends TargetOptions {
  suite: string;
  reportDir: string;
  json?: boolean;
  scenarioDir?: string[];
  strict?: boolean;
  accept?: string[];
  param?: string[];
}

export function registerRun(program: Command, globals: () => GlobalOptions): void {
  addTargetOptions(
    program
      .command('run')
      .argument('[scenarios...]', 'scenario ids or claim ids (default: every scenario of the suite)')
      .description(
        'check the claims on throwaway clusters and write a report (exit 0 pass, 1 a claim failed, 2 error)',
      ),
  )
    .option(
      '--suite <suite>',
      'quick | full: the intensity (short windows vs. longer, more samples)',
      'quick',
    )
    .option('--report-dir <dir>', 'where to write result.json and the evidence', 'reports/latest')
    .option('--scenario-dir <dir>', 'also load scenarios from this directory (repeatable)', collect)
    .option(
      '--param <scenario.name=value>',
      'override a scenario parameter, e.g. tuning.spikeMs=3000 (repeatable)',
      collect,
    )
    .option('--strict', 'count inconclusive findings as failures (exit 1)')
    .option(
      '--accept <claim[:check]>',
      'a known deviation: its failures stay in the reports but do not fail the exit code (repeatable)',
      collect,
    )
    .option('--json', 'print the run summary as one JSON line')
    .action(async (selectors: string[], options: RunOptions) => {
      const intensity = parseSuite(options.suite);
      const target = targetFromOptions(options);
      const all = await availableScenarios(options.scenarioDir ?? []);
      const scenarios = selectScenarios(all, selectors, intensity);
      const accepted = parseAccepted(options.accept ?? []);
      const params = parseParamOverrides(
        options.param ?? [],
        scenarios.map((scenario) => scenario.id),
      );
      const reportDir = resolve(options.reportDir);
      const { signal } = globals();
      const progress = lineProgress();
      // Provision before the clock starts, with progress: a cold cache builds etcd from source.
      await resolveEtcd(target.version, { onProgress: progress, signal });
      await resolveToxiproxy({ onProgress: progress, signal });
      const startedAt = new Date();
      await using session = await Session.open({ onProgress: progress });
      const outcome = combineOutcomes(
        await runScenariosWithProgress(
          scenarios,
          { intensity, target, session, reportDir, signal, params },
          { tty: useTty(options) },
        ),
      );
      const result = buildRunResult(outcome, {
        runId: session.runId,
        startedAt,
        endedAt: new Date(),
        suite: selectors.length > 0 || (options.scenarioDir?.length ?? 0) > 0 ? 'custom' : intensity,
        intensity,
        strict: Boolean(options.strict),
        accepted,
        target,
        requestedVersion: options.etcdVersion,
        presets: options.preset ? [options.preset] : [],
        network: await networkOfTarget(target, session),
      });
      const resultPath = await writeRunResult(reportDir, result);
      const reports = await renderReports(result, reportDir);
      if (options.json)
        printJsonLine({ resultPath, reportDir, reports, summary: result.summary, claims: result.claims });
      else printSummary(result, resultPath, reports);
      process.exitCode = result.summary.exitCode;
    });
}

/** A task list needs a real terminal of known width; CI logs, pipes and --json get plain lines. */
function useTty(options: RunOptions): boolean {
  return (
    Boolean(process.stderr.isTTY) && (process.stderr.columns ?? 0) >= 40 && !process.env.CI && !options.json
  );
}

/**
 * Runs the scenarios one after another with progress on stderr: a listr2 task list on a terminal (steps as task
 * output, verdicts in the task title), plain lines otherwise (CI logs, --json).
 */
async function runScenariosWithProgress(
  scenarios: readonly ScenarioDefinition[],
  options: Omit<SuiteOptions, 'scenarios' | 'onEvent'>,
  display: { tty: boolean },
): Promise<ScenarioOutcome[]> {
  const outcomes: ScenarioOutcome[] = [];
  if (!display.tty) {
    for (const [index, definition] of scenarios.entries()) {
      process.stderr.write(`[${index + 1}/${scenarios.length}] ${definition.id}: ${definition.title}\n`);
      const outcome = await runScenario(definition, {
        ...options,
        onEvent: (event) => {
          if (event.kind === 'step') process.stderr.write(`      · ${event.message}\n`);
          else if (event.kind === 'finding')
            process.stderr.write(
              `      ${verdictLabel(event.finding)} ${event.finding.claim}: ${event.finding.check}\n`,
            );
        },
      });
      if (outcome.result.status !== 'completed')
        process.stderr.write(`      ! ${outcome.result.status}: ${outcome.result.message ?? ''}\n`);
      outcomes.push(outcome);
      if (options.signal.aborted) break;
    }
    return outcomes;
  }
  const list = new Listr(
    scenarios.map((definition) => ({
      title: `${definition.id}: ${definition.title}`,
      task: async (_context: unknown, task: { output: string; title: string }) => {
        const outcome = await runScenario(definition, {
          ...options,
          onEvent: (event) => {
            if (event.kind === 'step') task.output = event.message;
            else if (event.kind === 'finding')
              task.output = `${verdictLabel(event.finding)} ${event.finding.claim}: ${event.finding.check}`;
          },
        });
        outcomes.push(outcome);
        const counts = ['pass', 'fail', 'inconclusive']
          .map(
            (verdict) =>
              [verdict, outcome.findings.filter((finding) => finding.verdict === verdict).length] as const,
          )
          .filter(([, count]) => count > 0)
          .map(([verdict, count]) => `${count} ${verdict}`)
          .join(', ');
        const status = outcome.result.status === 'completed' ? '' : ` [${outcome.result.status}]`;
        task.title = `${definition.id}: ${counts}${status} (${(outcome.result.durationMs / 1000).toFixed(1)} s)`;
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
  return outcomes;
}

function parseAccepted(values: readonly string[]): string[] {
  for (const value of values) {
    const claim = value.split(':')[0] ?? '';
    if (!isClaimId(claim))
      throw new InputError(
        `Expected \`--accept\` to name a claim (optionally claim:check), got \`${value}\`.`,
      );
  }
  return [...values];
}

function parseSuite(value: string): Intensity {
  if (value === 'quick' || value === 'full') return value;
  throw new InputError(`Expected \`--suite\` to be quick or full, got \`${value}\`.`);
}

function parseParamOverrides(
  values: readonly string[],
  scenarioIds: readonly string[],
): Record<string, Record<string, string>> {
  const overrides: Record<string, Record<string, string>> = {};
  for (const value of values) {
    const match = /^([a-z][a-z0-9-]*)\.([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(value);
    if (!match) throw new InputError(`Expected \`--param\` as scenario.name=value, got \`${value}\`.`);
    const [, scenario, name, raw] = match as unknown as [string, string, string, string];
    if (!scenarioIds.includes(scenario)) {
      throw new InputError(
        `\`--param ${value}\` names scenario \`${scenario}\`, which is not selected (selected: ${scenarioIds.join(', ')}).`,
      );
    }
    overrides[scenario] = { ...overrides[scenario], [name]: raw };
  }
  return overrides;
}

function verdictLabel(finding: Finding): string {
  return finding.verdict === 'pass' ? 'PASS' : finding.verdict === 'fail' ? 'FAIL' : 'INCONCLUSIVE';
}

function printSummary(result: RunResult, resultPath: string, reports: RenderedReports): void {
  const width = Math.max(...result.claims.map((entry) => entry.id.length), 10);
  const lines = [
    '',
    `etcd ${result.target.etcdVersion} (${result.run.network}${result.target.tls ? ', TLS' : ''}), ${result.run.suite} suite, ${(result.run.durationMs / 1000).toFixed(0)} s`,
    ...result.claims.map(
      (entry) => `  ${entry.verdict.toUpperCase().padEnd(12)} ${entry.id.padEnd(width)}  ${entry.title}`,
    ),
  ];
  const failed = result.findings.filter((finding) => finding.verdict !== 'pass');
  if (failed.length > 0) lines.push('', 'Not passing:');
  for (const finding of failed) {
    lines.push(`  ${finding.verdict.toUpperCase()} ${finding.claim} (${finding.check})`);
    lines.push(
      `    expected: ${finding.expected}`,
      `    observed: ${finding.observed}`,
      `    why:      ${finding.reason}`,
    );
  }
  const { claims, scenarioErrors, exitCode, acceptedFailures } = result.summary;
  lines.push(
    '',
    `claims: ${claims.pass} pass, ${claims.fail} fail, ${claims.inconclusive} inconclusive${scenarioErrors ? `; ${scenarioErrors} scenario error(s)` : ''}${acceptedFailures ? `; ${acceptedFailures} failed finding(s) accepted` : ''} → exit ${exitCode}`,
    `report: ${reports.html}`,
    `        ${reports.markdown}, ${reports.junit}, ${resultPath}${reports.bundle ? `, ${reports.bundle}` : ''}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}
