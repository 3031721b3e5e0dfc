// `etcd-chaos run`: the main job. Runs the quick (or full) suite, or the named scenarios/claims, `--repeat` times
// against the target version, writes DIR/result.json (after every scenario) and every report format, prints a
// verdict table, and exits 0 (pass), 1 (a claim failed or a check flipped), 2 (error), 130/143 (interrupted).
import type { Command } from 'commander';
import type { ClaimCatalogue } from '../claims/catalogue.js';
import { InputError } from '../errors.js';
import { describeStability, stabilityWord } from '../report/model.js';
import type { RenderedReports } from '../report/render.js';
import type { Intensity, RunResult } from '../result/format.js';
import { prepareReportDir } from '../result/result-file.js';
import { parseScale } from '../scale/profiles.js';
import { parseShard } from '../scenario/matrix.js';
import type { ScenarioDefinition } from '../scenario/types.js';
import { assertFlagsAccepted } from '../versions/flag-check.js';
import { addTargetOptions, targetsFromOptions } from './cluster-options.js';
import type { GlobalOptions } from './global-options.js';
import { collect, parseIntegerOption } from './options.js';
import { printJsonLine } from './output.js';
import { availableScenarios, selectScenarios } from './scenario-selection.js';
import {
  addSetupOptions,
  describeRequest,
  prepareSetup,
  type SetupOptions,
  setupSummaryLines,
} from './setup-options.js';
import { executeSuiteWithProgress } from './suite-execution.js';

interface RunOptions extends SetupOptions {
  suite: string;
  reportDir: string;
  repeat: number;
  json?: boolean;
  scenarioDir?: string[];
  strict?: boolean;
  accept?: string[];
  param?: string[];
  scale: string;
  shard?: string;
}

const MAX_REPEAT = 100;

export function registerRun(
  program: Command,
  globals: () => GlobalOptions,
  builtIn: readonly ScenarioDefinition[],
): void {
  addSetupOptions(
    addTargetOptions(
      program
        .command('run')
        .argument('[scenarios...]', 'scenario ids or claim ids (default: every scenario of the suite)')
        .description(
          'check the claims on throwaway clusters and write a report (exit 0 pass, 1 a claim failed or flipped, 2 error, 130/143 interrupted)',
        ),
    ),
  )
    .option(
      '--suite <suite>',
      'quick | full: the intensity (short windows vs. longer, more samples)',
      'quick',
    )
    .option(
      '--repeat <n>',
      `run the selection n times (1–${MAX_REPEAT}), each on fresh clusters, and report how stable every verdict was`,
      parseIntegerOption('--repeat', `an integer from 1 to ${MAX_REPEAT}`),
      1,
    )
    .option(
      '--report-dir <dir>',
      'where to write result.json, the reports and the evidence',
      'reports/latest',
    )
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
    .option(
      '--scale <profile>',
      'small | production | 1GiB | 4GiB | FILE (JSON/YAML): the Kubernetes-shaped keyspace production-size scenarios seed',
      'small',
    )
    .option(
      '--shard <I/N>',
      'run only part I of N of scenarios × versions × backends (a deterministic split; `report merge` joins the parts)',
    )
    .option('--json', 'print the run summary as one JSON line')
    .action(async (selectors: string[], options: RunOptions) => {
      // Every input is checked before anything is provisioned or started: bad input costs seconds, not a suite.
      const intensity = parseSuite(options.suite);
      if (options.repeat < 1 || options.repeat > MAX_REPEAT)
        throw new InputError(
          `Expected \`--repeat\` to be an integer from 1 to ${MAX_REPEAT}, got \`${options.repeat}\`.`,
        );
      const scale = parseScale(options.scale);
      const shard = options.shard === undefined ? undefined : parseShard(options.shard);
      const matrix = [options.etcdVersion, options.backend].some((value) => value.includes(','));
      if (matrix && (options.manifest || options.kubernetesVersion))
        throw new InputError(
          '`--manifest` and `--kubernetes-version` choose one release and one setup; they take one `--etcd-version` and one `--backend`, not lists.',
          { hint: 'Run the matrix without them, or one run per version and backend with them.' },
        );
      // A matrix is plain targets, each checked against its release now; a single target may carry the user's setup.
      const matrixTargets = matrix ? targetsFromOptions(options) : [];
      for (const entry of matrixTargets)
        assertFlagsAccepted(entry.version, entry.flags, '`--flag`/`--preset`');
      const prepared = matrix ? undefined : await prepareSetup(options);
      const available = await availableScenarios(builtIn, options.scenarioDir ?? []);
      const scenarios = selectScenarios(available, selectors, intensity);
      const accepted = parseAccepted(options.accept ?? [], available.claims);
      const params = parseParamOverrides(
        options.param ?? [],
        scenarios.map((scenario) => scenario.id),
      );
      const reportDir = await prepareReportDir(options.reportDir);
      const targets = (prepared ? [await prepared.target(globals().signal)] : matrixTargets).map((entry) => ({
        ...entry,
        scale,
      }));
      const { result, resultPath, reports } = await executeSuiteWithProgress(
        {
          scenarios,
          repeat: options.repeat,
          intensity,
          target: targets[0]!,
          targets,
          ...(shard ? { shard } : {}),
          catalogue: available.claims,
          params,
          reportDir,
          suite: selectors.length > 0 || (options.scenarioDir?.length ?? 0) > 0 ? 'custom' : intensity,
          strict: Boolean(options.strict),
          accepted,
          requestedVersion: prepared ? describeRequest(prepared, options.etcdVersion) : options.etcdVersion,
          presets: options.preset ? [options.preset] : [],
        },
        { tty: useTty(options) },
        globals(),
      );
      if (options.json)
        printJsonLine({
          resultPath,
          reportDir,
          reports,
          summary: result.summary,
          claims: result.claims,
          stability: result.run.repeat > 1 ? result.stability : undefined,
        });
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

function parseAccepted(values: readonly string[], catalogue: ClaimCatalogue): string[] {
  for (const value of values) {
    const claim = value.split(':')[0] ?? '';
    if (!catalogue.has(claim))
      throw new InputError(
        `Expected \`--accept\` to name a claim (optionally claim:check), got \`${value}\`.`,
        { hint: 'See `etcd-chaos list` for claim ids.' },
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
    const [, scenario, name, raw] = match ?? [];
    if (scenario === undefined || name === undefined || raw === undefined)
      throw new InputError(`Expected \`--param\` as scenario.name=value, got \`${value}\`.`);
    if (!scenarioIds.includes(scenario)) {
      throw new InputError(
        `\`--param ${value}\` names scenario \`${scenario}\`, which is not selected (selected: ${scenarioIds.join(', ')}).`,
      );
    }
    overrides[scenario] = { ...overrides[scenario], [name]: raw };
  }
  return overrides;
}

function printSummary(result: RunResult, resultPath: string, reports: RenderedReports): void {
  const width = Math.max(...result.claims.map((entry) => entry.id.length), 10);
  const repeat = result.run.repeat;
  const matrix = result.run.matrix;
  const where =
    matrix && matrix.targets.length > 1
      ? matrix.targets.map((target) => `etcd ${target.version} ${target.backend}`).join(', ')
      : `etcd ${result.target.etcdVersion}`;
  const lines = [
    '',
    `${where} (${result.run.network}${result.target.tls ? ', TLS' : ''}), ${result.run.suite} suite${repeat > 1 ? ` × ${repeat}` : ''}${matrix?.shard ? `, shard ${matrix.shard.index}/${matrix.shard.count}` : ''}, ${(result.run.durationMs / 1000).toFixed(0)} s`,
    ...result.claims.map(
      (entry) =>
        `  ${(entry.notRun ? 'NOT RUN' : entry.verdict.toUpperCase()).padEnd(12)} ${entry.id.padEnd(width)}  ${entry.title}`,
    ),
    ...setupSummaryLines(result),
  ];
  if (result.interruption)
    lines.push(
      '',
      `Interrupted by ${result.interruption.signal}: ${result.summary.notRun} selected check(s) did not run (listed as not run in every report).`,
    );
  const failed = result.findings.filter((finding) => finding.verdict !== 'pass' && !finding.notRun);
  if (failed.length > 0) lines.push('', 'Not passing:');
  // One entry per check and verdict, with the repetitions it happened in (the first one's details).
  const groups = new Map<string, (typeof failed)[number][]>();
  for (const finding of failed) {
    const key = `${finding.verdict}\u0000${finding.claim}\u0000${finding.check}`;
    groups.set(key, [...(groups.get(key) ?? []), finding]);
  }
  for (const [first, ...more] of groups.values()) {
    if (!first) continue;
    const repetitions = [first, ...more].map((finding) => finding.repetition).join(', ');
    lines.push(
      `  ${first.verdict.toUpperCase()} ${first.claim} (${first.check})${repeat > 1 ? ` [repetition ${repetitions} of ${repeat}]` : ''}`,
      `    expected: ${first.expected}`,
      `    observed: ${first.observed}${more.length > 0 ? ` (repetition ${first.repetition})` : ''}`,
      `    why:      ${first.reason}`,
    );
  }
  if (repeat > 1) {
    lines.push('', `Stability over ${repeat} repetitions:`);
    for (const row of result.stability) {
      lines.push(
        `  ${stabilityWord(row).toUpperCase().padEnd(32)} ${row.claim}: ${row.check}  ${describeStability(row, repeat)}`,
      );
    }
  }
  const { claims, scenarioErrors, exitCode, acceptedFailures, flippedChecks } = result.summary;
  lines.push(
    '',
    `claims: ${claims.pass} pass, ${claims.fail} fail, ${claims.inconclusive} inconclusive${scenarioErrors ? `; ${scenarioErrors} scenario error(s)` : ''}${acceptedFailures ? `; ${acceptedFailures} failed finding(s) accepted` : ''}${flippedChecks ? `; ${flippedChecks} check(s) flipped` : ''} → exit ${exitCode}`,
    `report: ${reports.html}`,
    `        ${reports.markdown}, ${reports.junit}, ${resultPath}${reports.bundle ? `, ${reports.bundle}` : ''}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}
