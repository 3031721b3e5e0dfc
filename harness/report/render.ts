// Renders every report format from a RunResult into the report dir; appends the Markdown to the CI job summary.
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult } from '../result/run-result.js';
import { writeBundle } from './bundle.js';
import { renderHtml } from './html.js';
import { renderJUnit } from './junit.js';
import { renderMarkdown } from './markdown.js';

export interface RenderedReports {
  readonly html: string;
  readonly markdown: string;
  readonly junit: string;
  readonly bundle: string | undefined;
  readonly stepSummary: string | undefined;
}

export async function renderReports(
  result: RunResult,
  reportDir: string,
  options: { bundle?: boolean; stepSummary?: boolean } = {},
): Promise<RenderedReports> {
  const html = join(reportDir, 'report.html');
  const markdown = join(reportDir, 'report.md');
  const junit = join(reportDir, 'junit.xml');
  const markdownText = renderMarkdown(result);
  await writeFile(html, renderHtml(result));
  await writeFile(markdown, markdownText);
  await writeFile(junit, renderJUnit(result));
  const bundle = options.bundle === false ? undefined : await writeBundle(reportDir, result.run.id);
  const summaryFile = process.env.GITHUB_STEP_SUMMARY;
  let stepSummary: string | undefined;
  if (summaryFile && options.stepSummary !== false) {
    await appendFile(summaryFile, `${markdownText}\n`);
    stepSummary = summaryFile;
  }
  return { html, markdown, junit, bundle, stepSummary };
}
