// What renderers share: verdict labels, finding order, chart inputs derived from a scenario's result.
import type { Finding, RunResult, ScenarioResult, Series, Target, Verdict } from '../result/format.js';
import type { TimeMarker, TimeWindow } from './svg.js';

export const VERDICT_ORDER: Readonly<Record<Verdict, number>> = { fail: 0, inconclusive: 1, pass: 2 };

/** Failed findings first, then inconclusive, then passing; stable within each. */
export function orderedFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => VERDICT_ORDER[a.verdict] - VERDICT_ORDER[b.verdict]);
}

export function verdictWord(verdict: Verdict): string {
  return verdict === 'pass' ? 'PASS' : verdict === 'fail' ? 'FAIL' : 'INCONCLUSIVE';
}

/** The label of a finding's verdict: NOT RUN for checks an interruption (or a crash) kept from running. */
export function findingWord(finding: Finding): string {
  return finding.notRun ? 'NOT RUN' : verdictWord(finding.verdict);
}

/** Whether a finding or fault window belongs to a scenario run: same scenario, repetition and matrix cell. */
export function belongsTo(
  item: { readonly scenario: string; readonly repetition: number },
  itemTarget: Target | undefined,
  scenario: ScenarioResult,
): boolean {
  return (
    item.scenario === scenario.id &&
    item.repetition === scenario.repetition &&
    (!itemTarget || !scenario.target || targetLabel(itemTarget) === targetLabel(scenario.target))
  );
}

export function targetLabel(target: Target): string {
  return `etcd ${target.version} (${target.backend})`;
}

/** The findings of one scenario run (one repetition of it, on one target). */
export function findingsOf(result: RunResult, scenario: ScenarioResult): Finding[] {
  return result.findings.filter((finding) => belongsTo(finding, finding.target, scenario));
}

/** Whether the run covered more than one target (a matrix): reports then name the target everywhere. */
export function isMatrix(result: RunResult): boolean {
  return (result.run.matrix?.targets.length ?? 1) > 1;
}

/**
 * A scenario run's name in reports: its id, with the target in a matrix and the repetition when the run repeated
 * the selection.
 */
export function scenarioLabel(result: RunResult, scenario: ScenarioResult): string {
  const parts = [
    ...(isMatrix(result) && scenario.target ? [targetLabel(scenario.target)] : []),
    ...(result.run.repeat > 1 ? [`repetition ${scenario.repetition}`] : []),
  ];
  return parts.length > 0 ? `${scenario.id} (${parts.join(', ')})` : scenario.id;
}

/** Why the run is not a full verdict, for the top of every report; undefined for a run that ended normally. */
export function runCaveat(result: RunResult): string | undefined {
  if (result.interruption)
    return `Interrupted by ${result.interruption.signal} at ${result.interruption.at}: ${result.summary.notRun} selected check(s) did not run (marked NOT RUN); exit code ${result.interruption.exitCode}.`;
  if (!result.complete)
    return `Incomplete: this result was written while the run was going on (or the run crashed); ${result.summary.notRun} selected check(s) had not run yet.`;
  return undefined;
}

/** A stability row's state in words: stable, flipped, or flipped but environment-dependent (allowed). */
export function stabilityWord(row: RunResult['stability'][number]): string {
  if (!row.flipped) return 'stable';
  return row.environmentDependent ? 'flipped (environment-dependent)' : 'flipped';
}

/** The stability line of a check for people: `pass 5/5` or `pass 3, fail 2 of 5 (flip rate 40 %)`. */
export function describeStability(row: RunResult['stability'][number], repeat: number): string {
  const parts = (['pass', 'fail', 'inconclusive'] as const)
    .filter((verdict) => row.verdicts[verdict] > 0)
    .map((verdict) => `${verdict} ${row.verdicts[verdict]}`);
  return row.flipped
    ? `${parts.join(', ')} of ${repeat} (flip rate ${(row.flipRate * 100).toFixed(0)} %)`
    : `${parts.join(', ')}/${repeat}`;
}

/** Fault windows of a scenario (on the series' cluster when it names one), for shading. */
export function windowsFor(result: RunResult, scenario: ScenarioResult, series: Series): TimeWindow[] {
  return result.faultWindows
    .filter(
      (window) =>
        belongsTo(window, window.cell, scenario) && (!series.cluster || window.cluster === series.cluster),
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
