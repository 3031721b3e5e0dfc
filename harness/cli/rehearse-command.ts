// `etcd-chaos rehearse-upgrade`: rehearses one upgrade (or, with --downgrade, one downgrade) between two releases with
// the user's flags, and writes the same reports as `run` (result.json, HTML, Markdown, JUnit, bundle).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import downgradeRehearsal from '../../scenarios/downgrade-rehearsal.js';
import upgradeRehearsal from '../../scenarios/upgrade-rehearsal.js';
import { resolveEtcd } from '../binaries/resolve-etcd.js';
import { resolveToxiproxy } from '../binaries/resolve-toxiproxy.js';
import { InputError } from '../errors.js';
import { renderReports } from '../report/render.js';
import { buildRunResult, writeRunResult } from '../result/build-result.js';
import type { RunResult } from '../result/run-result.js';
import { combineOutcomes, runScenario } from '../scenario/runner.js';
import type { RunTarget, ScenarioDefinition } from '../scenario/types.js';
import { Session } from '../session.js';
import { rehearsalPath } from '../upgrade/preconditions.js';
import { VERSION_CHOICES } from '../upgrade/rehearsal-run.js';
import { capabilitiesOf } from '../versions/capabilities.js';
import { describeSupportedVersions } from '../versions/catalog.js';
import { type EtcdVersion, resolveVersion } from '../versions/version.js';
import {
  addBackendOptions,
  type BackendOptions,
  backendFromOptions,
  networkOfTarget,
  targetFlags,
} from './cluster-options.js';
import type { GlobalOptions } from './global-options.js';
import { collect, parseIntegerOption } from './options.js';
import { printJsonLine } from './output.js';
import { lineProgress } from './progress.js';

interface RehearseOptions extends BackendOptions {
  from: string;
  to: string;
  downgrade?: boolean;
  flag?: string[];
  preset?: string;
  tls?: boolean;
  seedKeys?: number;
  valueBytes?: number;
  writers?: number;
  fault: string;
  skipCheck: boolean;
  reportDir: string;
  json?: boolean;
}

const FAULTS = ['none', 'jitter', 'kill'];

export function registerRehearse(program: Command, globals: () => GlobalOptions): void {
  addBackendOptions(program.command('rehearse-upgrade'))
    .description(
      'rehearse an etcd upgrade (or --downgrade) the documented way, with your flags, under load: a verdict per claim and a report (exit 0 pass, 1 a claim failed, 2 error)',
    )
    .requiredOption('--from <version>', `release the cluster runs now (${describeSupportedVersions()})`)
    .requiredOption(
      '--to <version>',
      'release to move to (one minor away; a skip is rehearsed to show etcd refusing it)',
    )
    .option('--downgrade', 'rehearse going back to an older release (etcd docs downgrades/)')
    .option('--flag <name=value>', 'etcd flag for every member, repeatable (your manifest flags)', collect)
    .option('--preset <name>', 'tuned flags: guide-tuned')
    .option('--tls', 'mTLS for client and peer traffic')
    .option('--network <mode>', 'auto | netns | loopback', 'auto')
    .option(
      '--seed-keys <n>',
      'Kubernetes-like keys under /registry/ (default 2000)',
      parseIntegerOption('--seed-keys', 'an integer from 1 to 1000000'),
    )
    .option(
      '--value-bytes <n>',
      'mean value size of the seeded keys (default 512)',
      parseIntegerOption('--value-bytes', 'a size in bytes'),
    )
    .option(
      '--writers <n>',
      'concurrent ledger writers (default 4)',
      parseIntegerOption('--writers', 'an integer from 1 to 64'),
    )
    .option(
      '--fault <fault>',
      'during the upgrade: none | jitter (peer latency ±jitter) | kill (an old follower, mid-way)',
      'none',
    )
    .option('--no-skip-check', 'do not also attempt the skip two minors away (upgrade.no-skip)')
    .option('--report-dir <dir>', 'where to write result.json and the reports', 'reports/rehearsal')
    .option('--json', 'print the summary as one JSON line')
    .action(async (options: RehearseOptions) => {
      const { from, to, scenario, params, target } = normalizeOptions(options);
      const reportDir = resolve(options.reportDir);
      const { signal } = globals();
      const progress = lineProgress();
      for (const version of [from, to]) await resolveEtcd(version, { onProgress: progress, signal });
      await resolveToxiproxy({ onProgress: progress, signal });
      const startedAt = new Date();
      await using session = await Session.open({ onProgress: progress });
      process.stderr.write(`${scenario.id}: ${from} → ${to}\n`);
      const outcome = await runScenario(scenario, {
        intensity: 'full',
        target,
        session,
        reportDir,
        signal,
        params: { [scenario.id]: params },
        onEvent: (event) => {
          if (event.kind === 'step') process.stderr.write(`  · ${event.message}\n`);
          else if (event.kind === 'finding')
            process.stderr.write(
              `  ${event.finding.verdict.toUpperCase()} ${event.finding.claim}: ${event.finding.check}\n`,
            );
        },
      });
      if (outcome.result.status !== 'completed')
        process.stderr.write(`  ! ${outcome.result.status}: ${outcome.result.message ?? ''}\n`);
      const result = buildRunResult(combineOutcomes([outcome]), {
        runId: session.runId,
        startedAt,
        endedAt: new Date(),
        suite: 'custom',
        intensity: 'full',
        strict: false,
        accepted: [],
        target,
        requestedVersion: `${options.downgrade ? 'downgrade' : 'upgrade'} ${options.from} → ${options.to}`,
        presets: options.preset ? [options.preset] : [],
        network: await networkOfTarget(target, session),
      });
      const resultPath = await writeRunResult(reportDir, result);
      const reports = await renderReports(result, reportDir);
      if (options.json)
        printJsonLine({ resultPath, reportDir, reports, summary: result.summary, claims: result.claims });
      else printRehearsal(result, `${from} → ${to}`, reports.html);
      process.exitCode = result.summary.exitCode;
    });
}

/** Validates the options (exit 2 with a message quoting the bad value) and builds the scenario run. */
export function normalizeOptions(options: RehearseOptions): {
  from: EtcdVersion;
  to: EtcdVersion;
  scenario: ScenarioDefinition;
  params: Record<string, unknown>;
  target: RunTarget;
} {
  const from = resolveVersion(options.from);
  const to = resolveVersion(options.to);
  for (const [flag, version] of [
    ['--from', from],
    ['--to', to],
  ] as const) {
    if (!VERSION_CHOICES.includes(version.toString()))
      throw new InputError(`Expected \`${flag}\` to be a known release, got \`${version}\`.`, {
        hint: `Known: ${VERSION_CHOICES.filter((choice) => /^\d+\.\d+\.\d+$/.test(choice)).join(', ')} (or a line such as 3.6).`,
      });
  }
  const path = rehearsalPath(from, to, { downgrade: options.downgrade });
  if (!FAULTS.includes(options.fault))
    throw new InputError(`Expected \`--fault\` to be one of ${FAULTS.join(', ')}, got \`${options.fault}\`.`);
  if (path.direction === 'downgrade' && options.fault !== 'none')
    throw new InputError('`--fault` applies to upgrades only.');
  const flags = targetFlags({ ...options, etcdVersion: to.toString() });
  const { backend, images } = backendFromOptions(options);
  const params: Record<string, unknown> = { from: from.toString(), to: to.toString() };
  if (options.seedKeys !== undefined) params.seedKeys = options.seedKeys;
  if (options.valueBytes !== undefined) params.valueBytes = options.valueBytes;
  if (options.writers !== undefined) params.writers = options.writers;
  if (path.direction === 'upgrade') {
    params.fault = options.fault;
    params.skipCheck = options.skipCheck;
  }
  return {
    from,
    to,
    scenario: (path.direction === 'upgrade'
      ? upgradeRehearsal
      : downgradeRehearsal) as unknown as ScenarioDefinition,
    params,
    target: {
      version: to,
      capabilities: capabilitiesOf(to),
      flags,
      tls: Boolean(options.tls),
      network: options.network,
      backend,
      images,
    },
  };
}

function printRehearsal(result: RunResult, label: string, html: string): void {
  const lines = [
    '',
    `rehearsal ${label} (${result.run.network}${result.target.tls ? ', TLS' : ''}), ${(result.run.durationMs / 1000).toFixed(0)} s`,
  ];
  for (const finding of result.findings) {
    lines.push(`  ${finding.verdict.toUpperCase().padEnd(12)} ${finding.claim}: ${finding.check}`);
    if (finding.verdict !== 'pass') lines.push(`               ${finding.reason}`);
  }
  for (const table of result.scenarios.flatMap((scenario) => scenario.tables)) {
    if (!table.name.includes('availability')) continue;
    lines.push('', `  ${table.name}`, `    ${table.columns.join(' | ')}`);
    for (const row of table.rows) lines.push(`    ${row.map((cell) => cell ?? '').join(' | ')}`);
  }
  const { claims, exitCode } = result.summary;
  lines.push(
    '',
    `claims: ${claims.pass} pass, ${claims.fail} fail, ${claims.inconclusive} inconclusive → exit ${exitCode}`,
    `report: ${html}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}
