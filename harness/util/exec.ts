// Runs external commands (go, apt-get, etcdctl, ip, ...) and turns failures into CommandErrors with context.
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { CommandError } from '../errors.js';

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  signal?: AbortSignal;
  input?: string;
  /** Called for each line of stdout and stderr as it arrives (progress output). */
  onLine?: (line: string) => void;
  /** Do not throw on a non-zero exit; the caller inspects `exitCode`. */
  allowFailure?: boolean;
}

export interface RunResult {
  readonly command: string;
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
  readonly durationMs: number;
}

const TAIL_LINES = 25;

export async function runCommand(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const command = [file, ...args].map(quoteArg).join(' ');
  const startedAt = performance.now();
  const subprocess = execa(file, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: true,
    timeout: options.timeoutMs,
    cancelSignal: options.signal,
    input: options.input,
    reject: false,
    all: true,
    stripFinalNewline: true,
  });
  if (options.onLine) {
    const onLine = options.onLine;
    for (const stream of [subprocess.stdout, subprocess.stderr]) {
      let pending = '';
      stream?.on('data', (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        const lines = pending.split(/\r?\n/);
        pending = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) onLine(line);
      });
    }
  }
  const result = await subprocess;
  const durationMs = Math.round(performance.now() - startedAt);
  const stdout = String(result.stdout ?? '');
  const stderr = String(result.stderr ?? '');
  if (result.failed && !options.allowFailure) {
    const reason = result.timedOut
      ? `timed out after ${options.timeoutMs} ms`
      : result.isCanceled
        ? 'was cancelled'
        : result.exitCode === undefined
          ? `could not run (${result.originalMessage ?? result.shortMessage})`
          : `exited with code ${result.exitCode}`;
    throw new CommandError(`\`${file}\` ${reason}`, {
      command,
      exitCode: result.exitCode,
      stderrTail: tail(String(result.all ?? `${stdout}\n${stderr}`), TAIL_LINES),
    });
  }
  return { command, stdout, stderr, exitCode: result.exitCode ?? -1, durationMs };
}

/** The absolute path of `name` on PATH, or undefined. */
export async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this dir
    }
  }
  for (const dir of ['/usr/sbin', '/sbin']) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not there either
    }
  }
  return undefined;
}

export function tail(text: string, lines: number): string {
  const all = text.split('\n');
  return all.slice(Math.max(0, all.length - lines)).join('\n');
}

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
