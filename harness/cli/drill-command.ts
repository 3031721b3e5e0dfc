// `etcd-chaos drill --backup-script FILE`: runs the user's backup script N times against a throwaway TLS cluster under
// load and faults, verifies what it wrote, judges its exit status and its retention step; the same reports as `run`.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import { DRILL_FAULTS, type DrillOptions, parseDrillFaults, runDrill } from '../backups/drill.js';
import { GUIDE_RETENTION, parseDuration, parseRetention } from '../backups/durations.js';
import { GUIDE_SCRIPT_DIRECTORIES } from '../backups/script-paths.js';
import { ClaimCatalogue } from '../claims/catalogue.js';
import type { NetworkModeRequest } from '../cluster/network/plane.js';
import { InputError } from '../errors.js';
import { prepareReportDir } from '../result/result-file.js';
import type { RunTarget, ScenarioContext, ScenarioDefinition } from '../scenario/types.js';
import { capabilitiesOf } from '../versions/capabilities.js';
import { resolveVersion } from '../versions/version.js';
import type { GlobalOptions } from './global-options.js';
import { parseIntegerOption } from './options.js';
import { printJsonLine } from './output.js';
import { executeSuiteWithProgress } from './suite-execution.js';

interface DrillCliOptions {
  backupScript: string;
  schedule?: number;
  faults?: string;
  etcdVersion: string;
  scriptTimeout: string;
  retention?: string;
  retentionCheck: boolean;
  pathMapping: boolean;
  scriptBackupDir: string;
  scriptRemoteDir: string;
  seedKeys?: number;
  network: string;
  reportDir: string;
  json?: boolean;
}

export async function normalizeDrillOptions(options: DrillCliOptions): Promise<DrillOptions> {
  const script = resolve(options.backupScript);
  const info = await stat(script).catch(() => undefined);
  if (!info?.isFile())
    throw new InputError(`Backup script \`${script}\` does not exist or is not a file.`, {
      hint: 'Give the path of the script your cron job runs (e.g. /opt/scripts/etcd-backup.sh).',
    });
  await access(script, constants.X_OK).catch((error: unknown) => {
    throw new InputError(`Backup script \`${script}\` is not executable.`, {
      hint: 'chmod +x it: the drill runs it as cron would, with its shebang.',
      cause: error,
    });
  });
  const faults = parseDrillFaults(options.faults);
  const runs = options.schedule ?? faults.length;
  if (runs < 1 || runs > 100)
    throw new InputError(`Expected \`--schedule\` to be 1 to 100 runs, got \`${runs}\`.`);
  return {
    script,
    runs,
    faults,
    scriptTimeoutMs: parseDuration('--script-timeout', options.scriptTimeout),
    retention: options.retention === undefined ? GUIDE_RETENTION : parseRetention(options.retention),
    seedKeys: options.seedKeys ?? 3000,
    exerciseRetention: options.retentionCheck,
    pathMapping: options.pathMapping
      ? {
          backupDirs: parseScriptDirs('--script-backup-dir', options.scriptBackupDir),
          remoteDirs: parseScriptDirs('--script-remote-dir', options.scriptRemoteDir),
        }
      : undefined,
  };
}

function parseScriptDirs(option: string, value: string): string[] {
  const dirs = value
    .split(',')
    .map((dir) => dir.trim())
    .filter(Boolean);
  for (const dir of dirs)
    if (!isAbsolute(dir) || dir.replace(/\/+$/, '') === '')
      throw new InputError(
        `Expected \`${option}\` to be absolute directories other than /, got \`${dir}\`.`,
        {
          hint: `the directory your script writes to as it is written, e.g. ${option} /backup/etcd`,
        },
      );
  return dirs;
}

/** The drill as a scenario, so it runs in a session with evidence, fault windows and every report format. */
export function drillScenario(drill: DrillOptions): ScenarioDefinition {
  return {
    id: 'backup-drill',
    title: `Backup drill of ${drill.script}`,
    claims: [
      'backup.script-honest',
      'backup.intact',
      'backup.restorable',
      ...(drill.exerciseRetention ? (['backup.retention'] as const) : []),
    ],
    params: {},
    timeoutMs: { quick: 60 * 60_000, full: 60 * 60_000 },
    run: (ctx) => runDrill(ctx as ScenarioContext<unknown>, drill),
  };
}

export function registerDrill(program: Command, globals: () => GlobalOptions): void {
  program
    .command('drill')
    .description(
      'run your backup script against a throwaway TLS cluster under load, with faults during the backups; verify what it wrote, judge its exit status and retention (exit 0 pass, 1 a finding failed, 2 error)',
    )
    .requiredOption(
      '--backup-script <file>',
      'the script your cron job runs (executable; see README for its environment)',
    )
    .option(
      '--schedule <n>',
      'runs of the script (default: one per fault)',
      parseIntegerOption('--schedule', 'an integer from 1 to 100'),
    )
    .option('--faults <list>', `during the runs, in turn: ${DRILL_FAULTS.join(', ')} (default all)`)
    .option('--etcd-version <version>', 'the cluster version', 'default')
    .option('--script-timeout <duration>', 'a run that takes longer fails', '2m')
    .option(
      '--retention <spec>',
      "the retention the script must keep, default the guide's: local=7d,remote=30d",
    )
    .option(
      '--no-retention-check',
      'do not plant aged backups and run the script once more to judge its retention',
    )
    .option(
      '--no-path-mapping',
      "run the script as it is; by default a copy runs with kubeadm's fixed paths (/etc/kubernetes/pki/etcd/*, https://127.0.0.1:2379, /var/lib/etcd, /usr/local/bin/etcdctl) and the script's own backup dirs mapped onto the drill's",
    )
    .option(
      '--script-backup-dir <dirs>',
      "the backup dir(s) your script writes to, as written in it (mapped to the drill's)",
      GUIDE_SCRIPT_DIRECTORIES.backupDirs.join(','),
    )
    .option(
      '--script-remote-dir <dirs>',
      "the remote copy dir(s) your script copies to, as written in it (mapped to the drill's)",
      GUIDE_SCRIPT_DIRECTORIES.remoteDirs.join(','),
    )
    .option(
      '--seed-keys <n>',
      'Kubernetes-like keys seeded first (default 3000)',
      parseIntegerOption('--seed-keys', 'an integer'),
    )
    .option('--network <mode>', 'auto | netns | loopback', 'auto')
    .option('--report-dir <dir>', 'where to write result.json and the reports', 'reports/drill')
    .option('--json', 'print the summary as one JSON line')
    .action(async (options: DrillCliOptions) => {
      const drill = await normalizeDrillOptions(options);
      const version = resolveVersion(options.etcdVersion);
      const reportDir = await prepareReportDir(options.reportDir);
      const target: RunTarget = {
        version,
        capabilities: capabilitiesOf(version),
        flags: {},
        tls: true,
        network: options.network as NetworkModeRequest,
        backend: 'process',
        images: {},
      };
      const { result, reports } = await executeSuiteWithProgress(
        {
          scenarios: [drillScenario(drill)],
          repeat: 1,
          intensity: 'quick',
          target,
          catalogue: ClaimCatalogue.builtIn(),
          reportDir,
          suite: 'custom',
          strict: false,
          accepted: [],
          requestedVersion: `drill ${drill.script} on etcd ${version}`,
          presets: [],
        },
        { tty: false, indent: '  ', quiet: Boolean(options.json) },
        globals(),
      );
      const scenario = result.scenarios[0];
      if (options.json)
        printJsonLine({ reportDir, reports, summary: result.summary, findings: result.findings });
      else {
        const lines = [
          '',
          `drill of ${drill.script} on etcd ${version}: ${scenario?.status ?? 'not run'}${scenario?.message ? ` (${scenario.message})` : ''}`,
        ];
        for (const finding of result.findings)
          lines.push(
            `  ${finding.verdict.toUpperCase().padEnd(12)} ${finding.claim}: ${finding.check}`,
            `               ${finding.reason}`,
          );
        lines.push(
          '',
          `findings: ${result.summary.findings.pass} pass, ${result.summary.findings.fail} fail, ${result.summary.findings.inconclusive} inconclusive → exit ${result.summary.exitCode}`,
          `report: ${reports.html}`,
        );
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      process.exitCode = result.summary.exitCode;
    });
}
