// The guide's alerts ("Monitoring"), as data, evaluated the way Prometheus evaluates them: p99 by bucket
// interpolation (histogram_quantile) over a window's increase, leader changes counted within at most a minute,
// db size against the quota gauge. Checks compare a quiet window with the window under each alert's fault.
import { type CheckOutcome, formatBytes, measure } from '../findings/finding.js';
import { histogramDelta, histogramQuantile } from '../observe/histogram.js';
import { leaderChangesFromMetrics } from '../observe/leader-timeline.js';
import { METRIC, type MetricsSnapshot } from '../observe/metrics.js';

/** Scrapes of every member at the start and end of a window. */
export interface MetricsWindow {
  readonly before: readonly MetricsSnapshot[];
  readonly after: readonly MetricsSnapshot[];
  readonly durationMs: number;
}

export interface AlertEvaluation {
  /** The rule's value (the worst member's), in the rule's unit. */
  readonly value: number;
  readonly member: string | undefined;
  readonly fires: boolean;
  /** Why the value could not be computed (no observations, metric absent). */
  readonly missing: string | undefined;
  /**
   * For a quantile: how many observations the worst member's value rests on. A p99 of fewer than 100 is its
   * largest observation, so one slow commit on a busy host can trip it.
   */
  readonly observations?: number;
}

export interface AlertRule {
  readonly id: 'wal-fsync-p99' | 'backend-commit-p99' | 'leader-changes' | 'db-size';
  readonly title: string;
  readonly unit: 'ms' | 'per-minute' | 'percent';
  readonly threshold: number;
  /** The fault meant to trip it (for the report). */
  readonly fault: string;
  evaluate(window: MetricsWindow, options: { dbSizeMetric: string }): AlertEvaluation;
}

function histogramP99Ms(metric: string, window: MetricsWindow, threshold: number): AlertEvaluation {
  let worst: { value: number; member: string; observations: number } | undefined;
  for (const after of window.after) {
    const before = window.before.find((snapshot) => snapshot.member === after.member);
    const now = after.histogram(metric);
    const then = before?.histogram(metric);
    if (!now || !then) continue;
    const delta = histogramDelta(now, then);
    if (delta.count === 0) continue;
    const value = histogramQuantile(0.99, delta) * 1000;
    if (!worst || value > worst.value) worst = { value, member: after.member, observations: delta.count };
  }
  if (!worst)
    return {
      value: Number.NaN,
      member: undefined,
      fires: false,
      missing: `no ${metric} observations in the window`,
    };
  return {
    value: worst.value,
    member: worst.member,
    fires: worst.value > threshold,
    missing: undefined,
    observations: worst.observations,
  };
}

export const GUIDE_ALERTS: readonly AlertRule[] = [
  {
    id: 'wal-fsync-p99',
    title: 'WAL fsync p99 > 10 ms',
    unit: 'ms',
    threshold: 10,
    fault: 'fsync delay on one member',
    evaluate: (window) => histogramP99Ms(METRIC.walFsync, window, 10),
  },
  {
    id: 'backend-commit-p99',
    title: 'backend commit p99 > 25 ms',
    unit: 'ms',
    threshold: 25,
    fault: 'fsync delay on one member (bbolt commits fdatasync)',
    evaluate: (window) => histogramP99Ms(METRIC.backendCommit, window, 25),
  },
  {
    id: 'leader-changes',
    title: 'more than 2 leader changes in a minute',
    unit: 'per-minute',
    threshold: 2,
    fault: 'the leader paused (SIGSTOP) three times',
    evaluate: (window) => {
      if (window.durationMs > 60_000) {
        return {
          value: Number.NaN,
          member: undefined,
          fires: false,
          missing: "window longer than the rule's minute",
        };
      }
      // Counted, not extrapolated: the rule is "> 2 changes in 1 minute" and the window is at most a minute.
      const changes = leaderChangesFromMetrics(window.before, window.after);
      return { value: changes, member: undefined, fires: changes > 2, missing: undefined };
    },
  },
  {
    id: 'db-size',
    title: 'db size > 80 % of the quota',
    unit: 'percent',
    threshold: 80,
    fault: 'keys written until the db passes 85 % of a small quota',
    evaluate: (window, options) => {
      let worst: { value: number; member: string } | undefined;
      for (const snapshot of window.after) {
        const size = snapshot.gauge(options.dbSizeMetric);
        const quota = snapshot.gauge(METRIC.quota);
        if (size === undefined || quota === undefined || quota <= 0) continue;
        const value = (100 * size) / quota;
        if (!worst || value > worst.value) worst = { value, member: snapshot.member };
      }
      if (!worst)
        return {
          value: Number.NaN,
          member: undefined,
          fires: false,
          missing: `${options.dbSizeMetric} or ${METRIC.quota} absent`,
        };
      return { value: worst.value, member: worst.member, fires: worst.value > 80, missing: undefined };
    },
  },
];

export interface AlertRecord {
  readonly rule: AlertRule;
  readonly quiet: AlertEvaluation;
  readonly underFault: AlertEvaluation;
  /** Extra context for the report (e.g. the guide's metric name is absent on this version). */
  readonly note?: string;
}

/** "on m2, p99 of 95 observations": where a value came from and what it rests on. */
function provenance(evaluation: AlertEvaluation): string {
  const parts = [
    ...(evaluation.member ? [`on ${evaluation.member}`] : []),
    ...(evaluation.observations === undefined ? [] : [`p99 of ${evaluation.observations} observations`]),
  ];
  return parts.length === 0 ? '' : `, ${parts.join(', ')}`;
}

function format(value: number, unit: AlertRule['unit']): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (unit === 'ms') return `${value.toFixed(1)} ms`;
  if (unit === 'percent') return `${value.toFixed(1)} %`;
  return `${value}`;
}

export function checkAlert(record: AlertRecord): CheckOutcome {
  const { rule, quiet, underFault } = record;
  const problems: string[] = [];
  if (underFault.missing) problems.push(`under the fault: ${underFault.missing}`);
  else if (!underFault.fires)
    problems.push(`did not fire under ${rule.fault} (${format(underFault.value, rule.unit)})`);
  if (quiet.fires)
    problems.push(
      `fired without the fault (${format(quiet.value, rule.unit)}): with no fault injected, this host itself exceeds the guide's threshold, as a production alert would report`,
    );
  const verdict =
    problems.length === 0 ? 'pass' : quiet.missing && underFault.missing ? 'inconclusive' : 'fail';
  const reason =
    problems.length === 0
      ? `fires under ${rule.fault}, quiet without it${record.note ? `; ${record.note}` : ''}`
      : `${problems.join('; ')}${record.note ? `; ${record.note}` : ''}`;
  return {
    claim: 'alerts.thresholds',
    check: rule.title,
    verdict,
    reason,
    expected: `fires under ${rule.fault}; quiet without it (threshold ${rule.unit === 'percent' ? `${rule.threshold} %` : rule.unit === 'ms' ? `${rule.threshold} ms` : `${rule.threshold} changes/min`})`,
    observed: `without the fault ${format(quiet.value, rule.unit)} (${quiet.fires ? 'FIRES' : 'quiet'}${provenance(quiet)}); under it ${format(underFault.value, rule.unit)} (${underFault.fires ? 'fires' : 'quiet'}${provenance(underFault)})`,
    measurements: [
      measure(
        `${rule.id} without the fault`,
        quiet.value,
        rule.unit === 'ms' ? 'ms' : rule.unit === 'percent' ? 'percent' : 'count',
      ),
      measure(
        `${rule.id} under the fault`,
        underFault.value,
        rule.unit === 'ms' ? 'ms' : rule.unit === 'percent' ? 'percent' : 'count',
      ),
    ],
  };
}

export { formatBytes };
