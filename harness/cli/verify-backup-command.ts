// `etcd-chaos verify-backup FILE... | DIR`: verifies the user's snapshots (integrity, restore drill, keyspace, age and
// retention of a directory, decryption) and writes the same reports as `run`. Exit 0: every file verified; 1: a file
// failed (or could not be verified); 2: bad input or a harness error.
import type { Command } from 'commander';
import {
  DEFAULT_MAX_AGE,
  normalizeVerifyOptions,
  runVerifyBackup,
  summarize,
} from '../backups/verify-run.js';
import type { GlobalOptions } from './global-options.js';
import { printJsonLine } from './output.js';
import { progressContext, renderedOf } from './suite-execution.js';

interface VerifyBackupCliOptions {
  etcdVersion?: string;
  maxAge?: string;
  minCount?: string;
  retention?: string;
  remoteDir?: string;
  members?: string;
  allowNoHash?: boolean;
  decryptKey?: string;
  compareEndpoints?: string;
  cacert?: string;
  cert?: string;
  key?: string;
  network?: string;
  reportDir?: string;
  json?: boolean;
}

export function registerVerifyBackup(program: Command, globals: () => GlobalOptions): void {
  program
    .command('verify-backup')
    .description(
      'verify snapshot files or a backup directory without modifying them: SHA-256 trailer, bbolt consistency, a restore drill compared with the file, keyspace, age and retention (exit 0 verified, 1 a file failed, 2 bad input)',
    )
    .argument('<paths...>', 'snapshot files (.db, or .gpg/.enc encrypted) and/or backup directories')
    .option('--etcd-version <version>', 'restore with this release (default: the line that wrote each file)')
    .option('--members <n>', 'members of the throwaway restore cluster (1, or 3 for a full drill)', '1')
    .option(
      '--allow-no-hash',
      'accept a copy of member/snap/db (no SHA-256 trailer): restore it with --skip-hash-check',
    )
    .option(
      '--decrypt-key <file>',
      'passphrase file (gpg --symmetric / openssl enc -aes-256-cbc -pbkdf2) or armored gpg secret key',
    )
    .option(
      '--max-age <duration>',
      'newest restorable backup at most this old, and no longer gap (directories)',
      DEFAULT_MAX_AGE,
    )
    .option('--min-count <n>', 'at least this many backup files in a directory', '1')
    .option('--retention <spec>', "retention windows, default the guide's: local=7d,remote=30d")
    .option(
      '--remote-dir <dir>',
      'the second location (e.g. the NFS copy), checked against the remote retention',
    )
    .option(
      '--compare-endpoints <urls>',
      'a live cluster to compare each snapshot with at its revision (comma-separated)',
    )
    .option('--cacert <file>', 'CA for --compare-endpoints')
    .option('--cert <file>', 'client certificate for --compare-endpoints')
    .option('--key <file>', 'client key for --compare-endpoints')
    .option('--network <mode>', 'restore cluster network: auto | netns | loopback', 'auto')
    .option('--report-dir <dir>', 'where to write result.json and the reports', 'reports/verify-backup')
    .option('--json', 'print the summary as one JSON line')
    .action(async (paths: string[], options: VerifyBackupCliOptions) => {
      const normalized = await normalizeVerifyOptions({ paths, ...options });
      const run = await runVerifyBackup(
        normalized,
        progressContext({ tty: false, quiet: Boolean(options.json) }, globals()),
      );
      const { result } = run;
      const reports = renderedOf(run.reports);
      const files = summarize(result);
      if (options.json) {
        printJsonLine({ reportDir: normalized.reportDir, reports, summary: result.summary, files });
      } else {
        const lines = [''];
        for (const file of files) {
          lines.push(`${file.verdict.toUpperCase().padEnd(12)} ${file.scenario}`);
          for (const line of file.lines) lines.push(`    ${line}`);
        }
        const { findings, exitCode } = result.summary;
        lines.push(
          '',
          `findings: ${findings.pass} pass, ${findings.fail} fail, ${findings.inconclusive} inconclusive → exit ${exitCode}`,
          `report: ${reports.html}`,
        );
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      process.exitCode = result.summary.exitCode;
    });
}
