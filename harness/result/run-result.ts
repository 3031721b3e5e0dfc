// The result of a run, as written to `result.json`: versioned, self-describing, enough to re-render every report
// format without the run (renderers read only this).
import type { ClaimId } from '../claims/catalogue.js';
import type { Finding, Verdict } from '../findings/finding.js';
import type { RecordedFaultWindow } from '../scenario/context.js';
import type { Intensity, LeaderEvent, ResultTable, Series } from '../scenario/types.js';

/** Bump on incompatible changes; the JSON Schema in reports/schema/ follows it. */
export const RESULT_SCHEMA_VERSION = 1;

export type ScenarioStatus = 'completed' | 'error' | 'timeout' | 'not-applicable' | 'cancelled';

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly claims: readonly ClaimId[];
  readonly intensity: Intensity;
  readonly params: Readonly<Record<string, unknown>>;
  readonly status: ScenarioStatus;
  /** For error/timeout/not-applicable: why. */
  readonly message?: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly series: readonly Series[];
  readonly tables: readonly ResultTable[];
  readonly leaderEvents: readonly LeaderEvent[];
}

export interface ClaimSummary {
  readonly id: ClaimId;
  readonly title: string;
  readonly source: string;
  /** Worst verdict over the claim's findings; claims no selected scenario checks are absent. */
  readonly verdict: Verdict;
  readonly findings: number;
}

export interface RunResult {
  readonly schemaVersion: typeof RESULT_SCHEMA_VERSION;
  readonly tool: { readonly name: 'etcd-chaos'; readonly version: string };
  readonly run: {
    readonly id: string;
    readonly startedAt: string;
    readonly endedAt: string;
    readonly durationMs: number;
    readonly suite: 'quick' | 'full' | 'custom';
    readonly intensity: Intensity;
    readonly strict: boolean;
    /** `--accept` entries (`claim` or `claim:check`): failures matching them do not fail the exit code. */
    readonly accepted: readonly string[];
    readonly backend: 'process' | 'docker';
    readonly network: string;
    readonly host: {
      readonly hostname: string;
      readonly platform: string;
      readonly arch: string;
      readonly cpus: number;
      readonly memoryBytes: number;
    };
  };
  readonly target: {
    readonly etcdVersion: string;
    readonly requestedVersion: string;
    readonly flags: Readonly<Record<string, string>>;
    readonly presets: readonly string[];
    readonly tls: boolean;
  };
  readonly versions: { readonly etcd: string; readonly toxiproxy: string; readonly node: string };
  readonly summary: {
    readonly findings: Readonly<Record<Verdict, number>>;
    readonly claims: Readonly<Record<Verdict, number>>;
    readonly scenarioErrors: number;
    /** Failed findings matching an `--accept` entry (still reported as fail). */
    readonly acceptedFailures: number;
    readonly exitCode: number;
  };
  readonly claims: readonly ClaimSummary[];
  readonly findings: readonly Finding[];
  readonly scenarios: readonly ScenarioResult[];
  readonly faultWindows: readonly RecordedFaultWindow[];
}

/** Whether a finding matches an `--accept` entry: `claim` (every check of it) or `claim:check`. */
export function isAccepted(finding: Finding, accepted: readonly string[]): boolean {
  return accepted.some((entry) => entry === finding.claim || entry === `${finding.claim}:${finding.check}`);
}

/**
 * 0 when nothing failed; 1 when a finding failed (or, with `strict`, was inconclusive), unless every such finding is
 * accepted; 2 on harness errors.
 */
export function exitCodeFor(
  findings: readonly Finding[],
  scenarioErrors: number,
  strict: boolean,
  accepted: readonly string[] = [],
): number {
  if (scenarioErrors > 0) return 2;
  const counted = findings.filter((finding) => !isAccepted(finding, accepted));
  if (counted.some((finding) => finding.verdict === 'fail')) return 1;
  if (strict && counted.some((finding) => finding.verdict === 'inconclusive')) return 1;
  return 0;
}
