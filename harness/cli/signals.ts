// Ctrl-C and SIGTERM: turn the first one into an AbortSignal so work stops and tears down cleanly; a second one
// while tearing down exits at once (children die with us through their parent-death signal; the journal has the rest).
import { CancelledError } from '../errors.js';

export interface TerminationWatch {
  readonly signal: AbortSignal;
  /** Resolves with the signal name when SIGINT or SIGTERM arrives. */
  readonly received: Promise<NodeJS.Signals>;
  dispose(): void;
}

export function watchTermination(): TerminationWatch {
  const controller = new AbortController();
  let resolveReceived: (signal: NodeJS.Signals) => void = () => {};
  const received = new Promise<NodeJS.Signals>((resolve) => {
    resolveReceived = resolve;
  });
  const handler = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write(
        `etcd-chaos: second ${signal}, exiting without finishing teardown (run \`etcd-chaos cleanup\`).\n`,
      );
      process.exit(130);
    }
    controller.abort(new CancelledError(`interrupted by ${signal}; tearing down`));
    resolveReceived(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    received,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
