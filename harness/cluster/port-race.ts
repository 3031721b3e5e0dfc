// Ports the harness probed as free are only free until something binds them: another process can take one between the
// probe and etcd's (or Docker's) bind. Starting again on newly chosen ports is the remedy; each backend says how the
// race shows in its errors.
import { describeError } from '../errors.js';
import { logger } from '../log.js';

const log = logger('cluster');

export interface PortRaceOptions {
  /** What is started (`cluster c1`), for the log. */
  readonly what: string;
  /** Whether `error` is a lost port race (and the start may be retried on new ports). */
  readonly isPortRace: (error: unknown) => boolean;
  /** Starts after the first (default 2). */
  readonly retries?: number;
  readonly signal?: AbortSignal;
}

/** Runs `start` (which picks its ports afresh each time) again when it lost a port race, up to `retries` times. */
export async function retryOnPortRace<T>(options: PortRaceOptions, start: () => Promise<T>): Promise<T> {
  const retries = options.retries ?? 2;
  for (let attempt = 0; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= retries || options.signal?.aborted || !options.isPortRace(error)) throw error;
      log('port race on start of %s, retrying: %s', options.what, describeError(error));
    }
  }
}
