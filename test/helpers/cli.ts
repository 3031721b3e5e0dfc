// Runs the compiled CLI as a user would, for tests of exit codes, messages and signal handling.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'harness', 'cli.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface RunningCli {
  readonly child: ChildProcess;
  /** First line on stdout (e.g. the `up --json` document). */
  readonly firstLine: Promise<string>;
  readonly exited: Promise<number | null>;
  stderr(): string;
}

export function startCli(args: readonly string[], env: Record<string, string> = {}): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf('\n');
      if (newline !== -1) resolve(stdout.slice(0, newline));
    });
    void exited.then((code) =>
      reject(new Error(`CLI exited (${code}) before printing a line; stderr:\n${stderr}`)),
    );
  });
  // Callers that never wait for a line (runs watched through stderr) must not leave a rejection unhandled.
  firstLine.catch(() => undefined);
  return { child, firstLine, exited, stderr: () => stderr };
}
