// The guide's alerts ("Monitoring"), as data: each with the Prometheus rule that expresses it
// (alerts/etcd-guide.rules.yml), whose states a real Prometheus reports (the verdict), and evaluated here the way
// Prometheus evaluates it (p99 by bucket interpolation over a window's increase, leader changes counted, db size
// against the quota gauge) as a cross-check of that verdict. A quiet window is compared with each alert's fault.
import type { AlertWindowState } from '../alerting/alert-watch.js';
import { type CheckOutcome, formatBytes, type Measurement, measure } from '../findings/finding.js';
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
  /** The alert in alerts/etcd-guide.rules.yml that expresses this rule. */
  readonly prometheusAlert: string;
  /** The fault meant to trip it (for the report). */
  readonly fault: string;
  /** Its quiet half reads this host's own disk, not etcd: the verdict may differ between machines. */
  readonly readsHostDisk: boolean;
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
    prometheusAlert: 'etcdGuideWalFsyncSlow',
    readsHostDisk: true,
    title: 'WAL fsync p99 > 10 ms',
    unit: 'ms',
    threshold: 10,
    fault: 'fsync delay on one member',
    evaluate: (window) => histogramP99Ms(METRIC.walFsync, window, 10),
  },
  {
    id: 'backend-commit-p99',
    prometheusAlert: 'etcdGuideBackendCommitSlow',
    readsHostDisk: true,
    title: 'backend commit p99 > 25 ms',
    unit: 'ms',
    threshold: 25,
    fault: 'fsync delay on one member (bbolt commits fdatasync)',
    evaluate: (window) => histogramP99Ms(METRIC.backendCommit, window, 25),
  },
  {
    id: 'leader-changes',
    prometheusAlert: 'etcdGuideLeaderChanges',
    readsHostDisk: false,
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
    prometheusAlert: 'etcdGuideDatabaseSize',
    readsHostDisk: false,
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

/** What a real Prometheus reported for one guide alert, around the quiet window and the alert's fault. */
export interface PrometheusAlertRecord {
  readonly rule: AlertRule;
  /** Every `for:` and range window was divided by this. */
  readonly timeFactor: number;
  /** The compressed rule in words (`p99 over [15s], held for 6s`). */
  readonly compressedRule: string;
  /** What was done to trip it (`fsync delay 40 ms on m2`). */
  readonly faultDescription: string;
  readonly quiet: AlertWindowState;
  readonly underFault: AlertWindowState;
  /** Epoch ms the fault was in place. */
  readonly faultStartedAt: number;
  /** How long the fault was held (until the alert fired or the wait ran out). */
  readonly faultHeldMs: number;
  /** The rule could not be evaluated (Prometheus reported health `err`). */
  readonly ruleError?: string;
  /** The harness's own evaluation of the same windows. */
  readonly crossCheck: { readonly quiet: AlertEvaluation; readonly underFault: AlertEvaluation };
  readonly note?: string;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function firedAs(state: AlertWindowState): string {
  if (state.state === 'inactive') return 'stayed inactive';
  const members = state.firedInstances.map((labels) => labels.instance).filter(Boolean);
  const carried = state.carriedFiring.map((labels) => labels.instance).filter(Boolean);
  return [
    `${state.firingAt === undefined && state.atStart === 'firing' ? 'already firing' : state.state}${members.length > 0 ? ` (${members.join(', ')})` : ''}`,
    ...(carried.length > 0 && state.firingAt !== undefined
      ? [`already firing on ${carried.join(', ')}`]
      : []),
  ].join('; ');
}

/**
 * The verdict Prometheus gives: the alert reached `firing` under its fault, and not in the quiet window (pending
 * there is reported but is not a page). The harness's cross-check must agree; where it does not, the finding says
 * so and why (the cross-check reads a whole window at once, Prometheus a rolling compressed window held for `for`).
 */
export function checkAlertWithPrometheus(record: PrometheusAlertRecord): CheckOutcome {
  const { rule, quiet, underFault, crossCheck, timeFactor } = record;
  const problems: string[] = [];
  // Under the fault, only an instance that turns firing inside the fault window counts: one still firing from
  // before (a noisy disk in the quiet window) shows nothing about the fault.
  const firedUnderFault = underFault.firingAt !== undefined;
  const alreadyFiring = !firedUnderFault && underFault.atStart === 'firing';
  const firedInQuiet = quiet.state === 'firing';
  if (alreadyFiring)
    problems.push(
      `${rule.prometheusAlert} was still firing from before when ${record.faultDescription} began, so whether the fault alone trips it is not shown`,
    );
  else if (!firedUnderFault)
    problems.push(
      `Prometheus did not report ${rule.prometheusAlert} firing under ${record.faultDescription} (held ${seconds(record.faultHeldMs)}; it ${firedAs(underFault)})`,
    );
  if (firedInQuiet)
    problems.push(
      `Prometheus reported ${rule.prometheusAlert} firing without any fault (${firedAs(quiet)})${rule.readsHostDisk ? ": this host's own disk exceeds the guide's threshold, as a production alert would report" : ''}`,
    );
  const disagreements: string[] = [];
  if (!crossCheck.quiet.missing && crossCheck.quiet.fires !== firedInQuiet)
    disagreements.push(
      `quiet window: the cross-check says ${crossCheck.quiet.fires ? 'fires' : 'quiet'} (${format(crossCheck.quiet.value, rule.unit)} over the whole window), Prometheus ${firedInQuiet ? 'fired' : 'did not fire'} (a rolling compressed window that must hold for the rule's for:)`,
    );
  if (!crossCheck.underFault.missing && !alreadyFiring && crossCheck.underFault.fires !== firedUnderFault)
    disagreements.push(
      `under the fault: the cross-check says ${crossCheck.underFault.fires ? 'fires' : 'quiet'} (${format(crossCheck.underFault.value, rule.unit)}), Prometheus ${firedUnderFault ? 'fired' : 'did not fire'}`,
    );
  const verdict =
    record.ruleError || (alreadyFiring && !firedInQuiet)
      ? 'inconclusive'
      : problems.length === 0
        ? 'pass'
        : 'fail';
  const pendingAfter =
    underFault.pendingAt === undefined ? undefined : underFault.pendingAt - record.faultStartedAt;
  const firingAfter =
    underFault.firingAt === undefined ? undefined : underFault.firingAt - record.faultStartedAt;
  const timing =
    firingAfter === undefined
      ? ''
      : `; firing ${seconds(firingAfter)} after the fault (${seconds(firingAfter * timeFactor)} of production time at factor ${timeFactor})`;
  const reason = [
    record.ruleError
      ? `Prometheus could not evaluate ${rule.prometheusAlert}: ${record.ruleError}`
      : problems.length === 0
        ? `Prometheus reported ${rule.prometheusAlert} firing under ${record.faultDescription} and never without it${timing}`
        : problems.join('; '),
    ...(disagreements.length > 0
      ? [`cross-check disagrees: ${disagreements.join('; ')}`]
      : ['the cross-check agrees']),
    ...(record.note ? [record.note] : []),
    `time compressed ${timeFactor}x (${record.compressedRule})`,
  ].join('; ');
  const unit = rule.unit === 'ms' ? 'ms' : rule.unit === 'percent' ? 'percent' : 'count';
  const measurements: Measurement[] = [
    measure(`${rule.id} without the fault`, crossCheck.quiet.value, unit),
    measure(`${rule.id} under the fault`, crossCheck.underFault.value, unit),
    measure('time-compression factor', timeFactor, 'ratio'),
    measure('fault held', record.faultHeldMs / 1000, 's'),
  ];
  if (pendingAfter !== undefined)
    measurements.push(measure('pending after the fault', pendingAfter / 1000, 's'));
  if (firingAfter !== undefined)
    measurements.push(measure('firing after the fault', firingAfter / 1000, 's'));
  return {
    claim: 'alerts.thresholds',
    check: rule.title,
    verdict,
    reason,
    expected: `Prometheus reports ${rule.prometheusAlert} firing under ${rule.fault} and not without it (threshold ${rule.unit === 'percent' ? `${rule.threshold} %` : rule.unit === 'ms' ? `${rule.threshold} ms` : `${rule.threshold} changes/min`})`,
    observed: `without the fault: ${firedAs(quiet)} (cross-check ${format(crossCheck.quiet.value, rule.unit)}${provenance(crossCheck.quiet)}); under it: ${firedAs(underFault)}${pendingAfter === undefined ? '' : `, pending after ${seconds(pendingAfter)}`}${firingAfter === undefined ? '' : `, firing after ${seconds(firingAfter)}`} (cross-check ${format(crossCheck.underFault.value, rule.unit)}${provenance(crossCheck.underFault)})`,
    measurements,
    ...(rule.readsHostDisk ? { environmentDependent: true } : {}),
  };
}

export { formatBytes };
