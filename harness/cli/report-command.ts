// `etcd-chaos report DIR`: re-renders every format (HTML, Markdown, JUnit, bundle) from DIR/result.json alone.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { renderReports } from '../report/render.js';
import { parseRunResult } from '../report/schema.js';
import { printJsonLine } from './output.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .argument('<dir>', 'a report dir holding result.json')
    .description(
      're-render report.html, report.md, junit.xml and the bundle from DIR/result.json (validated against the schema)',
    )
    .option('--no-bundle', 'skip the tar.gz bundle')
    .option('--json', 'print the written paths as one JSON line')
    .action(async (dir: string, options: { bundle: boolean; json?: boolean }) => {
      const reportDir = resolve(dir);
      const path = join(reportDir, 'result.json');
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        throw new InputError(`No result.json in ${reportDir}.`, {
          cause: error,
          hint: 'Point at a directory written by `etcd-chaos run --report-dir DIR`.',
        });
      }
      const result = parseRunResult(text, path);
      const written = await renderReports(result, reportDir, { bundle: options.bundle, stepSummary: false });
      if (options.json) printJsonLine(written);
      else
        for (const [kind, file] of Object.entries(written))
          if (file) process.stdout.write(`${kind.padEnd(12)} ${file}\n`);
    });
}
