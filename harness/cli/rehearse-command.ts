// `etcd-chaos rehearse-upgrade`: rehearses one upgrade (or, with --downgrade, one downgrade) between two releases with
// the user's flags, and writes the same reports as `run` (result.json, HTML, Markdown, JUnit, bundle).
import type { Command } from 'commander';
import { ClaimCatalogue } from '../claims/catalogue.js';
import { InputError } from '../errors.js';
import { readEtcdSetup } from '../manifest/read-setup.js';
import { applySetup } from '../manifest/setup-target.js';
import type { RunResult } from '../result/format.js';
import { prepareReportDir } from '../result/result-file.js';
import type { RunTarget, ScenarioDefinition } from '../scenario/types.js';
import { rehearsalPath } from '../upgrade/preconditions.js';
import { VERSION_CHOICES } from '../upgrade/rehearsal-run.js';
import { inspectSeedSnapshot } from '../upgrade/seed-snapshot.js';
import { capabilitiesOf } from '../versions/capabilities.js';
import { describeSupportedVersions } from '../versions/catalog.js';
import { type EtcdVersion, resolveVersion } from '../versions/version.js';
import {
  addBackendOptions,
  type BackendOptions,
  backendFromOptions,
  targetFlags,
} from './cluster-options.js';
import type { GlobalOptions } from './global-options.js';
import { collect, parseIntegerOption } from './options.js';
import { printJsonLine } from './output.js';
import { setupSummaryLines } from './setup-options.js';
import { executeSuiteWithProgress } from './suite-execution.js';

/** The scenarios a rehearsal runs, handed in by the composition root. */
export interface RehearsalScenarios {
  readonly upgrade: ScenarioDefinition;
  readonly downgrade: ScenarioDefinition;
}

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
  manifest?: string;
  dropUnsupportedFlags?: boolean;
  seedSnapshot?: string;
}

const FAULTS = ['none', 'jitter', 'kill'];

export function registerRehearse(
  program: Command,
  globals: () => GlobalOptions,
  rehearsals: RehearsalScenarios,
): void {
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
    .option(
      '--manifest <path>',
      'your etcd setup (kubeadm static-pod manifest, config file or flag list): its flags on every member; flags --from does not know, or --to removed without a successor, must change first',
    )
    .option(
      '--drop-unsupported-flags',
      "rehearse without the manifest's flags a release does not know (each drop is recorded in every report; flags the new release knows come back after the swap)",
    )
    .option(
      '--seed-snapshot <file>',
      'start from your own snapshot (restored with the tools of the release that wrote it; the file is never modified) instead of a generated keyspace',
    )
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
      const normalized = normalizeOptions(options, rehearsals);
      const { from, to, scenario, params } = normalized;
      const seeded = await withSeedSnapshot(normalized.target, options, from);
      const target = await withManifest(seeded, options, from, to);
      const reportDir = await prepareReportDir(options.reportDir);
      process.stderr.write(`${scenario.id}: ${from} → ${to}\n`);
      const { result, resultPath, reports } = await executeSuiteWithProgress(
        {
          scenarios: [scenario],
          repeat: 1,
          intensity: 'full',
          target,
          extraVersions: [from],
          catalogue: ClaimCatalogue.builtIn(),
          params: { [scenario.id]: params },
          reportDir,
          suite: 'custom',
          strict: false,
          accepted: [],
          requestedVersion: `${options.downgrade ? 'downgrade' : 'upgrade'} ${options.from} → ${options.to}`,
          presets: options.preset ? [options.preset] : [],
        },
        { tty: false, indent: '  ' },
        globals(),
      );
      if (options.json)
        printJsonLine({ resultPath, reportDir, reports, summary: result.summary, claims: result.claims });
      else printRehearsal(result, `${from} → ${to}`, reports.html);
      process.exitCode = result.summary.exitCode;
    });
}

/** Validates the options (exit 2 with a message quoting the bad value) and builds the scenario run. */
export function normalizeOptions(
  options: RehearseOptions,
  rehearsals: RehearsalScenarios,
): {
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
    scenario: path.direction === 'upgrade' ? rehearsals.upgrade : rehearsals.downgrade,
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

/**
 * `--seed-snapshot`: checked before any cluster starts (integrity, the release that wrote it); clusters then start from
 * it, restored with the tools of `--from`.
 */
async function withSeedSnapshot(
  target: RunTarget,
  options: RehearseOptions,
  from: EtcdVersion,
): Promise<RunTarget> {
  if (!options.seedSnapshot) return target;
  if (options.seedKeys !== undefined)
    throw new InputError('Give `--seed-snapshot` or `--seed-keys`, not both: the snapshot is the keyspace.');
  const seedSnapshot = await inspectSeedSnapshot(options.seedSnapshot, from);
  process.stderr.write(
    `--seed-snapshot ${seedSnapshot.path}: ${seedSnapshot.sizeBytes} bytes, revision ${seedSnapshot.revision ?? '?'}, ${seedSnapshot.totalKeys ?? '?'} keys, written by ${seedSnapshot.writer}; SHA-256 ${seedSnapshot.sha256}\n`,
  );
  return { ...target, seedSnapshot };
}

/**
 * `--manifest`: its flags on the old release (refused, quoting etcd, when it does not know them, unless
 * `--drop-unsupported-flags`), renamed for the new one when it removed them, checked on both before anything starts.
 */
async function withManifest(
  target: RunTarget,
  options: RehearseOptions,
  from: EtcdVersion,
  to: EtcdVersion,
): Promise<RunTarget> {
  if (!options.manifest) {
    if (options.dropUnsupportedFlags) throw new InputError('`--drop-unsupported-flags` needs `--manifest`.');
    return target;
  }
  const setup = await readEtcdSetup(options.manifest);
  const applied = applySetup(
    setup,
    { version: from, source: `--from ${options.from}` },
    {
      extraFlags: target.flags,
      dropUnsupported: Boolean(options.dropUnsupportedFlags),
      alsoOn: to,
      dropHint: `Change them in the manifest, or rehearse without them: --drop-unsupported-flags (each drop is recorded in every report).`,
    },
  );
  return {
    ...target,
    flags: applied.flags,
    ...(applied.upgradeFlags ? { upgradeFlags: applied.upgradeFlags } : {}),
    tls: target.tls || applied.tls,
    ...(applied.tls && applied.classification.keyType !== 'ecdsa-p256'
      ? { tlsKeyType: applied.classification.keyType }
      : {}),
    manifest: applied.section,
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
  lines.push(...setupSummaryLines(result));
  const { claims, exitCode } = result.summary;
  lines.push(
    '',
    `claims: ${claims.pass} pass, ${claims.fail} fail, ${claims.inconclusive} inconclusive → exit ${exitCode}`,
    `report: ${html}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}
