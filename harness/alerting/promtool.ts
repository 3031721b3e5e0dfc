// promtool, Prometheus' own checker: `check rules` (syntax, PromQL, durations) and `test rules` (unit tests with
// input series and expected alerts). The harness never re-implements what promtool decides.
import { dirname } from 'node:path';
import { CommandError } from '../errors.js';
import { type RunResult, runCommand } from '../util/exec.js';

export interface PromtoolOutcome {
  readonly ok: boolean;
  readonly command: string;
  /** stdout and stderr together, as promtool printed them. */
  readonly output: string;
  readonly durationMs: number;
}

function outcomeOf(result: RunResult): PromtoolOutcome {
  return {
    ok: result.exitCode === 0,
    command: result.command,
    output: [result.stdout, result.stderr].filter(Boolean).join('\n'),
    durationMs: result.durationMs,
  };
}

/** `promtool check rules FILE...`, or the rules given on stdin (`input`, checked as `/dev/stdin`). */
export async function checkRules(
  promtool: string,
  files: readonly string[],
  options: { input?: string } = {},
): Promise<PromtoolOutcome> {
  const args = ['check', 'rules', ...(options.input === undefined ? files : ['/dev/stdin'])];
  return outcomeOf(
    await runCommand(promtool, args, { allowFailure: true, input: options.input, timeoutMs: 60_000 }),
  );
}

/** `promtool test rules FILE` run from the test file's dir (its `rule_files` are relative to it). */
export async function testRules(promtool: string, testFile: string): Promise<PromtoolOutcome> {
  return outcomeOf(
    await runCommand(promtool, ['test', 'rules', testFile], {
      cwd: dirname(testFile),
      allowFailure: true,
      timeoutMs: 120_000,
    }),
  );
}

/** Throws a CommandError carrying promtool's output when `outcome` failed. */
export function requireSuccess(outcome: PromtoolOutcome, what: string): PromtoolOutcome {
  if (!outcome.ok)
    throw new CommandError(`promtool ${what} failed`, {
      command: outcome.command,
      exitCode: 1,
      stderrTail: outcome.output,
    });
  return outcome;
}
