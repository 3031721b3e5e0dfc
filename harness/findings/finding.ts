// Findings: the verdict on one claim (or one check of a claim), with what was expected, what was observed (with
// numbers and units), why, and the evidence files. Checks decide outcomes; `toFinding` adds where and when.
import type { Claim } from '../claims/catalogue.js';
import type { Finding, Measurement, MeasurementUnit, Target, Verdict } from '../result/format.js';

export type { Finding, Measurement, MeasurementUnit, Verdict } from '../result/format.js';

/** What a check decides; the context (scenario, version, repetition, evidence) is added by `toFinding`. */
export interface CheckOutcome {
  readonly claim: string;
  /** Which check of the claim: a stable name (no measured values in it), so repetitions line up. */
  readonly check: string;
  readonly verdict: Verdict;
  readonly reason: string;
  readonly expected: string;
  readonly observed: string;
  readonly measurements?: readonly Measurement[];
  /**
   * The verdict follows this host's own performance on purpose (e.g. an alert's quiet window measures the host's
   * disk): its flips across repetitions are reported as such instead of counting as an unstable check.
   */
  readonly environmentDependent?: boolean;
}

export interface FindingContext {
  readonly scenario: string;
  readonly etcdVersion: string;
  /** The matrix cell the check ran on. */
  readonly target?: Target;
  readonly evidence: readonly string[];
  /** 1..N under `--repeat N`. */
  readonly repetition: number;
  /** The claim as the catalogue describes it (title and source go into the finding). */
  readonly about: Pick<Claim, 'title' | 'source'>;
}

/** For a check whose outcomes differ only in verdict and reason: everything else is given once. */
export function outcomeWith(
  fixed: Omit<CheckOutcome, 'verdict' | 'reason'>,
): (verdict: Verdict, reason: string) => CheckOutcome {
  return (verdict, reason) => ({ ...fixed, verdict, reason });
}

export function toFinding(outcome: CheckOutcome, context: FindingContext): Finding {
  return {
    claim: outcome.claim,
    scenario: context.scenario,
    check: outcome.check,
    title: context.about.title,
    source: context.about.source,
    verdict: outcome.verdict,
    reason: outcome.reason,
    expected: outcome.expected,
    observed: outcome.observed,
    measurements: outcome.measurements ?? [],
    evidence: context.evidence,
    etcdVersion: context.etcdVersion,
    ...(context.target ? { target: context.target } : {}),
    repetition: context.repetition,
    ...(outcome.environmentDependent ? { environmentDependent: true } : {}),
  };
}

export function measure(name: string, value: number, unit: MeasurementUnit): Measurement {
  return { name, value: Number.isFinite(value) ? Math.round(value * 1000) / 1000 : value, unit };
}

/** The worst verdict: fail > inconclusive > pass. */
export function worstVerdict(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes('fail')) return 'fail';
  if (verdicts.includes('inconclusive')) return 'inconclusive';
  return 'pass';
}

export function formatBytes(bytes: number): string {
  if (Math.abs(bytes) >= 1024 * 1024) return `${(bytes / 1048576).toFixed(1)} MiB`;
  if (Math.abs(bytes) >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}
