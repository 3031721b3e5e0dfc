// A scenario's cluster on production-size data: the run's --scale profile (or the one asked for), generated once per
// run (seed.ts) and restored into every member's fresh data dir before the first start, with a quota that fits it.
import type { ClusterSpec } from '../cluster/spec.js';
import type { StartedCluster } from '../cluster/types.js';
import { quotaBytesOf } from '../faults/quota.js';
import { restoreInitializer } from '../procedures/snapshot.js';
import type { ScenarioContext } from '../scenario/types.js';
import { requireFreeDisk } from '../util/disk.js';
import { SCALE_PROFILES, type ScaleProfile } from './profiles.js';
import { type SeededSnapshot, seedSnapshot } from './seed.js';

export interface SeededCluster {
  readonly cluster: StartedCluster;
  readonly seed: SeededSnapshot;
  /** How long each member's `snapshot restore` took. */
  readonly restoreMs: readonly { readonly member: string; readonly durationMs: number }[];
}

export interface SeededClusterOptions {
  /** Default: the run's --scale, else `small`. */
  readonly profile?: ScaleProfile;
  /** Default: the run's cluster spec. */
  readonly spec?: ClusterSpec;
  /** Flags on top of the spec's (a scenario's own). A `quota-backend-bytes` here is kept as it is. */
  readonly flags?: Readonly<Record<string, string>>;
}

const GiB = 1024 ** 3;

export async function startSeededCluster(
  ctx: ScenarioContext<unknown>,
  options: SeededClusterOptions = {},
): Promise<SeededCluster> {
  const profile = options.profile ?? ctx.target.scale ?? SCALE_PROFILES.small;
  const seed = await seedSnapshot(ctx.session, ctx.target.version, profile, {
    signal: ctx.signal,
    onProgress: (message) => ctx.step(message),
  });
  const dbBytes = seed.snapshotBytes;
  await requireFreeDisk(
    `restoring the ${profile.name} keyspace into 3 members`,
    ctx.session.workDir,
    3.3 * dbBytes + GiB,
  );
  await ctx.evidence.json(`seed-${profile.name}.json`, {
    profile: { ...profile, mix: profile.mix.map((entry) => entry.resource) },
    generation: seed.generation,
    snapshotBytes: seed.snapshotBytes,
    snapshotSaveMs: seed.saveMs,
  });
  const spec = options.spec ?? ctx.clusterSpec();
  if (options.flags) spec.withFlags(options.flags);
  // The data must fit under the quota with room to write: raise it where the run's (or etcd's 2 GiB default) does not.
  const flags = spec.toSpec().flags;
  const quota = Number(flags['quota-backend-bytes'] ?? Number.NaN);
  const effectiveQuota = Number.isFinite(quota) && quota > 0 ? quota : 2 * GiB;
  if (
    options.flags?.['quota-backend-bytes'] === undefined &&
    effectiveQuota < dbBytes * 1.5 + 512 * 1024 ** 2
  ) {
    const raised = Math.min(Math.max(8 * GiB, Math.ceil(dbBytes * 2)), 64 * GiB);
    spec.withFlags({ 'quota-backend-bytes': String(raised) });
    ctx.step(`--quota-backend-bytes raised to ${raised} for the ${profile.name} keyspace`);
  }
  const restoreMs: { member: string; durationMs: number }[] = [];
  const restore = restoreInitializer(seed.path, {
    recordTool: (label, run) => ctx.recordTool(label, run),
    extraArgs: { timeoutMs: Math.max(120_000, (dbBytes / (10 * 1024 ** 2)) * 1000) },
  });
  spec
    .withDataDirInitializer(async (init) => {
      const startedAt = Date.now();
      await restore(init);
      restoreMs.push({ member: init.member, durationMs: Date.now() - startedAt });
    })
    .withStartTimeout(Math.max(60_000, (dbBytes / (20 * 1024 ** 2)) * 1000));
  ctx.step(
    `restoring the ${profile.name} snapshot (${(dbBytes / 1024 ** 2).toFixed(0)} MiB) into every member`,
  );
  const cluster = await ctx.startCluster(spec);
  return { cluster, seed, restoreMs };
}

export { quotaBytesOf };
