// `etcd-chaos report DIR`: re-renders every format (HTML, Markdown, JUnit, bundle) from DIR/result.json alone.
// `etcd-chaos report merge DIR... --report-dir OUT`: one result (and every format) from the shards of a run, judged as
// one run; the exit code is the merged result's.
import { cp, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { renderReports } from '../report/render.js';
import { parseRunResult } from '../report/schema.js';
import type { RunResult } from '../result/format.js';
import { mergeResults } from '../result/merge.js';
import { EVIDENCE_DIR, prepareReportDir, writeRunResult } from '../result/result-file.js';
import { printJsonLine } from './output.js';

async function readResult(dir: string): Promise<{ reportDir: string; result: RunResult }> {
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
  return { reportDir, result: parseRunResult(text, path) };
}

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
      const { reportDir, result } = await readResult(dir);
      const written = await renderReports(result, reportDir, { bundle: options.bundle, stepSummary: false });
      if (options.json) printJsonLine(written);
      else
        for (const [kind, file] of Object.entries(written))
          if (file) process.stdout.write(`${kind.padEnd(12)} ${file}\n`);
    })
    .command('merge')
    .argument('<dirs...>', 'report dirs of the shards (or matrix cells) of one run')
    .requiredOption('--report-dir <dir>', 'where to write the merged result.json, reports and evidence')
    .option('--no-bundle', 'skip the tar.gz bundle')
    .option('--json', 'print the merged summary as one JSON line')
    .description(
      'merge the results of `run --shard I/N` (every shard) into one report, judged as one run; exit code of the merged result',
    )
    .action(async (dirs: string[], options: { reportDir: string; bundle: boolean; json?: boolean }) => {
      const out = resolve(options.reportDir);
      const inputs = [];
      for (const dir of dirs) {
        const { reportDir, result } = await readResult(dir);
        if (reportDir === out)
          throw new InputError(
            `\`--report-dir ${options.reportDir}\` is one of the dirs to merge: choose another.`,
          );
        inputs.push({ source: reportDir, result });
      }
      const merged = mergeResults(inputs);
      const reportDir = await prepareReportDir(options.reportDir);
      // Evidence paths are relative to the report dir and distinct per shard (a matrix names the cell in them).
      for (const { source } of inputs) {
        const evidence = join(source, EVIDENCE_DIR);
        if (await stat(evidence).catch(() => undefined))
          await cp(evidence, join(reportDir, EVIDENCE_DIR), {
            recursive: true,
            errorOnExist: false,
            force: false,
          });
      }
      const resultPath = writeRunResult(reportDir, merged);
      const written = await renderReports(merged, reportDir, { bundle: options.bundle, stepSummary: true });
      const { claims, exitCode } = merged.summary;
      if (options.json)
        printJsonLine({ resultPath, reports: written, summary: merged.summary, claims: merged.claims });
      else
        process.stdout.write(
          `merged ${inputs.length} result(s): ${merged.findings.length} findings; claims ${claims.pass} pass, ${claims.fail} fail, ${claims.inconclusive} inconclusive → exit ${exitCode}\n${resultPath}\n`,
        );
      process.exitCode = exitCode;
    });
}
