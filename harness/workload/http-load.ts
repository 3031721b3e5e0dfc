// HTTP load on etcd's gRPC gateway (`POST /v3/kv/put`, base64 JSON) with autocannon, bounded in time, recording
// each response's latency and completion time to give statistics overall, per labelled window and over time.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import type { ClientTls } from '../cluster/clients.js';
import { CancelledError, HarnessError, InputError, TimeoutError } from '../errors.js';
import { logger } from '../log.js';
import {
  bucketize,
  type LatencyStats,
  latencyStats,
  perSecond,
  splitByWindows,
  type TimeBucket,
  type TimedSample,
  type TimeWindow,
} from './windows.js';

const log = logger('workload');

export interface HttpLoadOptions {
  /** A member's client URL, e.g. `member.urls.client` (through its client proxy, so network faults apply). */
  url: string;
  /** How long to send requests. */
  durationMs: number;
  /** Concurrent HTTP connections (default 8). */
  connections?: number;
  /** Requests in flight per connection (default 1). */
  pipelining?: number;
  /**
   * Cap on requests per second over all connections (default: as fast as answers come; autocannon's
   * `overallRate`). autocannon enforces it per whole second, so capped requests leave in a burst at the start of
   * each second: the latency measured then includes the burst's own queueing.
   */
  ratePerSecond?: number;
  /** Client certificate for a TLS cluster (`cluster.clientTls()`); required for an `https:` URL. */
  tls?: ClientTls;
  /** Key prefix (default `/load/<random>/`); every request puts a new key under it. */
  keyPrefix?: string;
  /** Size of each value (default 64). */
  valueBytes?: number;
  /**
   * Windows to report statistics for (epoch ms). A function is called once the load has ended, for windows only
   * known afterwards (a fault's start and end).
   */
  windows?: readonly TimeWindow[] | (() => readonly TimeWindow[]);
  /** Ends the load early; the result covers what ran (`aborted: true`). */
  signal?: AbortSignal;
  /** A request without a response after this long counts as an error (default 5000; autocannon needs >= 1 s). */
  requestTimeoutMs?: number;
  /** Width of the timeline buckets (default 100). */
  bucketMs?: number;
  /** Responses kept for window and timeline statistics (default 1 000 000, ~60 MB); counters go on beyond it. */
  maxSamples?: number;
}

export interface HttpLoadWindow extends TimeWindow {
  /** Responses that completed in the window (any status). */
  readonly requests: number;
  /** Non-2xx, error bodies, connection errors and timeouts in the window. */
  readonly errors: number;
  /** Successful responses per second over the part of the window the load ran. */
  readonly throughputPerSecond: number;
  /** Latency of the successful responses, ms. */
  readonly latencyMs: LatencyStats;
}

export interface HttpLoadResult {
  readonly url: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly durationMs: number;
  readonly connections: number;
  readonly pipelining: number;
  /** Responses received (any status). */
  readonly requests: number;
  /** Successful responses: 2xx with a body that carries no `"error"`. */
  readonly successes: number;
  /** Every failed request: non-2xx, 2xx with an error body, connection errors and timeouts. */
  readonly errors: number;
  readonly non2xx: number;
  readonly errorBodies: number;
  readonly connectionErrors: number;
  readonly timeouts: number;
  /** Successful responses per second. */
  readonly throughputPerSecond: number;
  /**
   * Latency of the successful responses, ms. Each response is timed by autocannon with `process.hrtime`, so these
   * have sub-millisecond resolution; autocannon's own summary histogram (not used here) keeps whole milliseconds.
   */
  readonly latencyMs: LatencyStats;
  readonly windows: readonly HttpLoadWindow[];
  /** Fixed-width buckets over the run, for charts (bounded: one per `bucketMs`). */
  readonly timeline: readonly TimeBucket[];
  /** Time spent generating request bodies (keys and values), to show the generator is not the bottleneck. */
  readonly generationMs: number;
  /** Responses not kept for windows and timeline because `maxSamples` was reached. */
  readonly samplesDropped: number;
  readonly aborted: boolean;
}

/** How long past its duration autocannon may take to wind down before it is stopped, then given up on. */
const WIND_DOWN_GRACE_MS = 2_000;

/** Runs put load on one member's gateway for `durationMs` and returns what it measured. */
export async function runHttpLoad(options: HttpLoadOptions): Promise<HttpLoadResult> {
  const settings = normalizeOptions(options);
  if (options.signal?.aborted)
    throw new CancelledError(`HTTP load on ${settings.url} cancelled before it started.`);
  const origin = new URL(settings.url).origin;
  const samples: TimedSample[] = [];
  let samplesDropped = 0;
  const counts = { requests: 0, successes: 0, non2xx: 0, errorBodies: 0, connectionErrors: 0, timeouts: 0 };
  let generationMs = 0;
  let sequence = 0;
  // onResponse (which sees the body) runs synchronously just before autocannon emits `response` (which has the
  // latency) for the same response, so one variable carries the body's verdict from one to the other.
  let lastBodyHasError = false;
  // Keys are unique per request; the value is the same for every request of a run (random, valueBytes long), so
  // only the key is encoded per request and the body is assembled by concatenation: generation stays cheap.
  const valueText = randomBytes(Math.ceil(settings.valueBytes / 2))
    .toString('hex')
    .slice(0, settings.valueBytes);
  const bodyTail = `","value":"${Buffer.from(valueText).toString('base64')}"}`;

  const record = (sample: TimedSample) => {
    if (samples.length < settings.maxSamples) samples.push(sample);
    else samplesDropped++;
  };

  let settle: (error: unknown) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(error) : resolve());
  });
  const startedAt = Date.now();
  const instance = autocannon(
    {
      url: origin,
      connections: settings.connections,
      pipelining: settings.pipelining,
      ...(settings.ratePerSecond === undefined ? {} : { overallRate: settings.ratePerSecond }),
      duration: settings.durationMs / 1000,
      timeout: settings.requestTimeoutMs / 1000,
      // autocannon ends a run at its next sample tick: 100 ms ticks keep the end close to `duration`.
      sampleInt: 100,
      ...(settings.tlsOptions ? { tlsOptions: settings.tlsOptions } : {}),
      requests: [
        {
          method: 'POST',
          path: '/v3/kv/put',
          headers: { 'content-type': 'application/json' },
          setupRequest: (request) => {
            const began = performance.now();
            const key = Buffer.from(`${settings.keyPrefix}${sequence++}`).toString('base64');
            request.body = `{"key":"${key}${bodyTail}`;
            generationMs += performance.now() - began;
            return request;
          },
          onResponse: (_status, body) => {
            // Gateway errors are `{"error": ...}` (3.4) or `{"code": ..., "message": ...}` (3.5+); a put's
            // answer is `{"header": ...}`.
            lastBodyHasError = !body.includes('"header"') || body.includes('"error"');
          },
        },
      ],
    },
    (error) =>
      settle(
        error
          ? new HarnessError(`autocannon failed against ${origin}: ${error}`, { cause: error })
          : undefined,
      ),
  );
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    const at = Date.now();
    counts.requests++;
    const is2xx = statusCode >= 200 && statusCode < 300;
    const ok = is2xx && !lastBodyHasError;
    lastBodyHasError = false;
    if (!is2xx) counts.non2xx++;
    else if (!ok) counts.errorBodies++;
    if (ok) counts.successes++;
    record({ at, latencyMs: responseTimeMs, ok });
  });
  instance.on('reqError', (error: Error) => {
    if (error?.message === 'request timed out') counts.timeouts++;
    else counts.connectionErrors++;
    record({ at: Date.now(), latencyMs: Number.NaN, ok: false });
  });

  let aborted = false;
  const onAbort = () => {
    aborted = true;
    instance.stop();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const stopTimer = setTimeout(() => instance.stop(), settings.durationMs + WIND_DOWN_GRACE_MS);
  let giveUpTimer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<never>((_, reject) => {
    giveUpTimer = setTimeout(
      () => {
        const limitMs = settings.durationMs + 2 * WIND_DOWN_GRACE_MS;
        reject(
          new TimeoutError(`autocannon to end its run against ${origin}`, limitMs, {
            context: { url: origin },
          }),
        );
      },
      settings.durationMs + 2 * WIND_DOWN_GRACE_MS,
    );
  });
  try {
    await Promise.race([finished, giveUp]);
  } finally {
    clearTimeout(stopTimer);
    clearTimeout(giveUpTimer);
    options.signal?.removeEventListener('abort', onAbort);
    instance.stop();
  }
  const endedAt = Date.now();

  const okLatencies = samples.filter((sample) => sample.ok).map((sample) => sample.latencyMs);
  const errors = counts.non2xx + counts.errorBodies + counts.connectionErrors + counts.timeouts;
  const windowList = typeof settings.windows === 'function' ? settings.windows() : settings.windows;
  const windows = splitByWindows(samples, (sample) => sample.at, windowList).map(({ window, items }) => {
    const successes = items.filter((sample) => sample.ok);
    return {
      label: window.label,
      from: window.from,
      to: window.to,
      requests: items.filter((sample) => !Number.isNaN(sample.latencyMs)).length,
      errors: items.length - successes.length,
      throughputPerSecond: perSecond(
        successes.length,
        Math.max(window.from, startedAt),
        Math.min(window.to, endedAt),
      ),
      latencyMs: latencyStats(successes.map((sample) => sample.latencyMs)),
    };
  });
  const loadResult: HttpLoadResult = {
    url: origin,
    startedAt,
    endedAt,
    durationMs: endedAt - startedAt,
    connections: settings.connections,
    pipelining: settings.pipelining,
    ...counts,
    errors,
    throughputPerSecond: perSecond(counts.successes, startedAt, endedAt),
    latencyMs: latencyStats(okLatencies),
    windows,
    timeline: bucketize(samples, startedAt, endedAt, settings.bucketMs),
    generationMs,
    samplesDropped,
    aborted,
  };
  log('http load done %o', {
    url: origin,
    requests: loadResult.requests,
    errors,
    throughputPerSecond: Math.round(loadResult.throughputPerSecond),
    p99Ms: loadResult.latencyMs.p99,
  });
  return loadResult;
}

interface NormalizedHttpLoadOptions {
  readonly url: string;
  readonly durationMs: number;
  readonly connections: number;
  readonly pipelining: number;
  readonly ratePerSecond: number | undefined;
  readonly tlsOptions: { ca: Buffer; cert?: Buffer; key?: Buffer } | undefined;
  readonly keyPrefix: string;
  readonly valueBytes: number;
  readonly windows: readonly TimeWindow[] | (() => readonly TimeWindow[]);
  readonly requestTimeoutMs: number;
  readonly bucketMs: number;
  readonly maxSamples: number;
}

function normalizeOptions(options: HttpLoadOptions): NormalizedHttpLoadOptions {
  const {
    url,
    durationMs,
    connections = 8,
    pipelining = 1,
    ratePerSecond,
    tls,
    keyPrefix = `/load/${randomBytes(4).toString('hex')}/`,
    valueBytes = 64,
    windows = [],
    requestTimeoutMs = 5_000,
    bucketMs = 100,
    maxSamples = 1_000_000,
  } = options;
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new InputError(
      `Expected \`url\` to be an http(s) URL such as a member's client URL, got \`${url}\`.`,
    );
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new InputError(`Expected \`url\` to be an http: or https: URL, got \`${url}\`.`);
  }
  if (protocol === 'https:' && !tls) {
    throw new InputError(
      `The gateway at \`${url}\` uses TLS: pass \`tls\` (the cluster's \`clientTls()\`).`,
      {
        hint: 'etcd-chaos TLS clusters require a client certificate on the client port.',
      },
    );
  }
  if (protocol === 'http:' && tls) {
    throw new InputError(`\`tls\` was given, but \`${url}\` is a plain http: URL.`);
  }
  requireInteger('durationMs', durationMs, 1, 3_600_000);
  requireInteger('connections', connections, 1, 10_000);
  requireInteger('pipelining', pipelining, 1, 1_000);
  if (ratePerSecond !== undefined) requireInteger('ratePerSecond', ratePerSecond, 1, 10_000_000);
  requireInteger('valueBytes', valueBytes, 1, 1_024 * 1_024);
  requireInteger('requestTimeoutMs', requestTimeoutMs, 1_000, 600_000);
  requireInteger('bucketMs', bucketMs, 1, 3_600_000);
  requireInteger('maxSamples', maxSamples, 0, 100_000_000);
  // autocannon passes tlsOptions to tls.connect but forces rejectUnauthorized: false: the client certificate is
  // presented (etcd requires it), the server's is not verified.
  const tlsOptions = tls
    ? {
        ca: readFileSync(tls.caFile),
        ...(tls.certFile ? { cert: readFileSync(tls.certFile) } : {}),
        ...(tls.keyFile ? { key: readFileSync(tls.keyFile) } : {}),
      }
    : undefined;
  return {
    url,
    durationMs,
    connections,
    pipelining,
    ratePerSecond,
    tlsOptions,
    keyPrefix,
    valueBytes,
    windows,
    requestTimeoutMs,
    bucketMs,
    maxSamples,
  };
}

function requireInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InputError(
      `Expected \`${name}\` to be an integer from ${min} to ${max}, got \`${value}\` (${typeof value}).`,
    );
  }
}
