// Ctrl-C and SIGTERM: turn the first one into an AbortSignal so work stops and tears down cleanly; a second one
// while tearing down exits at once (children die with us through their parent-death signal; the journal has the rest).
import { CancelledError } from '../errors.js';
import { INTERRUPT_EXIT_CODES } from '../result/run-result.js';

export type TerminationSignal = 'SIGINT' | 'SIGTERM';

export interface TerminationWatch {
  readonly signal: AbortSignal;
  /** The first SIGINT/SIGTERM received, with when, or undefined. */
  received(): { readonly signal: TerminationSignal; readonly at: Date } | undefined;
  dispose(): void;
}

/** The conventional exit code for a run stopped by `signal`: 128 + its number (130 SIGINT, 143 SIGTERM). */
export function exitCodeForSignal(signal: TerminationSignal): 130 | 143 {
  return INTERRUPT_EXIT_CODES[signal];
}

export function watchTermination(): TerminationWatch {
  const controller = new AbortController();
  let first: { signal: TerminationSignal; at: Date } | undefined;
  const handler = (signal: TerminationSignal) => {
    if (first) {
      process.stderr.write(
        `etcd-chaos: second ${signal}, exiting without finishing teardown (run \`etcd-chaos cleanup\`).\n`,
      );
      process.exit(exitCodeForSignal(first.signal));
    }
    first = { signal, at: new Date() };
    process.stderr.write(
      `etcd-chaos: ${signal} received; stopping and tearing down (again to exit at once)\n`,
    );
    controller.abort(
      new CancelledError(`interrupted by ${signal}`, exitCodeForSignal(signal), { context: { signal } }),
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    received: () => first,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
