// How the CLI talks to people: errors with hints (never a bare stack trace), and exit codes.
import { CommanderError } from 'commander';
import { CancelledError, HarnessError } from '../errors.js';

export const EXIT = {
  ok: 0,
  findingsFailed: 1,
  harnessError: 2,
  interrupted: 130,
} as const;

/** Prints `error` for a person on stderr and returns the exit code to use. */
export function reportError(error: unknown, options: { verbose: boolean }): number {
  if (error instanceof CommanderError) {
    // Commander already printed its message (unknown option, missing argument, --help).
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.help' ||
      error.code === 'commander.version'
    )
      return EXIT.ok;
    return EXIT.harnessError;
  }
  if (error instanceof CancelledError) {
    process.stderr.write(`etcd-chaos: ${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof HarnessError) {
    process.stderr.write(`etcd-chaos: error: ${error.message}\n`);
    if (error.hint) process.stderr.write(`  hint: ${error.hint}\n`);
    if (options.verbose) process.stderr.write(`${error.stack ?? ''}\n${causeChain(error)}`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`etcd-chaos: internal error: ${message}\n`);
  process.stderr.write('  This is a bug in etcd-chaos; please report it with the details below.\n');
  if (error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n${causeChain(error)}`);
  return EXIT.harnessError;
}

function causeChain(error: Error): string {
  let text = '';
  let cause = error.cause;
  while (cause instanceof Error) {
    text += `caused by: ${cause.stack ?? cause.message}\n`;
    cause = cause.cause;
  }
  return text;
}

/** Writes one JSON document on its own line to stdout (machine output). */
export function printJsonLine(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
