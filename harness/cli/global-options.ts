// State every command can read: verbosity and the process-wide termination signal.
export interface GlobalOptions {
  readonly verbose: boolean;
  /** Aborted on the first SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
}
