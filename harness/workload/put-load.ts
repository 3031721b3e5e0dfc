// Closed-loop put load on the fast gRPC path: a fixed number of puts in flight, spread over one or more targets
// (a client per member, say), recording every acknowledged put's send time and latency in typed arrays (millions of
// puts fit) and every failure with its classified reason. Statistics over windows and the longest gap between
// acknowledgements (a write stall) are pure functions over the record.
import { randomBytes } from 'node:crypto';
import { InputError } from '../errors.js';
import { classifyEtcdError } from '../etcd-errors.js';
import type { GrpcKvClient } from './grpc-kv/client.js';
import { type LatencyStats, latencyStats } from './windows.js';

export interface PutLoadTarget {
  readonly client: GrpcKvClient;
  /** What the target is (a member name): failures and stalls are reported per label. */
  readonly label: string;
}

export interface PutLoadOptions {
  /** Puts in flight over all targets, spread round-robin (default 16). */
  readonly inFlight?: number;
  /** Bytes per value (default 64). */
  readonly valueBytes?: number;
  /** Distinct keys the puts overwrite (default 100,000): overwrites build revision history, like real traffic. */
  readonly keySpace?: number;
  readonly prefix?: string;
  /** Deadline of each put (default 5 s). */
  readonly callTimeoutMs?: number;
  /** Stop on its own after this long (default: until `stop()`). */
  readonly durationMs?: number;
}

export interface PutFailure {
  readonly at: number;
  readonly target: number;
  readonly kind: 'definite' | 'ambiguous';
  readonly reason: string;
}

/** What a load recorded: one entry per acknowledged put (send time, latency, target) and every failure. */
export interface PutLoadRecord {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly inFlight: number;
  readonly labels: readonly string[];
  readonly acknowledged: number;
  /** Epoch ms each acknowledged put was sent, in acknowledgement order. */
  readonly sentAt: Float64Array;
  /** Latency of each acknowledged put (ms). */
  readonly latencyMs: Float64Array;
  /** Index into `labels` of each acknowledged put's target. */
  readonly target: Uint16Array;
  readonly failures: readonly PutFailure[];
}

export interface PutWindowStats {
  readonly puts: number;
  readonly failures: number;
  readonly putsPerSecond: number;
  readonly latencyMs: LatencyStats;
}

const BACKOFF_MS = 50;

class GrowingArrays {
  sentAt = new Float64Array(65_536);
  latencyMs = new Float64Array(65_536);
  target = new Uint16Array(65_536);
  length = 0;

  push(sentAt: number, latencyMs: number, target: number): void {
    if (this.length === this.sentAt.length) {
      const grow = <T extends Float64Array | Uint16Array>(array: T, make: (n: number) => T): T => {
        const next = make(array.length * 2);
        next.set(array);
        return next;
      };
      this.sentAt = grow(this.sentAt, (n) => new Float64Array(n));
      this.latencyMs = grow(this.latencyMs, (n) => new Float64Array(n));
      this.target = grow(this.target, (n) => new Uint16Array(n));
    }
    this.sentAt[this.length] = sentAt;
    this.latencyMs[this.length] = latencyMs;
    this.target[this.length] = target;
    this.length++;
  }
}

export class PutLoad {
  private readonly arrays = new GrowingArrays();
  private readonly failures: PutFailure[] = [];
  private readonly stopController = new AbortController();
  private readonly finished: Promise<void>;
  private readonly startedAt = Date.now();
  private endedAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly targets: readonly PutLoadTarget[],
    private readonly options: Required<Omit<PutLoadOptions, 'durationMs'>>,
  ) {
    const value = randomBytes(options.valueBytes);
    const loops = Array.from({ length: options.inFlight }, (_, slot) =>
      this.loop(slot, slot % targets.length, value),
    );
    this.finished = Promise.all(loops).then(() => {
      this.endedAt = Date.now();
    });
  }

  /** Starts the load at once. */
  static start(targets: readonly PutLoadTarget[], options: PutLoadOptions = {}): PutLoad {
    const {
      inFlight = 16,
      valueBytes = 64,
      keySpace = 100_000,
      prefix = `/load/${randomBytes(3).toString('hex')}/`,
      callTimeoutMs = 5_000,
      durationMs,
    } = options;
    if (targets.length === 0 || targets.length > 65_535)
      throw new InputError(`Expected 1 to 65535 put-load targets, got ${targets.length}.`);
    for (const [name, value, max] of [
      ['inFlight', inFlight, 4_096],
      ['valueBytes', valueBytes, 64 * 1024 * 1024],
      ['keySpace', keySpace, 1e9],
      ['callTimeoutMs', callTimeoutMs, 600_000],
    ] as const)
      if (!Number.isInteger(value) || value < 1 || value > max)
        throw new InputError(`Expected \`${name}\` to be an integer from 1 to ${max}, got \`${value}\`.`);
    const load = new PutLoad(targets, { inFlight, valueBytes, keySpace, prefix, callTimeoutMs });
    if (durationMs !== undefined) load.timer = setTimeout(() => load.stopController.abort(), durationMs);
    return load;
  }

  /** Stops issuing puts, waits for those in flight (bounded by their deadline) and returns the record. */
  async stop(): Promise<PutLoadRecord> {
    this.stopController.abort();
    return this.whenFinished();
  }

  /** The record once the load ended (after `durationMs`, or `stop()`). */
  async whenFinished(): Promise<PutLoadRecord> {
    await this.finished;
    clearTimeout(this.timer);
    const { length } = this.arrays;
    return {
      startedAt: this.startedAt,
      endedAt: this.endedAt ?? Date.now(),
      inFlight: this.options.inFlight,
      labels: this.targets.map((target) => target.label),
      acknowledged: length,
      sentAt: this.arrays.sentAt.slice(0, length),
      latencyMs: this.arrays.latencyMs.slice(0, length),
      target: this.arrays.target.slice(0, length),
      failures: [...this.failures],
    };
  }

  /** Acknowledged puts so far. */
  get acknowledged(): number {
    return this.arrays.length;
  }

  private async loop(slot: number, targetIndex: number, value: Buffer): Promise<void> {
    const { client } = this.targets[targetIndex] as PutLoadTarget;
    const { keySpace, prefix, callTimeoutMs } = this.options;
    const signal = this.stopController.signal;
    let sequence = slot;
    while (!signal.aborted) {
      const key = `${prefix}${String(sequence % keySpace).padStart(9, '0')}`;
      sequence += this.options.inFlight;
      const sentAt = Date.now();
      const started = performance.now();
      try {
        await client.put(key, value, { deadlineAt: sentAt + callTimeoutMs });
        this.arrays.push(sentAt, performance.now() - started, targetIndex);
      } catch (error) {
        const outcome = classifyEtcdError(error, { deadlineAt: sentAt + callTimeoutMs });
        this.failures.push({
          at: Date.now(),
          target: targetIndex,
          kind: outcome.kind,
          reason: outcome.reason,
        });
        // A member that refuses at once (down, NOSPACE) must not be spun on.
        await new Promise<void>((resolve) => {
          const wake = () => {
            clearTimeout(timer);
            signal.removeEventListener('abort', wake);
            resolve();
          };
          const timer = setTimeout(wake, BACKOFF_MS);
          signal.addEventListener('abort', wake, { once: true });
        });
      }
    }
  }
}

/** Puts acknowledged (by send time) in `[from, to)`, their rate over that span and latency; all when no window. */
export function putWindowStats(
  record: PutLoadRecord,
  window: { readonly from: number; readonly to: number } = { from: record.startedAt, to: record.endedAt },
  target?: number,
): PutWindowStats {
  const latencies: number[] = [];
  for (let index = 0; index < record.acknowledged; index++) {
    const at = record.sentAt[index] as number;
    if (at < window.from || at >= window.to) continue;
    if (target !== undefined && record.target[index] !== target) continue;
    latencies.push(record.latencyMs[index] as number);
  }
  const failures = record.failures.filter(
    (failure) =>
      failure.at >= window.from &&
      failure.at < window.to &&
      (target === undefined || failure.target === target),
  ).length;
  const spanMs = window.to - window.from;
  return {
    puts: latencies.length,
    failures,
    putsPerSecond: spanMs > 0 ? (latencies.length * 1000) / spanMs : 0,
    latencyMs: latencyStats(latencies),
  };
}

/** A stretch without any acknowledgement: from one ack to the next (or the window's edge). */
export interface AckGap {
  readonly from: number;
  readonly to: number;
  readonly durationMs: number;
}

/**
 * The longest stretch in `[from, to)` without an acknowledged put (of `targets`, when given: one index or several),
 * measured whole: a gap that starts before the window or ends after it counts from the ack before to the ack after,
 * so a stall is never cut short by the window's edges.
 */
export function longestAckGap(
  record: PutLoadRecord,
  window: { readonly from: number; readonly to: number },
  targets?: number | readonly number[],
): AckGap {
  const wanted =
    targets === undefined ? undefined : new Set(typeof targets === 'number' ? [targets] : targets);
  const acks: number[] = [];
  for (let index = 0; index < record.acknowledged; index++) {
    if (wanted !== undefined && !wanted.has(record.target[index] as number)) continue;
    acks.push((record.sentAt[index] as number) + (record.latencyMs[index] as number));
  }
  acks.sort((a, b) => a - b);
  let best: AckGap = { from: window.from, to: window.from, durationMs: 0 };
  let previous = record.startedAt;
  for (const ack of [...acks, Math.max(record.endedAt, window.to)]) {
    if (ack > window.from && previous < window.to && ack - previous > best.durationMs)
      best = { from: previous, to: ack, durationMs: ack - previous };
    previous = ack;
    if (previous >= window.to) break;
  }
  return best;
}

/** Acknowledged puts per bucket of `bucketMs` (a throughput series for charts), by send time. */
export function throughputSeries(
  record: PutLoadRecord,
  bucketMs = 500,
  target?: number,
): { at: number; value: number }[] {
  const buckets = Math.max(1, Math.ceil((record.endedAt - record.startedAt) / bucketMs));
  const counts = new Array<number>(buckets).fill(0);
  for (let index = 0; index < record.acknowledged; index++) {
    if (target !== undefined && record.target[index] !== target) continue;
    const bucket = Math.floor(((record.sentAt[index] as number) - record.startedAt) / bucketMs);
    if (bucket >= 0 && bucket < buckets) counts[bucket] = (counts[bucket] as number) + 1;
  }
  return counts.map((count, bucket) => ({
    at: record.startedAt + bucket * bucketMs,
    value: (count * 1000) / bucketMs,
  }));
}

/** p99 latency per bucket of `bucketMs` (null where nothing was acknowledged: a stall shows as a hole). */
export function latencySeries(
  record: PutLoadRecord,
  bucketMs = 500,
  quantile = 99,
): { at: number; value: number | null }[] {
  const buckets = Math.max(1, Math.ceil((record.endedAt - record.startedAt) / bucketMs));
  const samples: number[][] = Array.from({ length: buckets }, () => []);
  for (let index = 0; index < record.acknowledged; index++) {
    const bucket = Math.floor(((record.sentAt[index] as number) - record.startedAt) / bucketMs);
    if (bucket >= 0 && bucket < buckets) samples[bucket]?.push(record.latencyMs[index] as number);
  }
  return samples.map((values, bucket) => {
    const stats = latencyStats(values);
    const value = quantile === 50 ? stats.p50 : quantile === 90 ? stats.p90 : stats.p99;
    return { at: record.startedAt + bucket * bucketMs, value: Number.isNaN(value) ? null : value };
  });
}
