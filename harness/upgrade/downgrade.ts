// The documented downgrade: from 3.6 on, `etcdctl downgrade validate` and `enable` for the previous minor, wait until
// every member's storage version is migrated, then swap members one by one, leader last; 3.5 → 3.4 instead restarts
// members on a 3.4.32+ binary with `--next-cluster-version-compatible` (no downgrade API in 3.5).
import type { EtcdBinaries } from '../binaries/types.js';
import type { EtcdFlags } from '../cluster/flags.js';
import { type ToolRun, toolRunOf } from '../procedures/tool-run.js';
import { pollUntil } from '../util/wait.js';
import { capabilitiesOf } from '../versions/capabilities.js';
import type { RehearsalStep } from './availability.js';
import type { RehearsalPath } from './preconditions.js';
import { runRollingSwap, type SwappableCluster } from './rehearsal.js';
import type { RollingRecord } from './rehearsal-run.js';
import type { VersionSampler } from './version-probe.js';

/** What a downgrade rehearsal recorded on top of the rolling record. */
export interface DowngradeRecord extends RollingRecord {
  readonly procedure: string;
  /** `etcdctl downgrade validate` and `enable` (API path); exit codes and their first output line. */
  readonly apiRuns: readonly {
    readonly command: string;
    readonly exitCode: number;
    readonly output: string;
  }[];
  /** ms from `downgrade enable` until every member reported the target storage version (API path). */
  readonly storageMigratedAfterMs: number | undefined;
}

export interface DowngradeOptions {
  readonly cluster: SwappableCluster;
  readonly path: RehearsalPath;
  readonly target: EtcdBinaries;
  readonly sampler: VersionSampler;
  /** The user's flags (the 3.4 path adds `next-cluster-version-compatible` to them). */
  readonly flags: EtcdFlags;
  /** How long `downgrade enable` may take to migrate every member's storage version (default 30 s). */
  readonly migrationTimeoutMs?: number;
  readonly onStep?: (message: string) => void;
  readonly recordTool?: (label: string, run: ToolRun) => void;
  readonly signal?: AbortSignal;
}

export interface DowngradeRun {
  readonly procedure: string;
  readonly steps: readonly RehearsalStep[];
  readonly apiRuns: readonly {
    readonly command: string;
    readonly exitCode: number;
    readonly output: string;
  }[];
  readonly storageMigratedAfterMs: number | undefined;
}

export async function runDowngrade(options: DowngradeOptions): Promise<DowngradeRun> {
  const { cluster, path, target } = options;
  const steps: RehearsalStep[] = [];
  const apiRuns: DowngradeRun['apiRuns'][number][] = [];
  let storageMigratedAfterMs: number | undefined;
  const viaApi = capabilitiesOf(path.from).downgradeApi;
  if (viaApi) {
    for (const action of ['validate', 'enable'] as const) {
      const startedAt = Date.now();
      options.onStep?.(`etcdctl downgrade ${action} ${path.to.line}`);
      const result = await cluster.etcdctl(['downgrade', action, path.to.line], { allowFailure: true });
      const run = toolRunOf(result);
      options.recordTool?.(`etcdctl downgrade ${action} ${path.to.line}`, run);
      const output = (result.stdout.trim() || result.stderr.trim()).split('\n')[0] ?? '';
      apiRuns.push({
        command: `etcdctl downgrade ${action} ${path.to.line}`,
        exitCode: result.exitCode,
        output,
      });
      steps.push({
        name: `downgrade ${action} ${path.to.line}`,
        startedAt,
        endedAt: Date.now(),
        ...(result.exitCode === 0 ? {} : { error: output }),
      });
      if (result.exitCode !== 0)
        return { procedure: procedureOf(viaApi, path), steps, apiRuns, storageMigratedAfterMs };
    }
    // The guide: confirm every member's storage version is the target before stopping any of them.
    options.onStep?.(`waiting for the storage version ${path.to.line}.0 on every member`);
    const enabledAt = steps[steps.length - 1]!.endedAt;
    const startedAt = Date.now();
    const migratedAt = await pollUntil(
      async () => {
        const sample = await options.sampler.sampleNow();
        return sample.every((reading) => reading.storage === `${path.to.line}.0`) && Date.now();
      },
      {
        timeoutMs: Math.max(0, enabledAt + (options.migrationTimeoutMs ?? 30_000) - Date.now()),
        intervalMs: 250,
        signal: options.signal,
        what: `the storage version ${path.to.line}.0 on every member`,
      },
    );
    if (migratedAt !== undefined) storageMigratedAfterMs = migratedAt - enabledAt;
    steps.push({
      name: `storage version migrated to ${path.to.line}`,
      startedAt,
      endedAt: Date.now(),
      ...(storageMigratedAfterMs === undefined
        ? { error: `the storage version was not ${path.to.line}.0 on every member within the wait` }
        : {}),
    });
    if (storageMigratedAfterMs === undefined)
      return { procedure: procedureOf(viaApi, path), steps, apiRuns, storageMigratedAfterMs };
  }
  const flags = viaApi ? undefined : { ...options.flags, 'next-cluster-version-compatible': 'true' };
  steps.push(
    ...(await runRollingSwap({
      cluster,
      binariesFor: () => target,
      flagsFor: () => flags,
      onStep: options.onStep,
      signal: options.signal,
    })),
  );
  return { procedure: procedureOf(viaApi, path), steps, apiRuns, storageMigratedAfterMs };
}

function procedureOf(viaApi: boolean, path: RehearsalPath): string {
  return viaApi
    ? `etcdctl downgrade validate/enable ${path.to.line}, storage version migrated, binary swap member by member, leader last`
    : `binary swap member by member to ${path.to} with --next-cluster-version-compatible, leader last`;
}
