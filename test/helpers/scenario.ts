// Runs scenarios in-process for tests, against real clusters, and returns their findings and results.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClaimCatalogue } from '../../harness/claims/catalogue.js';
import type { Backend } from '../../harness/cluster/types.js';
import type { Finding } from '../../harness/findings/finding.js';
import type { ScenarioResult } from '../../harness/result/run-result.js';
import { runSuite } from '../../harness/scenario/runner.js';
import type { Intensity, ScenarioDefinition } from '../../harness/scenario/types.js';
import { Session } from '../../harness/session.js';
import { capabilitiesOf } from '../../harness/versions/capabilities.js';
import { resolveVersion } from '../../harness/versions/version.js';

export interface ScenarioTestRun {
  readonly findings: readonly Finding[];
  readonly result: ScenarioResult;
  readonly reportDir: string;
  /** The finding of `claim` (the first, when a claim has several checks). */
  finding(claim: string): Finding;
}

export async function runScenarioForTest(
  definition: ScenarioDefinition,
  options: {
    version?: string;
    intensity?: Intensity;
    params?: Record<string, unknown>;
    tls?: boolean;
    flags?: Record<string, string>;
    backend?: Backend;
  } = {},
): Promise<ScenarioTestRun> {
  const version = resolveVersion(options.version ?? 'default');
  const reportDir = mkdtempSync(join(tmpdir(), 'etcd-chaos-scenario-test-'));
  await using session = await Session.open();
  const outcome = await runSuite({
    scenarios: [definition],
    intensity: options.intensity ?? 'quick',
    target: {
      version,
      capabilities: capabilitiesOf(version),
      flags: options.flags ?? {},
      tls: options.tls ?? false,
      network: 'auto',
      backend: options.backend ?? 'process',
      images: {},
    },
    session,
    reportDir,
    catalogue: ClaimCatalogue.builtIn(),
    signal: new AbortController().signal,
    params: options.params ? { [definition.id]: options.params } : undefined,
  });
  const result = outcome.scenarios[0]!;
  return {
    findings: outcome.findings,
    result,
    reportDir,
    finding: (claim: string) => {
      const found = outcome.findings.find((finding) => finding.claim === claim);
      if (!found)
        throw new Error(`no finding for ${claim}; scenario ${result.status}: ${result.message ?? ''}`);
      return found;
    },
  };
}

export function removeReport(run: ScenarioTestRun): void {
  rmSync(run.reportDir, { recursive: true, force: true });
}
