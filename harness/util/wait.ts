// Waiting: one `sleep` that a signal cancels, and one polling loop with a deadline that says what it waited for.
import { describeError, HarnessError, TimeoutError } from '../errors.js';

/** Resolves after `ms`; rejects with the signal's reason as soon as `signal` is aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface WaitOptions {
  readonly timeoutMs: number;
  /** Pause between two probes. */
  readonly intervalMs: number;
  readonly signal?: AbortSignal;
  /** What is waited for, for the timeout's message: `member m1 to report healthy`. */
  readonly what: string;
  /** Context for the TimeoutError (`member`, `endpoint`, ...). */
  readonly context?: Record<string, unknown>;
}

/**
 * Probes until it returns a value other than `undefined` or `false` and returns that value; throws the harness's
 * TimeoutError (`what`, the last probe error as cause and in the message) when `timeoutMs` passes first. The probe
 * runs at least once. An error the probe throws counts as "not yet" and is retried, except a HarnessError that is not
 * `retryable` (e.g. a member that exited), which ends the wait at once. An aborted signal ends it with its reason.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions,
): Promise<T> {
  const { timeoutMs, intervalMs, signal } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      if (error instanceof HarnessError && !error.retryable) throw error;
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())), signal);
  }
  throw new TimeoutError(
    lastError === undefined ? options.what : `${options.what} (last: ${describeError(lastError)})`,
    timeoutMs,
    { cause: lastError, context: options.context },
  );
}

/** `waitFor`, but `undefined` instead of a TimeoutError when the time is up (for waits whose outcome is a measurement). */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions,
): Promise<T | undefined> {
  try {
    return await waitFor(probe, options);
  } catch (error) {
    if (error instanceof TimeoutError && !options.signal?.aborted) return undefined;
    throw error;
  }
}
