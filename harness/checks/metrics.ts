// Checks of the monitoring claim: the metrics listener (--listen-metrics-urls) serves every metric the guide's
// "Monitoring" section names. One outcome for the listener, one per named metric, so a report shows exactly which
// names hold on this version and, for those that do not, what etcd exposes instead.
import { type CheckOutcome, type Measurement, measure } from '../findings/finding.js';

/** A metric the guide names, with the alert it attaches to it. */
export interface GuideMetric {
  readonly name: string;
  readonly alert: string;
}

/** The guide's "Monitoring" section, in its order. */
export const GUIDE_METRICS: readonly GuideMetric[] = [
  { name: 'etcd_server_leader_changes_seen_total', alert: 'alert if > 2 changes in 1 minute' },
  { name: 'etcd_disk_writes_total', alert: 'warn if sustained > 2000 writes/s' },
  { name: 'etcd_disk_wal_fsync_duration_seconds', alert: 'warn if p99 > 10 ms' },
  { name: 'etcd_disk_backend_commit_duration_seconds', alert: 'warn if p99 > 25 ms' },
  { name: 'etcd_debugging_mvcc_db_total_size_in_bytes', alert: 'warn if > 80 % of --quota-backend-bytes' },
];

/** What etcd offers where a guide name is missing: a metric family and what to do with it. */
export interface MetricReplacement {
  readonly name: string;
  readonly use: string;
}

/**
 * Closest etcd metrics for guide names that etcd does not (or no longer) serve, best first. Only those present in
 * the scrape are offered.
 */
export const REPLACEMENTS: Readonly<Record<string, readonly MetricReplacement[]>> = {
  // etcd has never had etcd_disk_writes_total. "Writes/s" on disk is best read as WAL syncs per second: every raft
  // Ready with entries is appended to the WAL and fsynced once, and that fsync is what a write waits for.
  etcd_disk_writes_total: [
    {
      name: 'etcd_disk_wal_fsync_duration_seconds',
      use: 'rate(etcd_disk_wal_fsync_duration_seconds_count[1m]): WAL fsyncs per second, the disk writes every proposal waits for (closest to "disk writes/s")',
    },
    {
      name: 'etcd_disk_wal_write_bytes_total',
      use: 'rate(etcd_disk_wal_write_bytes_total[1m]): bytes written to the WAL per second (a gauge in etcd despite its name; throughput, not a count of writes)',
    },
    {
      name: 'etcd_server_proposals_committed_total',
      use: 'rate(etcd_server_proposals_committed_total[1m]): committed raft proposals per second, if the guide meant client write requests',
    },
  ],
  // Renamed in 3.4 (both names served), the old one removed in 3.5 (etcd docs op-guide/maintenance.md).
  etcd_debugging_mvcc_db_total_size_in_bytes: [
    {
      name: 'etcd_mvcc_db_total_size_in_bytes',
      use: 'the same gauge under its 3.4+ name; etcd_mvcc_db_total_size_in_bytes / etcd_server_quota_backend_bytes > 0.8 expresses the alert without hard-coding the quota',
    },
  ],
};

/** Guide names etcd still serves on some versions but has deprecated: said in a passing finding's reason. */
export const DEPRECATED: Readonly<Record<string, string>> = {
  etcd_debugging_mvcc_db_total_size_in_bytes:
    'deprecated: renamed etcd_mvcc_db_total_size_in_bytes in 3.4 and removed in 3.5 (etcd docs op-guide/maintenance.md), so an alert on it goes silent after an upgrade',
};

/** One member's metrics listener, as scraped. */
export interface MetricsScrape {
  readonly member: string;
  readonly url: string;
  /** The `--listen-metrics-urls` value the member was started with. */
  readonly listenFlag: string | undefined;
  /** Metric family names served (histograms by base name); undefined when the scrape failed. */
  readonly names: readonly string[] | undefined;
  readonly error?: string;
}

export function checkMetricsListener(scrapes: readonly MetricsScrape[]): CheckOutcome {
  const failed = scrapes.filter((scrape) => scrape.names === undefined);
  const withoutFlag = scrapes.filter((scrape) => !scrape.listenFlag);
  const problems = [
    ...failed.map((scrape) => `${scrape.member}: ${scrape.error ?? 'no answer'} (${scrape.url})`),
    ...withoutFlag.map((scrape) => `${scrape.member} was not started with --listen-metrics-urls`),
  ];
  if (scrapes.length === 0) problems.push('no member was scraped');
  const ports = [...new Set(scrapes.map((scrape) => portOf(scrape.listenFlag)))];
  const portNote =
    ports.length === 1 && ports[0] === '2381'
      ? "on port 2381, the guide's"
      : `on port(s) ${ports.join(', ')} (the harness allocates ports when members share an address; the guide's 2381 is kubeadm's choice)`;
  return {
    claim: 'metrics.exposed',
    check: 'the --listen-metrics-urls listener serves /metrics',
    verdict: problems.length === 0 ? 'pass' : 'fail',
    reason:
      problems.length === 0
        ? `every member's --listen-metrics-urls listener answered /metrics in Prometheus text format, ${portNote}`
        : problems.join('; '),
    expected: 'each member started with --listen-metrics-urls answers GET /metrics with Prometheus text',
    observed: scrapes
      .map(
        (scrape) =>
          `${scrape.member} (${scrape.listenFlag ?? 'no flag'}): ${scrape.names ? `${scrape.names.length} metric families` : `failed: ${scrape.error}`}`,
      )
      .join('; '),
    measurements: scrapes
      .filter((scrape) => scrape.names)
      .map((scrape) => measure(`metric families (${scrape.member})`, scrape.names!.length, 'count')),
  };
}

export interface GuideMetricRecord {
  readonly metric: GuideMetric;
  readonly scrapes: readonly MetricsScrape[];
  /** Values read from the scrape for the report (a counter's value, a histogram's count), by member. */
  readonly values?: readonly Measurement[];
}

export function checkGuideMetric(record: GuideMetricRecord): CheckOutcome {
  const { metric } = record;
  const scraped = record.scrapes.filter((scrape) => scrape.names !== undefined);
  const serving = scraped
    .filter((scrape) => scrape.names!.includes(metric.name))
    .map((scrape) => scrape.member);
  const missing = scraped
    .filter((scrape) => !scrape.names!.includes(metric.name))
    .map((scrape) => scrape.member);
  const base = {
    claim: 'metrics.exposed' as const,
    check: metric.name,
    expected: `${metric.name} (the guide: ${metric.alert}) served by every member's metrics listener`,
    measurements: [
      measure('members serving it', serving.length, 'count'),
      measure('members scraped', scraped.length, 'count'),
      ...(record.values ?? []),
    ],
  };
  if (scraped.length === 0) {
    return {
      ...base,
      verdict: 'inconclusive',
      reason: 'no member could be scraped',
      observed: record.scrapes.map((scrape) => `${scrape.member}: ${scrape.error}`).join('; '),
    };
  }
  // A replacement counts when every scraped member serves it.
  const offered = (REPLACEMENTS[metric.name] ?? []).filter((replacement) =>
    scraped.every((scrape) => scrape.names!.includes(replacement.name)),
  );
  if (missing.length === 0) {
    const deprecation = DEPRECATED[metric.name];
    const note = deprecation
      ? `; ${deprecation}${offered.length > 0 ? ` (also served: ${offered.map((replacement) => replacement.name).join(', ')})` : ''}`
      : '';
    return {
      ...base,
      verdict: 'pass',
      reason: `served by ${serving.join(', ')}${note}`,
      observed: `present on ${serving.join(', ')}`,
    };
  }
  const instead =
    offered.length > 0
      ? ` This etcd serves instead: ${offered.map((replacement) => `${replacement.name} (${replacement.use})`).join('; ')}.`
      : ' This etcd serves no replacement the harness knows of.';
  const similar = similarNames(metric.name, scraped[0]!.names!);
  return {
    ...base,
    verdict: 'fail',
    reason: `${metric.name} is not served${serving.length > 0 ? ` by ${missing.join(', ')} (but by ${serving.join(', ')})` : ' by any member'}: an alert on it never fires.${instead}`,
    observed: `missing on ${missing.join(', ')}${serving.length > 0 ? `; present on ${serving.join(', ')}` : ''}; served names sharing its prefix: ${similar.join(', ') || 'none'}`,
  };
}

function portOf(url: string | undefined): string {
  if (!url) return 'none';
  try {
    return new URL(url.split(',')[0]!).port || '80';
  } catch {
    return 'unknown'; // the flag's value is quoted in the finding as it is
  }
}

/** Served names sharing the longest `_`-separated prefix of `name` that any served name shares (at least 2 words). */
export function similarNames(name: string, served: readonly string[]): string[] {
  const words = name.split('_');
  for (let length = words.length - 1; length >= 2; length--) {
    const prefix = `${words.slice(0, length).join('_')}_`;
    const matches = served.filter((candidate) => candidate.startsWith(prefix));
    if (matches.length > 0) return matches.slice(0, 12);
  }
  return [];
}
