// LedgerWriter's bookkeeping with stand-in clients (the real thing runs in test/integration/workload.test.ts): what
// it records for answers, refusals and silence, its throttle and back-off, and that stop() is bounded.
import { castGrpcError, type Etcd3 } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { checkLedger } from '../../harness/workload/ledger-check.js';
import { LedgerWriter } from '../../harness/workload/ledger-writer.js';

type Exec = (key: string, value: string) => Promise<unknown>;

/** The slice of etcd3's put builder the writer uses, answering with `exec`. */
function stubClient(exec: Exec): Etcd3 {
  return {
    put: (key: string) => ({
      value: (value: string) => ({ options: () => ({ exec: () => exec(key, value) }) }),
    }),
  } as unknown as Etcd3;
}

/** A store that acknowledges every put with the next revision. */
function acknowledgingClient(): { client: Etcd3; stored: Map<string, { value: string; revision: number }> } {
  let revision = 1;
  const stored = new Map<string, { value: string; revision: number }>();
  const client = stubClient(async (key, value) => {
    revision++;
    stored.set(key, { value, revision });
    return { header: { revision: String(revision) } };
  });
  return { client, stored };
}

describe('LedgerWriter', () => {
  it('records acknowledged puts with unique keys and values, up to maxWrites', async () => {
    const { client, stored } = acknowledgingClient();
    const writer = LedgerWriter.start({ clients: [client], members: ['m1'] }, { writers: 4, maxWrites: 40 });
    await writer.whenFinished();
    const ledger = await writer.stop();
    expect(ledger.acknowledged).toHaveLength(40);
    expect(new Set(ledger.acknowledged.map((write) => write.key)).size).toBe(40);
    expect(new Set(ledger.acknowledged.map((write) => write.value)).size).toBe(40);
    expect(new Set(ledger.acknowledged.map((write) => write.writer))).toEqual(new Set([0, 1, 2, 3]));
    for (const write of ledger.acknowledged) {
      expect(write.key.startsWith(ledger.prefix)).toBe(true);
      expect(write.value).toMatch(new RegExp(`^w${write.writer}:s${write.seq}:`));
      expect(write.member).toBe('m1');
      expect(write.ackAt).toBeGreaterThanOrEqual(write.sentAt);
    }
    const observed = [...stored].map(([key, entry]) => ({
      key,
      value: entry.value,
      createRevision: entry.revision,
      modRevision: entry.revision,
      version: 1,
    }));
    expect(checkLedger(ledger, observed).ok).toBe(true);
    expect(writer.stats()).toMatchObject({ acknowledged: 40, failed: 0, ambiguous: 0, inFlight: 0 });
  });

  it('throttles to ratePerSecond over all writers', async () => {
    const { client } = acknowledgingClient();
    const started = performance.now();
    const writer = LedgerWriter.start([{ client }], { writers: 2, maxWrites: 12, ratePerSecond: 40 });
    await writer.whenFinished();
    // 12 puts at 40/s: the last pair leaves ~250 ms after the first.
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    expect((await writer.stop()).acknowledged).toHaveLength(12);
  });

  it('records refusals as failed and backs off instead of spinning', async () => {
    const refusal = () =>
      Promise.reject(
        castGrpcError(
          Object.assign(
            new Error('14 UNAVAILABLE: No connection established. Last error: Failed to connect'),
            {
              code: 14,
            },
          ),
        ),
      );
    const writer = LedgerWriter.start([{ client: stubClient(refusal), member: 'm2' }], { writers: 2 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ledger = await writer.stop();
    expect(ledger.acknowledged).toEqual([]);
    expect(ledger.ambiguous).toEqual([]);
    expect(ledger.failed.length).toBeGreaterThan(0);
    // At most one put per writer per 50 ms back-off.
    expect(ledger.failed.length).toBeLessThanOrEqual(2 * (300 / 50 + 1));
    expect(new Set(ledger.failed.map((write) => write.reason))).toEqual(new Set(['not-connected']));
    expect(writer.stats().failuresByReason).toEqual({ 'not-connected': ledger.failed.length });
  });

  it('gives up on puts that never settle within deadline + grace, recording them as ambiguous', async () => {
    const silent = () => new Promise<never>(() => undefined);
    const writer = LedgerWriter.start([{ client: stubClient(silent) }], { writers: 3, callTimeoutMs: 50 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(writer.stats().inFlight).toBe(3);
    const stopAsked = performance.now();
    const ledger = await writer.stop();
    expect(performance.now() - stopAsked).toBeLessThan(50 + 1_000 + 300);
    expect(ledger.ambiguous.map((write) => write.reason)).toEqual(Array(3).fill('unsettled-at-stop'));
    expect(writer.stats().inFlight).toBe(0);
  });
});
