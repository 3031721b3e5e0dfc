// Judging a run from its findings: which failures an `--accept` entry covers, how stable each check was across
// repetitions, and the exit code CI sees. Pure functions over the result format (harness/result/format.ts).
import { worstVerdict } from '../findings/finding.js';
import type { ExitCode, Finding, InterruptSignal, StabilityRow, Verdict, VerdictCounts } from './format.js';

export type {
  ClaimSummary,
  ExitCode,
  RunResult,
  ScenarioResult,
  ScenarioStatus,
  StabilityRow,
} from './format.js';
export { RESULT_SCHEMA_VERSION } from './format.js';

/** Whether a finding matches an `--accept` entry: `claim` (every check of it) or `claim:check`. */
export function isAccepted(finding: Finding, accepted: readonly string[]): boolean {
  return accepted.some((entry) => entry === finding.claim || entry === `${finding.claim}:${finding.check}`);
}

export const INTERRUPT_EXIT_CODES: Readonly<Record<InterruptSignal, 130 | 143>> = {
  SIGINT: 130,
  SIGTERM: 143,
};

export interface ExitCodeInput {
  readonly findings: readonly Finding[];
  readonly stability: readonly StabilityRow[];
  readonly scenarioErrors: number;
  readonly strict: boolean;
  readonly accepted?: readonly string[];
  /** The run was stopped by a signal: never green, whatever was checked before. */
  readonly interruptedBy?: InterruptSignal;
  /** The run did not end normally (the file was written mid-run, or it crashed). */
  readonly complete?: boolean;
}

/**
 * 130/143 when interrupted; 2 on harness errors or an incomplete run; 1 when a finding failed (or, with `strict`,
 * was inconclusive) unless every such finding is accepted, or when a check flipped across repetitions without
 * being environment-dependent; else 0.
 */
export function exitCodeFor(input: ExitCodeInput): ExitCode {
  if (input.interruptedBy) return INTERRUPT_EXIT_CODES[input.interruptedBy];
  if (input.complete === false || input.scenarioErrors > 0) return 2;
  const accepted = input.accepted ?? [];
  const counted = input.findings.filter((finding) => !isAccepted(finding, accepted));
  if (counted.some((finding) => finding.verdict === 'fail')) return 1;
  if (input.strict && counted.some((finding) => finding.verdict === 'inconclusive')) return 1;
  if (input.stability.some((row) => row.flipped && !row.environmentDependent)) return 1;
  return 0;
}

export function countVerdicts(verdicts: readonly Verdict[]): VerdictCounts {
  return {
    pass: verdicts.filter((verdict) => verdict === 'pass').length,
    fail: verdicts.filter((verdict) => verdict === 'fail').length,
    inconclusive: verdicts.filter((verdict) => verdict === 'inconclusive').length,
  };
}

/**
 * One row per check (scenario, claim, check, and the matrix cell it ran on) over `repeat` repetitions: the same check
 * on two releases is two checks, which may rightly disagree. A repetition without a finding for a check
 * (its scenario errored or never ran, leaving one inconclusive finding for the whole claim) counts as that
 * finding's verdict, so every row's counts add up to `repeat` and a check cannot hide a flip by going missing.
 */
export function stabilityOf(findings: readonly Finding[], repeat: number): StabilityRow[] {
  const groups = new Map<string, Finding[]>();
  for (const finding of findings) {
    const target = finding.target ? `${finding.target.version}/${finding.target.backend}` : '';
    const key = `${finding.scenario}\u0000${finding.claim}\u0000${target}`;
    groups.set(key, [...(groups.get(key) ?? []), finding]);
  }
  const rows: StabilityRow[] = [];
  for (const group of groups.values()) {
    const first = group[0] as Finding;
    // A claim-wide stand-in (no check ran) carries the claim's title as its check name.
    const standIn = (finding: Finding) =>
      finding.check === finding.title && finding.verdict === 'inconclusive';
    const checks = [...new Set(group.filter((finding) => !standIn(finding)).map((finding) => finding.check))];
    if (checks.length === 0) checks.push(first.check);
    for (const check of checks) {
      const verdicts: Verdict[] = [];
      let environmentDependent = false;
      for (let repetition = 1; repetition <= repeat; repetition++) {
        const inRepetition = group.filter((finding) => finding.repetition === repetition);
        const own = inRepetition.filter((finding) => finding.check === check);
        if (own.some((finding) => finding.environmentDependent)) environmentDependent = true;
        const decided = own.length > 0 ? own : inRepetition.filter(standIn);
        verdicts.push(
          decided.length > 0 ? worstVerdict(decided.map((finding) => finding.verdict)) : 'inconclusive',
        );
      }
      const counts = countVerdicts(verdicts);
      const mostCommon = Math.max(counts.pass, counts.fail, counts.inconclusive);
      rows.push({
        claim: first.claim,
        scenario: first.scenario,
        check,
        ...(first.target ? { target: first.target } : {}),
        verdicts: counts,
        flipRate: repeat === 0 ? 0 : (repeat - mostCommon) / repeat,
        flipped: mostCommon < repeat,
        environmentDependent,
      });
    }
  }
  return rows;
}
