// `etcd-chaos run`: the main job. Until the conformance suite lands it runs the smoke check and writes its report.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { Session } from '../session.js';
import { runSmoke } from '../smoke.js';
import { addClusterOptions, type ClusterOptions, specFromOptions } from './cluster-options.js';
import type { GlobalOptions } from './global-options.js';
import { EXIT, printJsonLine } from './output.js';
import { lineProgress } from './progress.js';

interface RunOptions extends ClusterOptions {
  reportDir: string;
  json?: boolean;
}

export function registerRun(program: Command, globals: () => GlobalOptions): void {
  addClusterOptions(
    program
      .command('run')
      .description('run the checks on a throwaway cluster and write a report (exit 0 pass, 1 fail, 2 error)'),
  )
    .option('--report-dir <dir>', 'where to write the report', 'reports/latest')
    .option('--json', 'print the result as one JSON line')
    .action(async (options: RunOptions) => {
      const spec = specFromOptions(options);
      const onProgress = lineProgress();
      await using session = await Session.open({ onProgress });
      const result = await runSmoke(spec, session, globals().signal);
      const dir = resolve(options.reportDir);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'smoke.json'), `${JSON.stringify(result, null, 2)}\n`);
      if (options.json) printJsonLine(result);
      else {
        for (const check of result.checks) {
          process.stdout.write(
            `${check.passed ? 'PASS' : 'FAIL'}  ${check.name}: expected ${check.expected}, observed ${check.observed}\n`,
          );
        }
        process.stdout.write(
          `etcd ${result.version} (${result.network}): ${result.passed ? 'all checks passed' : 'FAILED'} in ${(result.durationMs / 1000).toFixed(1)} s; report: ${join(dir, 'smoke.json')}\n`,
        );
      }
      process.exitCode = result.passed ? EXIT.ok : EXIT.findingsFailed;
    });
}
