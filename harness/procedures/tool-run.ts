// A recorded run of an operator tool (etcdctl, etcdutl): the exact command line and its output, kept as evidence.
import { ProcedureError } from '../errors.js';
import { runCommand, tail } from '../util/exec.js';

export interface ToolRun {
  readonly command: string;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

/** Runs a tool without throwing on a non-zero exit: procedures judge failures, which are often the point. */
export async function runTool(file: string, args: readonly string[], timeoutMs = 120_000): Promise<ToolRun> {
  return toolRunOf(await runCommand(file, args, { allowFailure: true, timeoutMs }));
}

/** The evidence part of a command's result (e.g. an `etcdctl` result without its parsed JSON). */
export function toolRunOf(result: ToolRun): ToolRun {
  return {
    command: result.command,
    exitCode: result.exitCode,
    stdout: result.stdout,
    stderr: result.stderr,
    durationMs: result.durationMs,
  };
}

/** First meaningful error line of a tool's output (etcdutl prints `Error: ...` after log lines). */
export function toolError(run: ToolRun): string {
  const text = `${run.stderr}\n${run.stdout}`;
  const lines = text.split('\n');
  // The tool's own `Error:` line first: etcdctl's client logs a JSON warning with an `"error"` field before it (e.g.
  // `retrying of unary invoker failed` before `Error: etcdserver: mvcc: required revision has been compacted`).
  const errorLine =
    lines.find((line) => /^Error:/.test(line)) ?? lines.find((line) => /\berror\b/i.test(line));
  return (errorLine ?? text.trim().split('\n').pop() ?? '').trim().slice(0, 500);
}

/** The error for a procedure that failed: `what` failed, with the tool's first error line, command, exit code, output. */
export function procedureError(
  what: string,
  run: ToolRun,
  options: { cause?: unknown } = {},
): ProcedureError {
  return new ProcedureError(
    `${what} failed: ${toolError(run)}`,
    {
      command: run.command,
      exitCode: run.exitCode,
      stderrTail: tail(`${run.stdout}\n${run.stderr}`.trim(), 20),
    },
    options,
  );
}
