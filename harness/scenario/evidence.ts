// Evidence files of a scenario, under `<report dir>/evidence/<scenario>/`: logs, metric scrapes, ledgers, tool runs.
// Paths handed out are relative to the report dir, so a report can be moved or bundled.
import { appendFileSync, mkdirSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { ToolRun } from '../procedures/tool-run.js';

export class EvidenceRecorder {
  readonly dir: string;
  private readonly recorded: string[] = [];

  constructor(
    readonly reportDir: string,
    scenario: string,
  ) {
    this.dir = join(reportDir, 'evidence', scenario);
  }

  /** Every evidence path recorded so far (relative to the report dir). */
  get paths(): readonly string[] {
    return this.recorded;
  }

  async text(name: string, content: string): Promise<string> {
    const path = join(this.dir, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
    return this.remember(path);
  }

  async json(name: string, value: unknown): Promise<string> {
    return this.text(name, `${JSON.stringify(value, null, 2)}\n`);
  }

  async copy(source: string, name: string): Promise<string | undefined> {
    const path = join(this.dir, name);
    await mkdir(dirname(path), { recursive: true });
    try {
      await copyFile(source, path);
    } catch {
      return undefined; // a member that never started has no log
    }
    return this.remember(path);
  }

  /** Appends a command line and its output to `commands.log` (synchronous: order matters more than speed). */
  command(label: string, run: ToolRun): string {
    const path = join(this.dir, 'commands.log');
    mkdirSync(this.dir, { recursive: true });
    const output = [run.stdout.trim(), run.stderr.trim()].filter(Boolean).join('\n');
    appendFileSync(
      path,
      `## ${label} (exit ${run.exitCode}, ${run.durationMs} ms)\n$ ${run.command}\n${output}\n\n`,
    );
    return this.remember(path);
  }

  private remember(path: string): string {
    const relativePath = relative(this.reportDir, path);
    if (!this.recorded.includes(relativePath)) this.recorded.push(relativePath);
    return relativePath;
  }
}
