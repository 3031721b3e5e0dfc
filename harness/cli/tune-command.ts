// `etcd-chaos tune`: sweeps heartbeat/election pairs under one environment profile on throwaway clusters (with your
// manifest's other flags), recommends a pair and says why, and writes the same reports as `run`.
import type { Command } from 'commander';
import { ClaimCatalogue } from '../claims/catalogue.js';
import { InputError } from '../errors.js';
import type { RunResult } from '../result/format.js';
import { prepareReportDir } from '../result/result-file.js';
import { type EnvironmentProfile, PROFILES, resolveProfile } from '../tuning/profiles.js';
import {
  ETCD_DEFAULT_PAIR,
  pairFromFlags,
  parsePair,
  sweepPairs,
  tuneScenario,
} from '../tuning/tune-scenario.js';
import { addTargetOptions } from './cluster-options.js';
import type { GlobalOptions } from './global-options.js';
import { parseIntegerOption, splitList } from './options.js';
import { printJsonLine } from './output.js';
import {
  addSetupOptions,
  describeRequest,
  prepareSetup,
  type SetupOptions,
  setupSummaryLines,
} from './setup-options.js';
import { executeSuiteWithProgress } from './suite-execution.js';

interface TuneOptions extends SetupOptions {
  pairs?: string[];
  peerRttMs?: string;
  fsyncProfile: string;
  cycles: number;
  reportDir: string;
  json?: boolean;
}

export function registerTune(program: Command, globals: () => GlobalOptions): void {
  addSetupOptions(
    addTargetOptions(
      program
        .command('tune')
        .description(
          "sweep heartbeat/election pairs (etcd's defaults, yours, the guide's, etcd's rule for the profile, --pairs) under a modelled environment and recommend one; reports like `run`",
        ),
    ),
  )
    .option(
      '--pairs <list>',
      'more heartbeat/election pairs in ms, e.g. 250/2500,1000/10000 (repeatable)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--peer-rtt-ms <ms>', "peer round-trip time to model (default: the profile's)")
    .option(
      '--fsync-profile <profile>',
      `the environment: ${Object.keys(PROFILES).join(' | ')} | FILE (YAML/JSON: peerRttMs, peerJitterMs, fsync.baseMs, fsync.stallsMs, fsync.stallIntervalMs)`,
      'ssd',
    )
    .option(
      '--cycles <n>',
      "how often the profile's stall cycle is replayed per pair",
      parseIntegerOption('--cycles', 'an integer from 1 to 20'),
      1,
    )
    .option('--report-dir <dir>', 'where to write result.json, the reports and the evidence', 'reports/tune')
    .option('--json', 'print the summary as one JSON line')
    .action(async (options: TuneOptions) => {
      if (options.cycles < 1 || options.cycles > 20)
        throw new InputError(
          `Expected \`--cycles\` to be an integer from 1 to 20, got \`${options.cycles}\`.`,
        );
      const peerRttMs = options.peerRttMs === undefined ? undefined : Number(options.peerRttMs);
      if (options.peerRttMs !== undefined && !Number.isFinite(peerRttMs))
        throw new InputError(
          `Expected \`--peer-rtt-ms\` to be a number of milliseconds, got \`${options.peerRttMs}\`.`,
        );
      const profile = resolveProfile(options.fsyncProfile, peerRttMs);
      const extra = splitList(options.pairs).map(parsePair);
      const prepared = await prepareSetup(options);
      const reportDir = await prepareReportDir(options.reportDir);
      const target = await prepared.target(globals().signal);
      const yours = pairFromFlags(target.flags, 'yours');
      const pairs = sweepPairs(profile, yours, extra);
      // The pairs are the scenario's own: the rest of the user's flags stay (listed as overrides in the report).
      const scenario = tuneScenario({
        profile,
        pairs,
        current: yours ?? ETCD_DEFAULT_PAIR,
        cycles: options.cycles,
      });
      process.stderr.write(
        `tune: ${pairs.length} pairs under ${describeProfile(profile)} (about ${Math.round((pairs.length * estimateSecondsPerPair(profile, options.cycles)) / 60)} min)\n`,
      );
      const { result, resultPath, reports } = await executeSuiteWithProgress(
        {
          scenarios: [scenario],
          repeat: 1,
          intensity: 'full',
          target,
          catalogue: ClaimCatalogue.builtIn(),
          params: {},
          reportDir,
          suite: 'custom',
          strict: false,
          accepted: [],
          requestedVersion: describeRequest(prepared, options.etcdVersion),
          presets: options.preset ? [options.preset] : [],
        },
        { tty: false, indent: '  ' },
        globals(),
      );
      if (options.json)
        printJsonLine({ resultPath, reportDir, reports, summary: result.summary, tune: tuneSummary(result) });
      else printTune(result, reports.html);
      process.exitCode = result.summary.exitCode;
    });
}

function describeProfile(profile: EnvironmentProfile): string {
  return `${profile.name} (peer RTT ${profile.peerRttMs}±${profile.peerJitterMs} ms, fsync +${profile.fsync.baseMs} ms, stalls ${profile.fsync.stallsMs.join('/')} ms)`;
}

function estimateSecondsPerPair(profile: EnvironmentProfile, cycles: number): number {
  return 20 + (cycles * profile.fsync.stallsMs.length * profile.fsync.stallIntervalMs) / 1000;
}

function tuneSummary(result: RunResult) {
  const table = result.scenarios[0]?.tables[0];
  const recommendation = result.findings.find((finding) => finding.claim === 'tuning.recommendation');
  return {
    columns: table?.columns ?? [],
    rows: table?.rows ?? [],
    recommendation: recommendation
      ? { verdict: recommendation.verdict, observed: recommendation.observed }
      : null,
  };
}

function printTune(result: RunResult, html: string): void {
  const summary = tuneSummary(result);
  const widths = summary.columns.map((column, index) =>
    Math.min(40, Math.max(column.length, ...summary.rows.map((row) => String(row[index] ?? '').length))),
  );
  const line = (cells: readonly unknown[]) =>
    `  ${cells
      .map((cell, index) =>
        String(cell ?? 'n/a')
          .slice(0, 40)
          .padEnd(widths[index] ?? 0),
      )
      .join(' | ')}`;
  const lines = ['', line(summary.columns), ...summary.rows.map(line), ''];
  const recommendation = result.findings.find((finding) => finding.claim === 'tuning.recommendation');
  if (recommendation)
    lines.push(
      `${recommendation.verdict === 'pass' ? 'RECOMMENDATION' : 'NO RECOMMENDATION'}: ${recommendation.observed}`,
      `  why:  ${recommendation.reason}`,
      `  rule: ${recommendation.expected}`,
    );
  lines.push(...setupSummaryLines(result), '', `report: ${html}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
