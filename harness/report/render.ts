// Renders every report format from a RunResult into the report dir (result.json is already there); appends the
// Markdown to the CI job summary. A renderer that fails leaves result.json and the other formats in place and is
// named in the error, so nothing a run found is lost to a rendering bug.
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError, HarnessError } from '../errors.js';
import type { RunResult } from '../result/format.js';
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

/** A renderer failed: result.json stays, and the message names the renderer and what it could not do. */
export class RenderError extends HarnessError {
  override readonly name: string = 'RenderError';
  readonly renderer: string;
  constructor(renderer: string, cause: unknown, resultPath: string) {
    super(`the ${renderer} renderer failed: ${describeError(cause)}`, {
      cause,
      hint: `The run's result is safe in ${resultPath}; re-render with \`etcd-chaos report ${join(resultPath, '..')}\` once fixed.`,
      context: { renderer },
    });
    this.renderer = renderer;
  }
}

export async function renderReports(
  result: RunResult,
  reportDir: string,
  options: { bundle?: boolean; stepSummary?: boolean } = {},
): Promise<RenderedReports> {
  const resultPath = join(reportDir, 'result.json');
  const html = join(reportDir, 'report.html');
  const markdown = join(reportDir, 'report.md');
  const junit = join(reportDir, 'junit.xml');
  const failures: RenderError[] = [];
  const attempt = async <T>(renderer: string, work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work();
    } catch (error) {
      failures.push(new RenderError(renderer, error, resultPath));
      return undefined;
    }
  };
  const markdownText = await attempt('Markdown', async () => {
    const text = renderMarkdown(result);
    await writeFile(markdown, text);
    return text;
  });
  await attempt('HTML', () => writeFile(html, renderHtml(result)));
  await attempt('JUnit', () => writeFile(junit, renderJUnit(result)));
  const bundle =
    options.bundle === false
      ? undefined
      : await attempt('bundle', () => writeBundle(reportDir, result.run.id));
  const summaryFile = process.env.GITHUB_STEP_SUMMARY;
  let stepSummary: string | undefined;
  if (summaryFile && markdownText !== undefined && options.stepSummary !== false) {
    await attempt('CI step summary', () => appendFile(summaryFile, `${markdownText}\n`));
    stepSummary = summaryFile;
  }
  const [first, ...rest] = failures;
  if (first) {
    if (rest.length === 0) throw first;
    throw new HarnessError(failures.map((failure) => failure.message).join('; '), {
      cause: first,
      hint: first.hint,
    });
  }
  return { html, markdown, junit, bundle, stepSummary };
}
