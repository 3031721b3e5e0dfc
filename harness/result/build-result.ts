// Assembles the RunResult from what a run found so far and the run's metadata. Called after every scenario (an
// incomplete result, `complete: false`) and once at the end, so a crash never loses what was already checked.
import { cpus, hostname, totalmem } from 'node:os';
import type { ClaimCatalogue } from '../claims/catalogue.js';
import { worstVerdict } from '../findings/finding.js';
import type { SuiteOutcome } from '../scenario/runner.js';
import type { RunTarget } from '../scenario/types.js';
import { packageVersion } from '../util/package-info.js';
import { TOXIPROXY_VERSION } from '../versions/catalog.js';
import {
  type ClaimSummary,
  type Finding,
  type Intensity,
  type InterruptSignal,
  RESULT_SCHEMA_VERSION,
  type RunResult,
} from './format.js';
import { countVerdicts, exitCodeFor, INTERRUPT_EXIT_CODES, isAccepted, stabilityOf } from './run-result.js';

export interface RunMetadata {
  readonly runId: string;
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly suite: 'quick' | 'full' | 'custom';
  readonly intensity: Intensity;
  readonly repeat: number;
  readonly strict: boolean;
  readonly accepted: readonly string[];
  readonly target: RunTarget;
  /** Every cell of the matrix (--etcd-version × --backend); `target` is the first. */
  readonly targets?: readonly RunTarget[];
  /** --shard I/N: the result holds only that part of the matrix. */
  readonly shard?: { readonly index: number; readonly count: number };
  readonly requestedVersion: string;
  readonly presets: readonly string[];
  readonly network: string;
  readonly catalogue: ClaimCatalogue;
  /** False while the run goes on (the file is rewritten after every scenario). */
  readonly complete: boolean;
  readonly interruption?: { readonly signal: InterruptSignal; readonly at: Date };
}

/** One summary per claim the findings name: the worst verdict over its findings (`about` gives title and source). */
export function claimSummaries(
  findings: readonly Finding[],
  about: (id: string) => { readonly title: string; readonly source: string },
): ClaimSummary[] {
  const claimIds = [...new Set(findings.map((finding) => finding.claim))];
  return claimIds.map((id) => {
    const own = findings.filter((finding) => finding.claim === id);
    const { title, source } = about(id);
    return {
      id,
      title,
      source,
      verdict: worstVerdict(own.map((finding) => finding.verdict)),
      findings: own.length,
      ...(own.every((finding) => finding.notRun) ? { notRun: true } : {}),
    };
  });
}

/** The summary block (counts and exit code) of a result, from its findings, stability and scenarios. */
export function runSummary(input: {
  readonly findings: readonly Finding[];
  readonly claims: readonly ClaimSummary[];
  readonly stability: RunResult['stability'];
  readonly scenarios: RunResult['scenarios'];
  readonly strict: boolean;
  readonly accepted: readonly string[];
  readonly interruptedBy: InterruptSignal | undefined;
  readonly complete: boolean;
}): RunResult['summary'] {
  const { findings, stability } = input;
  const scenarioErrors = input.scenarios.filter(
    (scenario) => scenario.status === 'error' || scenario.status === 'timeout',
  ).length;
  return {
    findings: countVerdicts(findings.map((finding) => finding.verdict)),
    claims: countVerdicts(input.claims.map((entry) => entry.verdict)),
    scenarioErrors,
    acceptedFailures: findings.filter(
      (finding) => finding.verdict === 'fail' && isAccepted(finding, input.accepted),
    ).length,
    notRun: findings.filter((finding) => finding.notRun).length,
    flippedChecks: stability.filter((row) => row.flipped).length,
    exitCode: exitCodeFor({
      findings,
      stability,
      scenarioErrors,
      strict: input.strict,
      accepted: input.accepted,
      interruptedBy: input.interruptedBy,
      complete: input.complete,
    }),
  };
}

export function buildRunResult(outcome: SuiteOutcome, metadata: RunMetadata): RunResult {
  const findings = outcome.findings;
  const claims = claimSummaries(findings, (id) => metadata.catalogue.get(id));
  const stability = stabilityOf(findings, metadata.repeat);
  const interruptedBy = metadata.interruption?.signal;
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    tool: { name: 'etcd-chaos', version: packageVersion() },
    complete: metadata.complete,
    ...(metadata.interruption
      ? {
          interruption: {
            signal: metadata.interruption.signal,
            at: metadata.interruption.at.toISOString(),
            exitCode: INTERRUPT_EXIT_CODES[metadata.interruption.signal],
          },
        }
      : {}),
    run: {
      id: metadata.runId,
      startedAt: metadata.startedAt.toISOString(),
      endedAt: metadata.endedAt.toISOString(),
      durationMs: metadata.endedAt.getTime() - metadata.startedAt.getTime(),
      suite: metadata.suite,
      intensity: metadata.intensity,
      repeat: metadata.repeat,
      strict: metadata.strict,
      accepted: metadata.accepted,
      backend: metadata.target.backend,
      network: metadata.network,
      ...(metadata.targets
        ? {
            matrix: {
              targets: metadata.targets.map((target) => ({
                version: target.version.toString(),
                backend: target.backend,
              })),
              ...(metadata.shard
                ? { shard: { index: metadata.shard.index, count: metadata.shard.count } }
                : {}),
            },
          }
        : {}),
      host: {
        hostname: hostname(),
        platform: process.platform,
        arch: process.arch,
        cpus: cpus().length,
        memoryBytes: totalmem(),
      },
    },
    target: {
      etcdVersion: metadata.target.version.toString(),
      requestedVersion: metadata.requestedVersion,
      flags: metadata.target.flags,
      presets: metadata.presets,
      tls: metadata.target.tls,
      ...(metadata.target.manifest ? { manifest: metadata.target.manifest } : {}),
      ...(metadata.target.seedSnapshot ? { seedSnapshot: metadata.target.seedSnapshot } : {}),
      ...(metadata.target.scale
        ? {
            scale: {
              name: metadata.target.scale.name,
              keys: metadata.target.scale.keys,
              dbBytes: metadata.target.scale.dbBytes,
              seed: metadata.target.scale.seed,
            },
          }
        : {}),
    },
    versions: {
      etcd: metadata.target.version.toString(),
      toxiproxy: TOXIPROXY_VERSION,
      node: process.version,
    },
    summary: runSummary({
      findings,
      claims,
      stability,
      scenarios: outcome.scenarios,
      strict: metadata.strict,
      accepted: metadata.accepted,
      interruptedBy,
      complete: metadata.complete,
    }),
    claims,
    findings,
    stability,
    scenarios: outcome.scenarios,
    faultWindows: outcome.faultWindows,
  };
}
