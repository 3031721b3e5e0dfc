// Assembles the RunResult from a suite's outcome and the run's metadata, and writes `result.json`.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import { claim } from '../claims/catalogue.js';
import { type Verdict, worstVerdict } from '../findings/finding.js';
import type { SuiteOutcome } from '../scenario/runner.js';
import type { Intensity, RunTarget } from '../scenario/types.js';
import { packageVersion } from '../util/package-info.js';
import { TOXIPROXY_VERSION } from '../versions/catalog.js';
import {
  type ClaimSummary,
  exitCodeFor,
  isAccepted,
  RESULT_SCHEMA_VERSION,
  type RunResult,
} from './run-result.js';

export interface RunMetadata {
  readonly runId: string;
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly suite: 'quick' | 'full' | 'custom';
  readonly intensity: Intensity;
  readonly strict: boolean;
  readonly accepted: readonly string[];
  readonly target: RunTarget;
  readonly requestedVersion: string;
  readonly presets: readonly string[];
  readonly network: string;
}

export function buildRunResult(outcome: SuiteOutcome, metadata: RunMetadata): RunResult {
  const findings = outcome.findings;
  const scenarioErrors = outcome.scenarios.filter(
    (scenario) => scenario.status === 'error' || scenario.status === 'timeout',
  ).length;
  const claimIds = [...new Set(findings.map((finding) => finding.claim))];
  const claims: ClaimSummary[] = claimIds.map((id) => {
    const own = findings.filter((finding) => finding.claim === id);
    const about = claim(id);
    return {
      id,
      title: about.title,
      source: about.source,
      verdict: worstVerdict(own.map((finding) => finding.verdict)),
      findings: own.length,
    };
  });
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    tool: { name: 'etcd-chaos', version: packageVersion() },
    run: {
      id: metadata.runId,
      startedAt: metadata.startedAt.toISOString(),
      endedAt: metadata.endedAt.toISOString(),
      durationMs: metadata.endedAt.getTime() - metadata.startedAt.getTime(),
      suite: metadata.suite,
      intensity: metadata.intensity,
      strict: metadata.strict,
      accepted: metadata.accepted,
      backend: metadata.target.backend,
      network: metadata.network,
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
    },
    versions: {
      etcd: metadata.target.version.toString(),
      toxiproxy: TOXIPROXY_VERSION,
      node: process.version,
    },
    summary: {
      findings: countVerdicts(findings.map((finding) => finding.verdict)),
      claims: countVerdicts(claims.map((entry) => entry.verdict)),
      scenarioErrors,
      acceptedFailures: findings.filter(
        (finding) => finding.verdict === 'fail' && isAccepted(finding, metadata.accepted),
      ).length,
      exitCode: exitCodeFor(findings, scenarioErrors, metadata.strict, metadata.accepted),
    },
    claims,
    findings,
    scenarios: outcome.scenarios,
    faultWindows: outcome.faultWindows,
  };
}

export async function writeRunResult(reportDir: string, result: RunResult): Promise<string> {
  await mkdir(reportDir, { recursive: true });
  const path = join(reportDir, 'result.json');
  // NaN and Infinity have no JSON form: write them as null rather than lose the document.
  await writeFile(
    path,
    `${JSON.stringify(result, (_key, value) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`,
  );
  return path;
}

function countVerdicts(verdicts: readonly Verdict[]): Record<Verdict, number> {
  return {
    pass: verdicts.filter((verdict) => verdict === 'pass').length,
    fail: verdicts.filter((verdict) => verdict === 'fail').length,
    inconclusive: verdicts.filter((verdict) => verdict === 'inconclusive').length,
  };
}
