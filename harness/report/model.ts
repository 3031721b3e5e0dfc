// What renderers share: verdict labels, finding order, chart inputs derived from a scenario's result.
import type { Finding, Verdict } from '../findings/finding.js';
import type { RunResult, ScenarioResult } from '../result/run-result.js';
import type { Series } from '../scenario/types.js';
import type { TimeMarker, TimeWindow } from './svg.js';

export const VERDICT_ORDER: Readonly<Record<Verdict, number>> = { fail: 0, inconclusive: 1, pass: 2 };

/** Failed findings first, then inconclusive, then passing; stable within each. */
export function orderedFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => VERDICT_ORDER[a.verdict] - VERDICT_ORDER[b.verdict]);
}

export function verdictWord(verdict: Verdict): string {
  return verdict === 'pass' ? 'PASS' : verdict === 'fail' ? 'FAIL' : 'INCONCLUSIVE';
}

/** Fault windows of a scenario (on the series' cluster when it names one), for shading. */
export function windowsFor(result: RunResult, scenario: ScenarioResult, series: Series): TimeWindow[] {
  return result.faultWindows
    .filter(
      (window) => window.scenario === scenario.id && (!series.cluster || window.cluster === series.cluster),
    )
    .map((window) => ({
      from: window.startedAt,
      to: window.endedAt ?? window.injectedAt,
      label: `${window.fault} on ${window.targets.join(', ')} ${JSON.stringify(window.params)}`,
      lane: window.fault,
    }));
}

/** Leader changes (a named leader replacing another) on the series' cluster, as chart markers. */
export function leaderMarkersFor(scenario: ScenarioResult, series: Series): TimeMarker[] {
  const markers: TimeMarker[] = [];
  const byCluster = new Map<string, string | undefined>();
  for (const event of [...scenario.leaderEvents].sort((a, b) => a.at - b.at)) {
    if (series.cluster && event.cluster !== series.cluster) continue;
    const previous = byCluster.get(event.cluster);
    if (event.leader && previous && event.leader !== previous)
      markers.push({ at: event.at, label: `→ ${event.leader}` });
    if (event.leader) byCluster.set(event.cluster, event.leader);
  }
  return markers;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
