// promtool unit tests written from a real run: the series Prometheus scraped from the cluster (read back through
// /api/v1/query_range at the scrape interval) become `input_series`, replayed at the production interval (the
// compressed interval times the factor: time decompressed), and what Prometheus itself reported at chosen moments
// (an alert firing, or quiet) becomes `alert_rule_test` expectations against the uncompressed rules. promtool then
// says whether the shipped rules, as written, behave on those real series as the compressed run did.
import { stringify } from 'yaml';
import type { AlertWatch } from './alert-watch.js';
import type { PrometheusApi } from './prometheus-api.js';
import { formatDurationMs } from './promql.js';
import { isAlertingRule, type RuleFile } from './rules.js';

export interface RecordedSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** One value per step from the window's start; null: no sample (the target was down, the series stale). */
  readonly values: readonly (number | null)[];
}

export interface RecordedWindow {
  readonly fromMs: number;
  readonly stepMs: number;
  readonly steps: number;
  readonly series: readonly RecordedSeries[];
}

/** Reads back every series of `names` between `fromMs` and `toMs`, one value per `stepMs`. */
export async function recordSeries(
  api: PrometheusApi,
  names: readonly string[],
  fromMs: number,
  toMs: number,
  stepMs: number,
): Promise<RecordedWindow> {
  const steps = Math.floor((toMs - fromMs) / stepMs) + 1;
  const selector = `{__name__=~"${names.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')}"}`;
  const { data } = await api.queryRange(selector, fromMs, fromMs + (steps - 1) * stepMs, stepMs);
  const series = data.result.map((entry) => {
    const values: (number | null)[] = new Array(steps).fill(null);
    for (const [at, value] of entry.values) {
      const index = Math.round((at * 1000 - fromMs) / stepMs);
      if (index >= 0 && index < steps) values[index] = Number(value);
    }
    return { labels: entry.metric, values };
  });
  return { fromMs, stepMs, steps, series };
}

/**
 * promtool's expanding notation for a value list: runs with a constant step become `a+dxN`, gaps `_xN`, and the
 * first gap after a value `stale` (Prometheus marked the series stale when its target stopped answering).
 */
export function expandingNotation(values: readonly (number | null)[]): string {
  const parts: string[] = [];
  let index = 0;
  while (index < values.length) {
    const value = values[index];
    if (value === null || value === undefined) {
      let end = index;
      while (end < values.length && (values[end] === null || values[end] === undefined)) end++;
      const previous = index > 0 ? values[index - 1] : null;
      let count = end - index;
      if (previous !== null && previous !== undefined) {
        parts.push('stale');
        count -= 1;
      }
      if (count > 0) parts.push(count === 1 ? '_' : `_x${count}`);
      index = end;
      continue;
    }
    const next = values[index + 1];
    if (next === null || next === undefined) {
      parts.push(formatNumber(value));
      index += 1;
      continue;
    }
    const delta = next - value;
    let end = index + 1;
    while (end + 1 < values.length) {
      const following = values[end + 1];
      if (following === null || following === undefined) break;
      if (Math.abs(following - (values[end] ?? 0) - delta) > 1e-9 * Math.max(1, Math.abs(following))) break;
      end++;
    }
    const repeats = end - index;
    parts.push(`${formatNumber(value)}${delta >= 0 ? '+' : '-'}${formatNumber(Math.abs(delta))}x${repeats}`);
    index = end + 1;
  }
  return parts.join(' ');
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
}

function seriesSelector(labels: Readonly<Record<string, string>>): string {
  const { __name__: name, ...rest } = labels;
  const matchers = Object.keys(rest)
    .sort()
    .map((key) => `${key}=${JSON.stringify(rest[key])}`);
  return `${name ?? ''}{${matchers.join(',')}}`;
}

export interface Checkpoint {
  /** Step index into the recorded window. */
  readonly step: number;
  readonly alert: string;
  /** Labels of each instance firing at that step (without `alertname`); empty: the alert must be silent. */
  readonly firing: readonly Readonly<Record<string, string>>[];
}

/**
 * Moments worth asserting, from what Prometheus reported: per alert, the middle of its first stretch of firing and
 * of its first stretch of silence, each at least `marginSteps` away from any change of state or of the firing
 * instances (the compressed run and promtool need not agree on an edge to the evaluation).
 */
export function checkpointsFrom(
  watch: AlertWatch,
  alerts: readonly string[],
  window: RecordedWindow,
  /** The alert's longest range window and its `for:` (as loaded, compressed), ms. */
  history: (alert: string) => { readonly rangeMs: number; readonly forMs: number },
  marginSteps = 1,
  /** Firing stretches are short under time compression (a leader-change alert fires for two evaluations). */
  firingMarginSteps = 0,
): Checkpoint[] {
  const checkpoints: Checkpoint[] = [];
  for (const alert of alerts) {
    // A replay starts with no history: only steps whose state rests on data inside the window can be asserted, and
    // a firing only if it went pending inside the window, after a full range window of data.
    const { rangeMs, forMs } = history(alert);
    const firstStep = Math.ceil((rangeMs + forMs) / window.stepMs);
    const pendingSince = (step: number) =>
      watch.windowState(alert, window.fromMs, window.fromMs + step * window.stepMs).activeAt;
    const stateAt = (step: number) => {
      const at = window.fromMs + step * window.stepMs;
      const state = watch.windowState(alert, at, at);
      return { state: state.atStart, firing: firingInstancesAt(watch, alert, at) };
    };
    const states = Array.from({ length: window.steps }, (_, step) => stateAt(step));
    // Stable: the same state and the same firing instances on every step around it.
    const signature = (entry: { state: string; firing: readonly Readonly<Record<string, string>>[] }) =>
      `${entry.state}:${entry.firing
        .map((labels) => JSON.stringify(labels))
        .sort()
        .join('|')}`;
    const stable = (step: number, want: string, margin: number) =>
      step - margin >= firstStep &&
      step + margin < states.length &&
      states[step]?.state === want &&
      states
        .slice(step - margin, step + margin + 1)
        .every((entry) => signature(entry) === signature(states[step]!));
    for (const want of ['firing', 'inactive'] as const) {
      const candidates = states
        .map((_, step) => step)
        .filter((step) => stable(step, want, want === 'firing' ? firingMarginSteps : marginSteps))
        .filter((step) => {
          if (want !== 'firing') return true;
          const since = pendingSince(step);
          return since !== undefined && since >= window.fromMs + rangeMs;
        });
      if (candidates.length === 0) continue;
      // The middle of the first stable stretch.
      let end = 0;
      while (end + 1 < candidates.length && candidates[end + 1] === (candidates[end] ?? 0) + 1) end++;
      const step = candidates[Math.floor(end / 2)] ?? 0;
      checkpoints.push({ step, alert, firing: want === 'firing' ? (states[step]?.firing ?? []) : [] });
    }
  }
  return checkpoints;
}

function firingInstancesAt(watch: AlertWatch, alert: string, at: number): Readonly<Record<string, string>>[] {
  const latest = new Map<string, { labels: Readonly<Record<string, string>>; to: string }>();
  for (const transition of watch.transitionsOf(alert)) {
    if (transition.at > at) break;
    latest.set(JSON.stringify(transition.labels), { labels: transition.labels, to: transition.to });
  }
  return [...latest.values()].filter((entry) => entry.to === 'firing').map((entry) => entry.labels);
}

/** The rules as a promtool test reads them: as shipped, minus annotations (they print `$value`, which differs). */
export function rulesForPromtool(rules: RuleFile): RuleFile {
  return {
    groups: rules.groups.map((group) => ({
      ...group,
      rules: group.rules.map((rule) => {
        if (!isAlertingRule(rule)) return rule;
        const { annotations: _annotations, ...rest } = rule;
        return rest;
      }),
    })),
  };
}

/** A promtool test file: the recorded series replayed at `productionStepMs`, the checkpoints as expectations. */
export function promtoolTestFile(options: {
  rulesFile: string;
  window: RecordedWindow;
  productionStepMs: number;
  checkpoints: readonly Checkpoint[];
  comment: readonly string[];
}): string {
  const interval = formatDurationMs(options.productionStepMs);
  const document = {
    rule_files: [options.rulesFile],
    evaluation_interval: interval,
    tests: [
      {
        interval,
        input_series: options.window.series.map((series) => ({
          series: seriesSelector(series.labels),
          values: expandingNotation(series.values),
        })),
        alert_rule_test: options.checkpoints.map((checkpoint) => ({
          eval_time: formatDurationMs(Math.max(1, checkpoint.step * options.productionStepMs)),
          alertname: checkpoint.alert,
          exp_alerts: checkpoint.firing.map((labels) => ({ exp_labels: { ...labels } })),
        })),
      },
    ],
  };
  return `${options.comment.map((line) => `# ${line}`).join('\n')}\n${stringify(document, { lineWidth: 0 })}`;
}
