// Upgrade rehearsal, following etcd's upgrade guides: a cluster on the old release with the run's flags, a
// Kubernetes-like keyspace and the ledger workload; snapshot from the leader; the documented preconditions (one minor
// at a time, minimum patch release, removed flags, `etcdutl check v2store` before 3.6); members swapped one at a time,
// health between steps, an optional fault; then availability per step, nothing lost, the cluster version moving only
// when every member runs the new release, hashKV equal, the old snapshot restored with the new tool, and a skip
// (two minors) attempted on a separate cluster to see etcd refuse it.
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import {
  attemptSkip,
  checkClusterVersionMoves,
  checkRollingKeepsData,
  checkSkipRefused,
  checkSnapshotCompat,
  checkUpgradePreconditions,
  closeRehearsal,
  defineScenario,
  type EtcdVersion,
  type Ledger,
  neighbourLine,
  type Precondition,
  preconditionsOf,
  type RehearsalPath,
  readKeyspace,
  rehearsalParams,
  rehearsalPath,
  rehearsalVersions,
  resolveEtcd,
  restoreWithNewTool,
  runRollingSwap,
  runTool,
  type ScenarioContext,
  snapshotFromLeader,
  startRehearsalCluster,
  v2storeCheckOutcome,
  waitForClusterVersion,
} from '../harness/index.js';

const params = {
  ...rehearsalParams('upgrade'),
  loadBeforeMs: {
    type: 'number',
    default: 2_000,
    unit: 'ms',
    min: 0,
    description: 'ledger writes before the snapshot',
  },
  fault: {
    type: 'enum',
    choices: ['none', 'jitter', 'kill'],
    default: 'none',
    description:
      'during the upgrade: peer latency with jitter on every member, or SIGKILL of a not yet upgraded follower after the first step (restarted on its old release)',
  },
  skipCheck: {
    type: 'boolean',
    default: true,
    description: 'also start a member two minors newer on a separate cluster (upgrade.no-skip)',
  },
} as const;

type Context = ScenarioContext<{
  readonly from: string;
  readonly to: string;
  readonly seedKeys: number;
  readonly valueBytes: number;
  readonly writers: number;
  readonly loadBeforeMs: number;
  readonly fault: 'none' | 'jitter' | 'kill';
  readonly maxOutageMs: number;
  readonly clusterVersionTimeoutMs: number;
  readonly skipCheck: boolean;
}>;

export default defineScenario({
  id: 'upgrade-rehearsal',
  title: 'Rolling upgrade rehearsal, one minor version at a time',
  claims: ['upgrade.rolling', 'upgrade.no-skip', 'upgrade.snapshot-compat'],
  params,
  intensities: {
    quick: { seedKeys: 200, loadBeforeMs: 500 },
    full: { seedKeys: 2_000, loadBeforeMs: 3_000 },
  },
  // Two clusters for the rehearsal and its restore, a third for the skip attempt.
  // Two releases, three to four clusters: 20-40 s, too long for the quick suite's budget.
  suites: ['full'],
  timeoutMs: { quick: 4 * 60_000, full: 10 * 60_000 },
  async run(ctx) {
    const versions = rehearsalVersions(ctx.target.version, ctx.params.from, ctx.params.to, 'upgrade');
    const path = rehearsalPath(versions.from, versions.to);
    const preconditions = preconditionsOf(path, ctx.target.flags);
    if (path.minorSteps > 1) {
      await rehearseSkip(ctx, path, true);
      for (const claim of ['upgrade.rolling', 'upgrade.snapshot-compat'] as const)
        ctx.report({
          claim,
          check: `${path.from} → ${path.to}`,
          verdict: 'inconclusive',
          reason: `not rehearsed: ${preconditions.find((entry) => entry.id === 'one-minor')?.detail}`,
          expected: 'a path of one minor version',
          observed: `${path.from} → ${path.to}`,
        });
      return;
    }
    await rehearseUpgrade(ctx, path, preconditions);
    if (!ctx.params.skipCheck) {
      ctx.report({
        claim: 'upgrade.no-skip',
        check: 'skipping a minor version is refused',
        verdict: 'inconclusive',
        reason: 'the skip attempt was turned off (skipCheck=false)',
        expected: 'a member two minors newer is refused',
        observed: 'not attempted',
      });
      return;
    }
    const skip = skipPathFor(path);
    if (!skip)
      ctx.report({
        claim: 'upgrade.no-skip',
        check: 'skipping a minor version is refused',
        verdict: 'inconclusive',
        reason: `no supported pair two minors apart around ${path.from.line} → ${path.to.line}`,
        expected: 'a member two minors newer is refused',
        observed: 'not attempted',
      });
    else await rehearseSkip(ctx, skip, preconditionsOf(skip, ctx.target.flags)[0]?.ok === false);
  },
});

async function rehearseUpgrade(
  ctx: Context,
  path: RehearsalPath,
  preconditions: Precondition[],
): Promise<void> {
  const newBinaries = await resolveEtcd(path.to, { signal: ctx.signal });
  const run = await startRehearsalCluster(ctx, path.from, ctx.params);
  const { cluster } = run;
  await ctx.sleep(ctx.params.loadBeforeMs);
  ctx.step('snapshot from the leader (the guide: mandatory before upgrading)');
  const snapshotPath = await snapshotFromLeader(ctx, run);

  const checked = await runV2storeCheck(
    ctx,
    run.cluster.members[0]!.dataDir,
    run.oldBinaries.etcdutl,
    preconditions,
  );
  ctx.report(checkUpgradePreconditions(checked));
  let ledger: Ledger;
  if (checked.some((entry) => entry.ok === false)) {
    ctx.report({
      claim: 'upgrade.rolling',
      check: `rolling upgrade ${path.from} → ${path.to}`,
      verdict: 'inconclusive',
      reason: 'not started: a documented precondition does not hold (see the preconditions finding)',
      expected: 'preconditions hold',
      observed: checked
        .filter((entry) => entry.ok === false)
        .map((entry) => entry.detail)
        .join('; '),
    });
    await run.sampler.stop();
    ledger = await run.writer.stop();
  } else {
    const faults = ctx.faults(cluster, { waitHealthyAfterHeal: false });
    if (ctx.params.fault === 'jitter')
      await faults.inject(
        'network-latency',
        { latencyMs: 30, jitterMs: 20, proxy: 'peer' },
        { target: 'all' },
      );
    const steps = await runRollingSwap({
      cluster,
      binariesFor: () => newBinaries,
      onStep: (message) => ctx.step(message),
      signal: ctx.signal,
      afterFirstStep:
        ctx.params.fault === 'kill'
          ? async () => {
              const victim = cluster.members.find(
                (member) =>
                  cluster.memberBinaries(member.name).version.equals(path.from) && member.state === 'running',
              );
              if (!victim) return;
              ctx.step(`fault: SIGKILL ${victim.name} (still on ${path.from}) mid-way`);
              const kill = await faults.inject('kill', {}, { target: victim.name });
              await ctx.sleep(1_000);
              await kill.heal();
              await cluster.waitHealthy({ timeoutMs: 30_000 });
            }
          : undefined,
    });
    await faults.healAll();
    const failed = steps.find((step) => step.error && step.member);
    if (failed?.member) {
      // The guides' rollback in a mixed cluster: the member goes back to the old binary.
      ctx.step(`rolling ${failed.member} back to ${path.from}`);
      const startedAt = Date.now();
      const error = await cluster
        .swapMemberBinaries(failed.member, run.oldBinaries, { timeoutMs: 30_000 })
        .then(
          () => undefined,
          (caught: unknown) => String(caught),
        );
      steps.push({
        name: `rollback ${failed.member} → ${path.from}`,
        member: failed.member,
        startedAt,
        endedAt: Date.now(),
        fromVersion: path.to.toString(),
        toVersion: path.from.toString(),
        ...(error ? { error } : {}),
      });
    } else {
      ctx.step(`waiting for the cluster version to become ${path.to.line}`);
      await waitForClusterVersion(run.sampler, path.to.line, ctx.params.clusterVersionTimeoutMs, ctx.signal);
    }
    const closed = await closeRehearsal(ctx, run, {
      path,
      steps,
      maxOutageMs: ctx.params.maxOutageMs,
      clusterVersionTimeoutMs: ctx.params.clusterVersionTimeoutMs,
    });
    ctx.report(checkRollingKeepsData(closed.record));
    ctx.report(checkClusterVersionMoves(closed.record));
    ledger = closed.ledger;
  }
  await ctx.releaseCluster(cluster);
  ctx.report(
    checkSnapshotCompat(
      await restoreWithNewTool(ctx, {
        snapshotPath,
        snapshotFrom: path.from.toString(),
        binaries: newBinaries,
        seeded: run.seeded,
        ledger,
      }),
    ),
  );
}

/** `etcdutl check v2store` (the old release's tool) on a copy of a member's data dir: etcdutl wants one not in use. */
async function runV2storeCheck(
  ctx: Context,
  dataDir: string,
  etcdutl: string | undefined,
  preconditions: Precondition[],
): Promise<Precondition[]> {
  const index = preconditions.findIndex((entry) => entry.id === 'check-v2store' && entry.ok === undefined);
  if (index === -1 || !etcdutl) return preconditions;
  const copy = join(ctx.session.workDir, `${ctx.scenario}-${Date.now()}-v2store-check`);
  await cp(dataDir, copy, { recursive: true });
  const run = await runTool(etcdutl, ['check', 'v2store', `--data-dir=${copy}`]);
  ctx.recordTool('etcdutl check v2store (copy of a member data dir)', run);
  const entry = preconditions[index]!;
  const ok = v2storeCheckOutcome(run);
  const said = (run.stdout.trim() || run.stderr.trim()).split('\n').pop() ?? '';
  const result = [...preconditions];
  result[index] = { ...entry, ok, detail: `${entry.detail}: ${ok ? 'clean' : 'NOT clean'} ("${said}")` };
  return result;
}

/** The skip that belongs to this rehearsal: two minors ending at `to` (3.4 → 3.6), else starting at `from`. */
function skipPathFor(path: RehearsalPath): RehearsalPath | undefined {
  const before = neighbourLine(path.to, -2);
  if (before) return rehearsalPath(before, path.to);
  const after = neighbourLine(path.from, 2);
  return after ? rehearsalPath(path.from, after) : undefined;
}

async function rehearseSkip(ctx: Context, path: RehearsalPath, harnessRefused: boolean): Promise<void> {
  const skipped: EtcdVersion = path.to;
  const binaries = await resolveEtcd(skipped, { signal: ctx.signal });
  const run = await startRehearsalCluster(ctx, path.from, {
    ...ctx.params,
    seedKeys: Math.min(ctx.params.seedKeys, 100),
    writers: 1,
  });
  ctx.step(`skip attempt: starting a member of the ${path.from} cluster on ${skipped}`);
  const observation = await attemptSkip({ cluster: run.cluster, path, binaries, harnessRefused });
  await run.writer.stop();
  await run.sampler.stop();
  const observed = await readKeyspace(run.cluster.client()).catch(() => undefined);
  ctx.report(
    checkSkipRefused({
      ...observation,
      path,
      harnessRefused,
      keyspace: {
        seeded: { keys: run.seeded.keys, digest: run.seeded.digest },
        observed: observed && { keys: observed.keys, digest: observed.digest },
      },
    }),
  );
  await ctx.releaseCluster(run.cluster);
}
