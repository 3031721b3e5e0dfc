// Scrapes a member's Prometheus `/metrics` and answers questions about one scrape: counters, gauges, histograms.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { StartedCluster } from '../cluster/types.js';
import { describeError, HarnessError } from '../errors.js';
import { logger } from '../log.js';
import { type Histogram, type HistogramBucket, mergeHistograms } from './histogram.js';

const log = logger('observe');

/**
 * The metric names the harness reads. Checked against real scrapes of 3.4.23, 3.5.35, 3.6.16 and 3.7.3
 * (fixtures in `test/fixtures/metrics/`); what differs by version is in `harness/versions/capabilities.ts`.
 *
 * | name                                          | 3.4 | 3.5 | 3.6 | 3.7 | note                              |
 * |-----------------------------------------------|-----|-----|-----|-----|-----------------------------------|
 * | every name below not mentioned in this table  |  ✓  |  ✓  |  ✓  |  ✓  |                                   |
 * | etcd_debugging_mvcc_db_total_size_in_bytes    |  ✓  |  –  |  –  |  –  | removed in 3.5                    |
 * | etcd_server_apply_duration_seconds            |  –  |  ✓  |  ✓  |  ✓  |                                   |
 * | etcd_server_request_duration_seconds          |  –  |  –  |  –  |  ✓  | per request type, default metrics |
 * | grpc_server_handling_seconds                  |  x  |  x  |  x  |  x  | only with `--metrics=extensive`   |
 * | etcd_network_peer_round_trip_time_seconds     |  ✓  |  ✓  |  ✓  |  ✓  | after the first probe (~5 s)      |
 *
 * Labelled histograms (request durations, peer round trips) only show series that have been observed at least
 * once. etcd declares some `_total` names as gauges (`proposals_applied_total`, `proposals_committed_total`,
 * `wal_write_bytes_total`).
 */
export const METRIC = {
  walFsync: 'etcd_disk_wal_fsync_duration_seconds',
  backendCommit: 'etcd_disk_backend_commit_duration_seconds',
  leaderChanges: 'etcd_server_leader_changes_seen_total',
  isLeader: 'etcd_server_is_leader',
  hasLeader: 'etcd_server_has_leader',
  /** Bytes written to the WAL (a gauge in etcd, despite the name). */
  walWriteBytes: 'etcd_disk_wal_write_bytes_total',
  dbTotalSize: 'etcd_mvcc_db_total_size_in_bytes',
  dbInUse: 'etcd_mvcc_db_total_size_in_use_in_bytes',
  /** 3.4 only (the older name of `dbTotalSize`). */
  debuggingDbTotalSize: 'etcd_debugging_mvcc_db_total_size_in_bytes',
  quota: 'etcd_server_quota_backend_bytes',
  proposalsFailed: 'etcd_server_proposals_failed_total',
  proposalsApplied: 'etcd_server_proposals_applied_total',
  proposalsCommitted: 'etcd_server_proposals_committed_total',
  proposalsPending: 'etcd_server_proposals_pending',
  heartbeatSendFailures: 'etcd_server_heartbeat_send_failures_total',
  slowApplies: 'etcd_server_slow_apply_total',
  /** Counter by `grpc_service`, `grpc_method`, `grpc_code`, `grpc_type`. */
  grpcHandled: 'grpc_server_handled_total',
  /** Request latency by gRPC method, on every version, but only with `--metrics=extensive`. */
  grpcHandling: 'grpc_server_handling_seconds',
  /** Request latency by request `type` and `success`: 3.7+, default metrics. */
  requestDuration: 'etcd_server_request_duration_seconds',
  /** Apply latency by `op`: 3.5+. */
  applyDuration: 'etcd_server_apply_duration_seconds',
  /** Round trip to each peer (label `To`, the peer's hex id), from rafthttp's prober. */
  peerRoundTrip: 'etcd_network_peer_round_trip_time_seconds',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

export type Labels = Readonly<Record<string, string>>;

/**
 * One scrape of one member. Label matching, the same for every reader: the series whose label set is exactly
 * `labels` if there is one (with no labels: the unlabelled series); otherwise the sum (for histograms: the
 * bucket-wise sum) of every series that has each given label with that value; `undefined` when nothing matches.
 * So `counter(METRIC.grpcHandled, { grpc_method: 'Put' })` adds up all codes, and `counter(name)` of a labelled
 * family is its total. `counter` and `gauge` read the same way (etcd types some `_total`s as gauges); the two
 * names only say at the call site what the caller expects.
 */
export interface MetricsSnapshot {
  readonly member: string;
  /** Epoch ms when the response arrived. */
  readonly takenAt: number;
  counter(name: string, labels?: Labels): number | undefined;
  gauge(name: string, labels?: Labels): number | undefined;
  histogram(name: string, labels?: Labels): Histogram | undefined;
  /** The sum over every counter/gauge series that has the given labels (subset match); no labels: all series. */
  sumOf(name: string, labels?: Labels): number | undefined;
  /** Metric family names, sorted (histograms by their base name, without `_bucket`/`_sum`/`_count`). */
  names(): string[];
  /** The raw exposition, kept for evidence. */
  readonly text: string;
}

/** A member's metrics endpoint did not answer, or answered something else than metrics. */
export class MetricsScrapeError extends HarnessError {
  override readonly name: string = 'MetricsScrapeError';
  override get retryable(): boolean {
    return true;
  }
}

/** The exposition text is not valid Prometheus text format. */
export class MetricsParseError extends HarnessError {
  override readonly name: string = 'MetricsParseError';
}

export interface ScrapeOptions {
  /** Per request (default 5 s). */
  readonly timeoutMs?: number;
}

export interface ScrapeTarget {
  readonly name: string;
  readonly urls: { readonly metrics: string };
}

export async function scrapeMetrics(
  member: ScrapeTarget,
  options: ScrapeOptions = {},
): Promise<MetricsSnapshot> {
  const { timeoutMs = 5_000 } = options;
  const url = `${member.urls.metrics}/metrics`;
  const context = { member: member.name, endpoint: url, timeoutMs };
  let text: string;
  let takenAt: number;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    takenAt = Date.now();
    text = await response.text();
    if (!response.ok) {
      throw new MetricsScrapeError(`Metrics of ${member.name} answered HTTP ${response.status} at ${url}.`, {
        context: { ...context, status: response.status },
      });
    }
  } catch (error) {
    if (error instanceof MetricsScrapeError) throw error;
    throw new MetricsScrapeError(
      `Could not scrape the metrics of ${member.name} at ${url}: ${describeError(error)}`,
      {
        cause: error,
        context,
        hint: 'Is the member running (not stopped or paused)? Its metrics listener bypasses Toxiproxy.',
      },
    );
  }
  return parseMetrics(member.name, text, takenAt);
}

/** Scrapes every running member in parallel (members that are stopped, paused or exited are skipped). */
export async function scrapeCluster(
  cluster: StartedCluster,
  options: ScrapeOptions = {},
): Promise<MetricsSnapshot[]> {
  const running = cluster.members.filter((member) => member.state === 'running');
  const snapshots = await Promise.all(running.map((member) => scrapeMetrics(member, options)));
  log('scraped %o', { members: snapshots.map((snapshot) => snapshot.member) });
  return snapshots;
}

export function parseMetrics(member: string, text: string, takenAt: number = Date.now()): MetricsSnapshot {
  const declaredTypes = readDeclaredTypes(text);
  let families: parsePrometheusTextFormat.PrometheusFamily[];
  try {
    families = parsePrometheusTextFormat(asUntypedCompounds(text, declaredTypes));
  } catch (error) {
    throw new MetricsParseError(
      `The metrics of ${member} are not valid Prometheus text: ${describeError(error)}`,
      {
        cause: error,
        context: { member },
      },
    );
  }
  const scalars = new Map<string, ScalarSeries[]>();
  const histograms: HistogramParts = new Map();
  for (const family of families) {
    for (const sample of family.metrics) {
      if (sample.value === undefined) continue;
      const labels = sample.labels ?? {};
      const value = parseSampleValue(sample.value);
      const part = histogramPart(family.name, declaredTypes);
      if (part) addHistogramSample(histograms, part, labels, value);
      else appendTo(scalars, family.name, { labels, value });
    }
  }
  return new ParsedSnapshot(member, takenAt, text, scalars, assembleHistograms(histograms));
}

interface ScalarSeries {
  readonly labels: Labels;
  readonly value: number;
}

interface HistogramSeries {
  readonly labels: Labels;
  readonly histogram: Histogram;
}

class ParsedSnapshot implements MetricsSnapshot {
  constructor(
    readonly member: string,
    readonly takenAt: number,
    readonly text: string,
    private readonly scalars: ReadonlyMap<string, readonly ScalarSeries[]>,
    private readonly histograms: ReadonlyMap<string, readonly HistogramSeries[]>,
  ) {}

  counter(name: string, labels: Labels = {}): number | undefined {
    return this.scalar(name, labels);
  }

  gauge(name: string, labels: Labels = {}): number | undefined {
    return this.scalar(name, labels);
  }

  histogram(name: string, labels: Labels = {}): Histogram | undefined {
    const series = this.histograms.get(name) ?? [];
    const exact = series.find((entry) => sameLabels(entry.labels, labels));
    if (exact) return exact.histogram;
    return mergeHistograms(
      series.filter((entry) => hasLabels(entry.labels, labels)).map((entry) => entry.histogram),
    );
  }

  sumOf(name: string, labels: Labels = {}): number | undefined {
    const matching = (this.scalars.get(name) ?? []).filter((entry) => hasLabels(entry.labels, labels));
    if (matching.length === 0) return undefined;
    return matching.reduce((total, entry) => total + entry.value, 0);
  }

  names(): string[] {
    return [...new Set([...this.scalars.keys(), ...this.histograms.keys()])].sort();
  }

  private scalar(name: string, labels: Labels): number | undefined {
    const exact = (this.scalars.get(name) ?? []).find((entry) => sameLabels(entry.labels, labels));
    return exact ? exact.value : this.sumOf(name, labels);
  }
}

/** `name → type` from the `# TYPE` lines. */
function readDeclaredTypes(text: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const match of text.matchAll(/^#[ \t]*TYPE[ \t]+(\S+)[ \t]+(\S+)[ \t]*$/gm))
    types.set(match[1]!, match[2]!.toLowerCase());
  return types;
}

/**
 * The library merges every series of a labelled histogram or summary into one and drops their `_sum`/`_count`
 * (yunyu/parse-prometheus-text-format#13; the fix, PR #8, was never merged): with etcd's per-type request
 * durations or per-peer round trips that silently yields the wrong numbers. Declaring those families untyped
 * makes it return every `_bucket`, `_sum` and `_count` line as a plain sample with all its labels; the
 * histograms are then assembled here. It also drops the last line when the text does not end in a newline.
 */
function asUntypedCompounds(text: string, declaredTypes: ReadonlyMap<string, string>): string {
  const compound = [...declaredTypes].some(([, type]) => type === 'histogram' || type === 'summary');
  const rewritten = compound
    ? text.replace(/^(#[ \t]*TYPE[ \t]+\S+[ \t]+)(histogram|summary)[ \t]*$/gim, '$1untyped')
    : text;
  return rewritten.endsWith('\n') ? rewritten : `${rewritten}\n`;
}

type HistogramPartKind = 'bucket' | 'sum' | 'count';

interface HistogramPart {
  readonly family: string;
  readonly kind: HistogramPartKind;
}

function histogramPart(
  sampleName: string,
  declaredTypes: ReadonlyMap<string, string>,
): HistogramPart | undefined {
  const match = /^(.+)_(bucket|sum|count)$/.exec(sampleName);
  if (!match || declaredTypes.get(match[1]!) !== 'histogram') return undefined;
  return { family: match[1]!, kind: match[2] as HistogramPartKind };
}

interface HistogramAccumulator {
  labels: Labels;
  buckets: HistogramBucket[];
  sum: number | undefined;
  count: number | undefined;
}

type HistogramParts = Map<string, Map<string, HistogramAccumulator>>;

function addHistogramSample(
  histograms: HistogramParts,
  part: HistogramPart,
  labels: Labels,
  value: number,
): void {
  const { le, ...seriesLabels } = labels;
  const key = labelKey(seriesLabels);
  const family = histograms.get(part.family) ?? new Map<string, HistogramAccumulator>();
  histograms.set(part.family, family);
  const series = family.get(key) ?? { labels: seriesLabels, buckets: [], sum: undefined, count: undefined };
  family.set(key, series);
  if (part.kind === 'bucket' && le !== undefined)
    series.buckets.push({ le: parseSampleValue(le), count: value });
  else if (part.kind === 'sum') series.sum = value;
  else if (part.kind === 'count') series.count = value;
}

function assembleHistograms(parts: HistogramParts): Map<string, HistogramSeries[]> {
  const histograms = new Map<string, HistogramSeries[]>();
  for (const [name, family] of parts) {
    for (const series of family.values()) {
      const buckets = [...series.buckets].sort((a, b) => a.le - b.le);
      const infinite = buckets.find((bucket) => bucket.le === Number.POSITIVE_INFINITY);
      const count = series.count ?? infinite?.count ?? 0;
      if (!infinite) buckets.push({ le: Number.POSITIVE_INFINITY, count });
      appendTo(histograms, name, {
        labels: series.labels,
        histogram: { buckets, count, sum: series.sum ?? Number.NaN },
      });
    }
  }
  return histograms;
}

/** Sample values are Go floats: `+Inf`, `-Inf` and `NaN` included. */
function parseSampleValue(raw: string): number {
  if (raw === '+Inf' || raw === 'Inf') return Number.POSITIVE_INFINITY;
  if (raw === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(raw);
}

function appendTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function labelKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function hasLabels(series: Labels, wanted: Labels): boolean {
  return Object.entries(wanted).every(([name, value]) => series[name] === value);
}

function sameLabels(a: Labels, b: Labels): boolean {
  return Object.keys(a).length === Object.keys(b).length && hasLabels(a, b);
}
