// The ledger workload: concurrent writers put unique keys and values and record every outcome (acknowledged with
// its revision, definitely failed, or ambiguous), so a checker can later compare any cluster against the history.
// On a started cluster the writers put through the fast gRPC path (grpc-kv/client.ts: one HTTP/2 connection per
// member, requests multiplexed), which keeps up with etcd's own benchmark tool; etcd3 clients handed in still work.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Etcd3 } from 'etcd3';
import type { StartedCluster } from '../cluster/types.js';
import { InputError } from '../errors.js';
import { classifyEtcdError } from '../etcd-errors.js';
import { logger } from '../log.js';
import { GrpcKvClient } from './grpc-kv/client.js';
import type { AcknowledgedWrite, AmbiguousWrite, FailedWrite, Ledger } from './ledger.js';
import { parseRevision } from './revision.js';
import { type LatencyStats, latencyStats } from './windows.js';

const log = logger('workload');

/** A client the writer may use, labelled with the member it talks to (for the ledger and failure reports). */
export interface LedgerClient {
  readonly client: Etcd3 | GrpcKvClient;
  readonly member?: string;
}

/**
 * Where the ledger writes: a started cluster (one client per member, through its client proxy, created and closed
 * by the writer), or clients the caller owns (never closed by the writer): `{ clients, members? }` with optional
 * member labels by index, or a list of labelled clients.
 */
export type LedgerTarget =
  | StartedCluster
  | { readonly clients: readonly (Etcd3 | GrpcKvClient)[]; readonly members?: readonly string[] }
  | readonly LedgerClient[];

export interface LedgerWriterOptions {
  /** Concurrent writers, each with one put in flight at a time (default 4). */
  writers?: number;
  /** Key prefix (default `/ledger/<random>/`). */
  prefix?: string;
  /** Size of each value (default 64; values never get shorter than their `w<writer>:s<seq>:<random>` header). */
  valueBytes?: number;
  /** Deadline of each put (default 2000). A put that misses it is recorded as ambiguous. */
  callTimeoutMs?: number;
  /** Stop after this many puts in total (acknowledged, failed and ambiguous); default: until `stop()`. */
  maxWrites?: number;
  /** Throttle: puts per second over all writers (default: as fast as the cluster answers). */
  ratePerSecond?: number;
}

export interface LedgerWriterStats {
  readonly acknowledged: number;
  readonly failed: number;
  readonly ambiguous: number;
  readonly inFlight: number;
  readonly elapsedMs: number;
  /** Acknowledged puts in the last second. */
  readonly putsPerSecond: number;
  /** Acknowledged puts per second since the start. */
  readonly meanPutsPerSecond: number;
  /** Put latency (sent to acknowledged) of the puts acknowledged in the last second, ms. */
  readonly latencyMs: LatencyStats;
  /** Failures (definite and ambiguous) by reason. */
  readonly failuresByReason: Readonly<Record<string, number>>;
}

interface NormalizedOptions {
  readonly writers: number;
  readonly prefix: string;
  readonly valueBytes: number;
  readonly callTimeoutMs: number;
  readonly maxWrites: number | undefined;
  readonly ratePerSecond: number | undefined;
}

interface Endpoint {
  /** Puts one key and resolves with the response header's revision (an int64, as etcd3 or the fast path gives it). */
  readonly put: (key: string, value: string, deadlineAt: number) => Promise<string | number>;
  readonly close: () => void;
  readonly member: string | undefined;
}

interface PendingWrite {
  readonly key: string;
  readonly value: string;
  readonly writer: number;
  readonly seq: number;
  readonly sentAt: number;
  readonly member: string | undefined;
  /** Set when stop() gave up waiting and recorded the put as ambiguous. */
  abandoned: boolean;
}

/** Grace after the put deadline before stop() stops waiting for in-flight puts. */
const SETTLE_GRACE_MS = 1_000;
const BACKOFF_MIN_MS = 50;
const BACKOFF_MAX_MS = 200;
const RATE_WINDOW_MS = 1_000;

export class LedgerWriter {
  readonly prefix: string;
  readonly startedAt: number;
  private readonly acknowledged: AcknowledgedWrite[] = [];
  private readonly failed: FailedWrite[] = [];
  private readonly ambiguous: AmbiguousWrite[] = [];
  private readonly pending = new Set<PendingWrite>();
  private readonly stopController = new AbortController();
  private readonly finished: Promise<void>;
  private attempts = 0;
  private endedAt: number | undefined;
  private stopping: Promise<Ledger> | undefined;

  private constructor(
    private readonly options: NormalizedOptions,
    private readonly endpoints: readonly Endpoint[],
    private readonly ownsClients: boolean,
  ) {
    this.prefix = options.prefix;
    this.startedAt = Date.now();
    const loops = Array.from({ length: options.writers }, (_, writer) =>
      this.runWriter(writer, endpoints[writer % endpoints.length] as Endpoint),
    );
    this.finished = Promise.all(loops).then(() => undefined);
    // Writers catch every put's error; should a loop still fail, stop() and whenFinished() report it, and a caller
    // that never calls them must not get an unhandled rejection.
    this.finished.catch(() => undefined);
  }

  /** Starts the writers at once; they run until `stop()` or `maxWrites`. */
  static start(target: LedgerTarget, options: LedgerWriterOptions = {}): LedgerWriter {
    const normalized = normalizeOptions(options);
    const owned = isStartedCluster(target);
    const endpoints = endpointsOf(target, normalized.callTimeoutMs);
    if (endpoints.length === 0) {
      throw new InputError('Expected at least one etcd client for the ledger writer, got none.');
    }
    log('ledger writer starting %o', {
      prefix: normalized.prefix,
      writers: normalized.writers,
      members: endpoints.map((endpoint) => endpoint.member ?? '(client)'),
      ratePerSecond: normalized.ratePerSecond,
    });
    return new LedgerWriter(normalized, endpoints, owned);
  }

  /**
   * Stops the writers and returns the ledger. In-flight puts get their deadline plus a grace to settle; any still
   * unsettled then are recorded as ambiguous. Idempotent: later calls return the same ledger.
   */
  stop(): Promise<Ledger> {
    if (!this.stopping) this.stopping = this.settle();
    return this.stopping;
  }

  /** Resolves when every writer has ended (after `maxWrites` puts, or after `stop()`). */
  whenFinished(): Promise<void> {
    return this.finished;
  }

  /** A copy of the ledger so far (puts still in flight are in none of its lists). */
  snapshot(): Ledger {
    return {
      prefix: this.prefix,
      startedAt: this.startedAt,
      endedAt: this.endedAt ?? Date.now(),
      acknowledged: [...this.acknowledged],
      failed: [...this.failed],
      ambiguous: [...this.ambiguous],
    };
  }

  stats(): LedgerWriterStats {
    const now = this.endedAt ?? Date.now();
    const recentLatencies: number[] = [];
    for (let index = this.acknowledged.length - 1; index >= 0; index--) {
      const write = this.acknowledged[index] as AcknowledgedWrite;
      if (write.ackAt < now - RATE_WINDOW_MS) break;
      recentLatencies.push(write.ackAt - write.sentAt);
    }
    const failuresByReason: Record<string, number> = {};
    for (const write of [...this.failed, ...this.ambiguous]) {
      failuresByReason[write.reason] = (failuresByReason[write.reason] ?? 0) + 1;
    }
    const elapsedMs = now - this.startedAt;
    return {
      acknowledged: this.acknowledged.length,
      failed: this.failed.length,
      ambiguous: this.ambiguous.length,
      inFlight: this.pending.size,
      elapsedMs,
      putsPerSecond: (recentLatencies.length * 1000) / Math.min(RATE_WINDOW_MS, Math.max(1, elapsedMs)),
      meanPutsPerSecond: elapsedMs > 0 ? (this.acknowledged.length * 1000) / elapsedMs : 0,
      latencyMs: latencyStats(recentLatencies),
      failuresByReason,
    };
  }

  private async settle(): Promise<Ledger> {
    this.stopController.abort();
    const boundMs = this.options.callTimeoutMs + SETTLE_GRACE_MS;
    const settled = await Promise.race([
      this.finished.then(() => true),
      sleep(boundMs, false, { ref: false }),
    ]);
    if (!settled) {
      const failedAt = Date.now();
      for (const write of this.pending) {
        write.abandoned = true;
        this.ambiguous.push({
          ...recordOf(write),
          failedAt,
          reason: 'unsettled-at-stop',
          message: `no answer within ${boundMs} ms of stop()`,
        });
      }
      this.pending.clear();
    }
    this.endedAt = Date.now();
    if (this.ownsClients) for (const endpoint of this.endpoints) endpoint.close();
    const ledger = this.snapshot();
    log('ledger writer stopped %o', {
      prefix: this.prefix,
      acknowledged: ledger.acknowledged.length,
      failed: ledger.failed.length,
      ambiguous: ledger.ambiguous.length,
      durationMs: ledger.endedAt - ledger.startedAt,
    });
    return ledger;
  }

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private async runWriter(writer: number, endpoint: Endpoint): Promise<void> {
    // Each writer gets an equal share of the rate, paced against a schedule so that slow puts do not lower it.
    const intervalMs =
      this.options.ratePerSecond === undefined
        ? 0
        : (1000 * this.options.writers) / this.options.ratePerSecond;
    let nextSendAt = performance.now();
    for (let seq = 0; !this.stopped; seq++) {
      if (intervalMs > 0) {
        const waitMs = nextSendAt - performance.now();
        if (waitMs > 0) await this.pause(waitMs);
        if (this.stopped) return;
        nextSendAt = Math.max(nextSendAt + intervalMs, performance.now() - intervalMs);
      }
      // Checked after the throttle's wait: another writer may have taken the last put meanwhile.
      if (this.options.maxWrites !== undefined && this.attempts >= this.options.maxWrites) return;
      this.attempts++;
      const acknowledged = await this.put(writer, seq, endpoint);
      // A member that is down fails fast; back off briefly instead of spinning on it.
      if (!acknowledged) await this.pause(BACKOFF_MIN_MS + Math.random() * (BACKOFF_MAX_MS - BACKOFF_MIN_MS));
    }
  }

  private async put(writer: number, seq: number, endpoint: Endpoint): Promise<boolean> {
    const write: PendingWrite = {
      key: ledgerKey(this.prefix, writer, seq),
      value: ledgerValue(writer, seq, this.options.valueBytes),
      writer,
      seq,
      sentAt: Date.now(),
      member: endpoint.member,
      abandoned: false,
    };
    this.pending.add(write);
    const deadlineAt = Date.now() + this.options.callTimeoutMs;
    try {
      const responseRevision = await endpoint.put(write.key, write.value, deadlineAt);
      const ackAt = Date.now();
      if (write.abandoned) return true;
      let revision: number;
      try {
        revision = parseRevision(responseRevision, 'header.revision');
      } catch (error) {
        // Applied, but the revision cannot be kept exactly: the checker cannot use it as an acknowledgement.
        this.ambiguous.push({
          ...recordOf(write),
          failedAt: ackAt,
          reason: 'unusable-revision',
          message: (error as Error).message,
        });
        return true;
      }
      this.acknowledged.push({ ...recordOf(write), revision, ackAt });
      return true;
    } catch (error) {
      const failedAt = Date.now();
      if (write.abandoned) return false;
      const outcome = classifyEtcdError(error, { deadlineAt });
      const entry = { ...recordOf(write), failedAt, reason: outcome.reason, message: outcome.message };
      if (outcome.kind === 'definite') this.failed.push(entry);
      else this.ambiguous.push(entry);
      return false;
    } finally {
      this.pending.delete(write);
    }
  }

  /** Sleeps, waking early when the writer is stopped. */
  private async pause(durationMs: number): Promise<void> {
    try {
      await sleep(durationMs, undefined, { signal: this.stopController.signal });
    } catch {
      // Aborted by stop(): the loop checks `stopped` next.
    }
  }
}

/** `<prefix>w<writer>/<seq>`, zero-padded so that key order is writer then sequence order. */
export function ledgerKey(prefix: string, writer: number, seq: number): string {
  return `${prefix}w${String(writer).padStart(3, '0')}/${String(seq).padStart(9, '0')}`;
}

/** `w<writer>:s<seq>:<random hex>`, padded with random hex to `valueBytes`: unique and traceable to its put. */
export function ledgerValue(writer: number, seq: number, valueBytes: number): string {
  const header = `w${writer}:s${seq}:`;
  const randomChars = Math.max(16, valueBytes - header.length);
  return (
    header +
    randomBytes(Math.ceil(randomChars / 2))
      .toString('hex')
      .slice(0, randomChars)
  );
}

function recordOf(write: PendingWrite) {
  return {
    key: write.key,
    value: write.value,
    writer: write.writer,
    seq: write.seq,
    sentAt: write.sentAt,
    ...(write.member === undefined ? {} : { member: write.member }),
  };
}

function endpointsOf(target: LedgerTarget, callTimeoutMs: number): Endpoint[] {
  if (isStartedCluster(target)) {
    return target.members.map((member) =>
      // The writer's own clients, not member.client(): a member closes the clients it handed out when it is
      // stopped or killed, and the writers must carry on (and record failures) across a member's restart.
      endpointOf(
        new GrpcKvClient({ endpoint: member.urls.client, tls: target.clientTls(), callTimeoutMs }),
        member.name,
      ),
    );
  }
  if (Array.isArray(target)) {
    return (target as readonly LedgerClient[]).map((entry) => endpointOf(entry.client, entry.member));
  }
  const { clients, members } = target as {
    clients: readonly (Etcd3 | GrpcKvClient)[];
    members?: readonly string[];
  };
  return clients.map((client, index) => endpointOf(client, members?.[index]));
}

function endpointOf(client: Etcd3 | GrpcKvClient, member: string | undefined): Endpoint {
  if (client instanceof GrpcKvClient)
    return {
      put: async (key, value, deadlineAt) => (await client.put(key, value, { deadlineAt })).revision,
      close: () => client.close(),
      member,
    };
  return {
    put: async (key, value, deadlineAt) =>
      (await client.put(key).value(value).options({ deadline: deadlineAt }).exec()).header.revision,
    close: () => client.close(),
    member,
  };
}

// Structural, not `'clients' in target`: a started cluster object carries a private `clients` set at run time.
function isStartedCluster(target: LedgerTarget): target is StartedCluster {
  return typeof (target as Partial<StartedCluster>).clientTls === 'function';
}

function normalizeOptions(options: LedgerWriterOptions): NormalizedOptions {
  const {
    writers = 4,
    prefix = `/ledger/${randomBytes(4).toString('hex')}/`,
    valueBytes = 64,
    callTimeoutMs = 2_000,
    maxWrites,
    ratePerSecond,
  } = options;
  requireInteger('writers', writers, 1, 1_024);
  requireInteger('valueBytes', valueBytes, 1, 1_024 * 1_024);
  requireInteger('callTimeoutMs', callTimeoutMs, 1, 600_000);
  if (maxWrites !== undefined) requireInteger('maxWrites', maxWrites, 1, Number.MAX_SAFE_INTEGER);
  if (ratePerSecond !== undefined && !(Number.isFinite(ratePerSecond) && ratePerSecond > 0)) {
    throw new InputError(
      `Expected \`ratePerSecond\` to be a positive number, got \`${ratePerSecond}\` (${typeof ratePerSecond}).`,
    );
  }
  if (typeof prefix !== 'string' || prefix.length === 0) {
    throw new InputError(`Expected \`prefix\` to be a non-empty string, got \`${String(prefix)}\`.`);
  }
  return { writers, prefix, valueBytes, callTimeoutMs, maxWrites, ratePerSecond };
}

function requireInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InputError(
      `Expected \`${name}\` to be an integer from ${min} to ${max}, got \`${value}\` (${typeof value}).`,
    );
  }
}
