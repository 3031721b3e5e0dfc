// State every command can read: verbosity and the process-wide termination watch.
import type { TerminationWatch } from './signals.js';

export interface GlobalOptions {
  readonly verbose: boolean;
  /** Aborted on the first SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
  /** Which signal stopped the run, if one did. */
  readonly termination: TerminationWatch;
}
