// `etcd-chaos bench suite`: wall time of the quick suite on one version, per scenario, against the 3-minute budget
// (the same code path as `etcd-chaos run`; reports go to a temp dir that is removed).
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { resolveEtcd } from '../binaries/resolve-etcd.js';
import { ClaimCatalogue } from '../claims/catalogue.js';
import { TEMP_DIR_PREFIX, tempRoot } from '../paths.js';
import { runScenario } from '../scenario/runner.js';
import type { Intensity, ScenarioDefinition } from '../scenario/types.js';
import { Session } from '../session.js';
import { capabilitiesOf } from '../versions/capabilities.js';
import { resolveVersion } from '../versions/version.js';
import { round } from './stats.js';

export const QUICK_SUITE_BUDGET_MS = 180_000;

export interface SuiteBenchRow {
  readonly scenario: string;
  readonly durationMs: number;
  readonly status: string;
  readonly verdicts: string;
}

export interface SuiteBenchResult {
  readonly version: string;
  readonly intensity: Intensity;
  readonly wallMs: number;
  readonly budgetMs: number;
  readonly ratioToBudget: number;
  readonly rows: readonly SuiteBenchRow[];
}

export async function benchSuite(options: {
  /** The suite's scenarios (the built-in ones, handed in by the CLI's composition root). */
  scenarios: readonly ScenarioDefinition[];
  version?: string;
  intensity?: Intensity;
  onRow?: (row: SuiteBenchRow) => void;
  signal?: AbortSignal;
}): Promise<SuiteBenchResult> {
  const version = resolveVersion(options.version ?? 'default');
  await resolveEtcd(version);
  const reportDir = mkdtempSync(join(tempRoot(), `${TEMP_DIR_PREFIX}bench-suite-`));
  const rows: SuiteBenchRow[] = [];
  const startedAt = performance.now();
  try {
    await using session = await Session.open();
    for (const definition of options.scenarios.filter((entry) => entry.suites?.includes('quick') ?? true)) {
      options.signal?.throwIfAborted();
      const outcome = await runScenario(definition, {
        intensity: options.intensity ?? 'quick',
        target: {
          version,
          capabilities: capabilitiesOf(version),
          flags: {},
          tls: false,
          network: 'auto',
          backend: 'process',
          images: {},
        },
        session,
        reportDir,
        catalogue: ClaimCatalogue.builtIn(),
        signal: options.signal ?? new AbortController().signal,
      });
      const counts = new Map<string, number>();
      for (const finding of outcome.findings)
        counts.set(finding.verdict, (counts.get(finding.verdict) ?? 0) + 1);
      const row = {
        scenario: definition.id,
        durationMs: outcome.result.durationMs,
        status: outcome.result.status,
        verdicts: [...counts.entries()].map(([verdict, count]) => `${count} ${verdict}`).join(', '),
      };
      rows.push(row);
      options.onRow?.(row);
    }
  } finally {
    rmSync(reportDir, { recursive: true, force: true });
  }
  const wallMs = performance.now() - startedAt;
  return {
    version: version.toString(),
    intensity: options.intensity ?? 'quick',
    wallMs: round(wallMs),
    budgetMs: QUICK_SUITE_BUDGET_MS,
    ratioToBudget: round(wallMs / QUICK_SUITE_BUDGET_MS, 2),
    rows,
  };
}
