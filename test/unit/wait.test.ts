// The one polling helper: returns the first value, says what it waited for and why (last error) when time runs out,
// stops at once on a harness error that is not retryable or on abort; sleep rejects with the signal's reason.
import { describe, expect, it } from 'vitest';
import { HarnessError, MemberStartError, TimeoutError } from '../../harness/errors.js';
import { pollUntil, sleep, waitFor } from '../../harness/util/wait.js';

describe('waitFor', () => {
  it('returns the first value that is neither undefined nor false', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls < 3 ? false : `ready after ${calls}`), {
      timeoutMs: 1_000,
      intervalMs: 1,
      what: 'x',
    });
    expect(value).toBe('ready after 3');
  });

  it('times out with what it waited for and the last error as cause', async () => {
    const last = new Error('connection refused');
    const error = await waitFor(
      () => {
        throw last;
      },
      { timeoutMs: 30, intervalMs: 5, what: 'member m1 to answer', context: { member: 'm1' } },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toBe(
      'Timed out after 30 ms waiting for member m1 to answer (last: connection refused).',
    );
    expect((error as TimeoutError).cause).toBe(last);
    expect((error as TimeoutError).context).toMatchObject({ member: 'm1', durationMs: 30 });
  });

  it('ends at once on a harness error that is not retryable', async () => {
    let calls = 0;
    const exited = new MemberStartError('m1', 'etcd exited (code 1)', 'fatal: bad flag');
    const started = Date.now();
    await expect(
      waitFor(
        () => {
          calls++;
          throw exited;
        },
        { timeoutMs: 5_000, intervalMs: 1, what: 'm1 healthy' },
      ),
    ).rejects.toBe(exited);
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('retries a retryable harness error (a timeout inside the probe)', async () => {
    let calls = 0;
    const value = await waitFor(
      () => {
        if (++calls < 2) throw new TimeoutError('a call', 10);
        return true;
      },
      { timeoutMs: 1_000, intervalMs: 1, what: 'x' },
    );
    expect(value).toBe(true);
  });

  it('stops with the signal reason when aborted', async () => {
    const controller = new AbortController();
    const reason = new HarnessError('cancelled');
    setTimeout(() => controller.abort(reason), 20);
    await expect(
      waitFor(() => false, { timeoutMs: 5_000, intervalMs: 5, signal: controller.signal, what: 'x' }),
    ).rejects.toBe(reason);
  });
});

describe('pollUntil', () => {
  it('returns undefined when the time is up', async () => {
    expect(await pollUntil(() => false, { timeoutMs: 20, intervalMs: 5, what: 'x' })).toBeUndefined();
  });
});

describe('sleep', () => {
  it('rejects with the signal reason on abort', async () => {
    const controller = new AbortController();
    const pending = sleep(10_000, controller.signal);
    controller.abort('stop');
    await expect(pending).rejects.toBe('stop');
  });
});
