// Findings: the verdict on one claim (or one check of a claim), with what was expected, what was observed (with
// numbers and units), why, and the evidence files. Checks build them; renderers only format them.
import { type ClaimId, claim } from '../claims/catalogue.js';

export type Verdict = 'pass' | 'fail' | 'inconclusive';

export type MeasurementUnit =
  | 'ms'
  | 's'
  | 'bytes'
  | 'count'
  | 'per-minute'
  | 'percent'
  | 'revision'
  | 'ratio'
  | 'puts/s';

export interface Measurement {
  readonly name: string;
  readonly value: number;
  readonly unit: MeasurementUnit;
}

export interface Finding {
  readonly claim: ClaimId;
  readonly scenario: string;
  /** Which check of the claim (a claim may be checked several ways, e.g. one per alert). */
  readonly check: string;
  readonly title: string;
  readonly source: string;
  readonly verdict: Verdict;
  /** Why this verdict: for a fail, what the documentation says and what etcd did. */
  readonly reason: string;
  readonly expected: string;
  readonly observed: string;
  readonly measurements: readonly Measurement[];
  /** Paths relative to the report dir. */
  readonly evidence: readonly string[];
  readonly etcdVersion: string;
  /**
   * The check measures this host (its disk, its scheduler) on purpose, so the verdict may differ between machines;
   * the reason says what was measured. Absent: the verdict is about etcd alone.
   */
  readonly environmentDependent?: boolean;
}

/** What a check decides; the context (scenario, version, evidence) is added by `toFinding`. */
export interface CheckOutcome {
  readonly claim: ClaimId;
  readonly check: string;
  readonly verdict: Verdict;
  readonly reason: string;
  readonly expected: string;
  readonly observed: string;
  readonly measurements?: readonly Measurement[];
  /** See `Finding.environmentDependent`. */
  readonly environmentDependent?: boolean;
}

export function toFinding(
  outcome: CheckOutcome,
  context: { scenario: string; etcdVersion: string; evidence: readonly string[] },
): Finding {
  const about = claim(outcome.claim);
  return {
    claim: outcome.claim,
    scenario: context.scenario,
    check: outcome.check,
    title: about.title,
    source: about.source,
    verdict: outcome.verdict,
    reason: outcome.reason,
    expected: outcome.expected,
    observed: outcome.observed,
    measurements: outcome.measurements ?? [],
    evidence: context.evidence,
    etcdVersion: context.etcdVersion,
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
