// Alert coverage: for one injected failure, which alerts (the guide's, etcd's mixin) Prometheus reported pending and
// firing, how soon after injection, and which of those meant for that failure stayed silent. A failure that pages
// nobody fails the claim; intended alerts that stayed silent are named in the reason.
import type { AlertWindowState } from '../alerting/alert-watch.js';
import { type CheckOutcome, type Measurement, measure } from '../findings/finding.js';

export interface CoverageRecord {
  /** `quorum loss`, `fsync delay 40 ms`, ... */
  readonly failure: string;
  /** What was done (`kill on m1, m2`). */
  readonly injected: string;
  readonly timeFactor: number;
  /** How long the failure was held. */
  readonly heldMs: number;
  readonly injectedAt: number;
  /** Every alert Prometheus knows, over the window from injection to heal. */
  readonly alerts: readonly AlertWindowState[];
  /** Alerts whose purpose is this failure (by their own description). */
  readonly intended: readonly string[];
  /** Why the failure could not be injected here (the finding is then inconclusive). */
  readonly unavailable?: string;
  /** What the cluster looked like at the end of the hold (`m2 running`), for a failure that paged nobody. */
  readonly note?: string;
  /**
   * Why the intended alerts cannot be judged at this time-compression factor (they read a metric etcd observes at a
   * fixed real-time interval, too rarely for the compressed window): silence is then inconclusive, not a fail.
   */
  readonly unjudgeable?: string;
  /** Whether promtool, replaying the recorded series at production speed on the uncompressed rules, agrees. */
  readonly replay?: string;
}

export interface CoverageRow {
  readonly fired: readonly { alert: string; pendingAfterMs: number | undefined; firingAfterMs: number }[];
  readonly pendingOnly: readonly { alert: string; pendingAfterMs: number }[];
  readonly silentIntended: readonly string[];
}

export function coverageOf(record: CoverageRecord): CoverageRow {
  const fired = record.alerts
    .filter((state) => state.firingAt !== undefined)
    .map((state) => ({
      alert: state.alert,
      pendingAfterMs: state.pendingAt === undefined ? undefined : state.pendingAt - record.injectedAt,
      firingAfterMs: (state.firingAt ?? 0) - record.injectedAt,
    }))
    .sort((a, b) => a.firingAfterMs - b.firingAfterMs);
  const pendingOnly = record.alerts
    .filter((state) => state.firingAt === undefined && state.pendingAt !== undefined)
    .map((state) => ({ alert: state.alert, pendingAfterMs: (state.pendingAt ?? 0) - record.injectedAt }));
  const silentIntended = record.intended.filter((alert) => !fired.some((entry) => entry.alert === alert));
  return { fired, pendingOnly, silentIntended };
}

const s = (ms: number | undefined) => (ms === undefined ? '?' : `${(ms / 1000).toFixed(1)} s`);

export function checkAlertCoverage(record: CoverageRecord): CheckOutcome {
  const expected = `at least one alert fires within ${s(record.heldMs)} (${s(record.heldMs * record.timeFactor)} of production time); meant for it: ${record.intended.join(', ') || '(none)'}`;
  if (record.unavailable) {
    return {
      claim: 'alerts.coverage',
      check: record.failure,
      verdict: 'inconclusive',
      reason: `could not inject ${record.failure} here: ${record.unavailable}`,
      expected,
      observed: 'not injected',
      measurements: [measure('time-compression factor', record.timeFactor, 'ratio')],
    };
  }
  const row = coverageOf(record);
  const firedText = row.fired
    .map(
      (entry) =>
        `${entry.alert} (${entry.pendingAfterMs === undefined ? 'no for:, ' : `pending ${s(entry.pendingAfterMs)}, `}firing ${s(entry.firingAfterMs)})`,
    )
    .join(', ');
  const measurements: Measurement[] = [
    measure('time-compression factor', record.timeFactor, 'ratio'),
    measure('held', record.heldMs / 1000, 's'),
    measure('alerts firing', row.fired.length, 'count'),
  ];
  const first = row.fired[0];
  if (first) measurements.push(measure('first alert firing after', first.firingAfterMs / 1000, 's'));
  const silent =
    row.silentIntended.length > 0 ? `; meant for it but silent: ${row.silentIntended.join(', ')}` : '';
  const replay = record.replay ? `; ${record.replay}` : '';
  return {
    claim: 'alerts.coverage',
    check: record.failure,
    verdict: row.fired.length > 0 ? 'pass' : record.unjudgeable ? 'inconclusive' : 'fail',
    reason:
      (row.fired.length > 0
        ? `${record.injected} paged through ${row.fired.length} alert(s), first ${first?.alert} after ${s(first?.firingAfterMs)} (${s((first?.firingAfterMs ?? 0) * record.timeFactor)} of production time at factor ${record.timeFactor})${silent}`
        : `${record.injected} for ${s(record.heldMs)} paged nobody: no alert of the guide or of etcd's mixin reached firing${row.pendingOnly.length > 0 ? ` (pending only: ${row.pendingOnly.map((entry) => entry.alert).join(', ')})` : ''}${silent}${record.note ? `; ${record.note}` : ''}${record.unjudgeable ? `; not judged at this factor: ${record.unjudgeable}` : ''}`) +
      replay,
    expected,
    observed: `firing: ${firedText || 'none'}; pending only: ${row.pendingOnly.map((entry) => `${entry.alert} (${s(entry.pendingAfterMs)})`).join(', ') || 'none'}`,
    measurements,
  };
}
