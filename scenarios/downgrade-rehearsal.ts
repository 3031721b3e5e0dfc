// Downgrade rehearsal, following etcd's downgrade guides: from 3.6 on, `etcdctl downgrade validate` and `enable` for
// the previous minor, wait for the storage version, then member-by-member binary swap with the leader last, under the
// ledger workload; 3.5 → 3.4 restarts members on a 3.4.32+ binary with `--next-cluster-version-compatible`. Where the
// binaries cannot follow the documented procedure (Debian's 3.4.23), the claim is inconclusive, with what etcd did.
import {
  attemptSkip,
  checkDowngrade,
  checkDowngradeNotFollowable,
  closeRehearsal,
  defineScenario,
  preconditionsOf,
  rehearsalParams,
  rehearsalPath,
  rehearsalVersions,
  resolveEtcd,
  runDowngrade,
  startRehearsalCluster,
} from '../harness/index.js';

export default defineScenario({
  id: 'downgrade-rehearsal',
  title: 'Downgrade rehearsal to the previous minor version',
  claims: ['downgrade.supported'],
  params: rehearsalParams('downgrade'),
  intensities: { quick: { seedKeys: 200 }, full: { seedKeys: 2_000 } },
  // Two releases, three to four clusters: 20-40 s, too long for the quick suite's budget.
  suites: ['full'],
  timeoutMs: { quick: 3 * 60_000, full: 10 * 60_000 },
  async run(ctx) {
    const versions = rehearsalVersions(ctx.target.version, ctx.params.from, ctx.params.to, 'downgrade');
    const path = rehearsalPath(versions.from, versions.to, { downgrade: true });
    const preconditions = preconditionsOf(path, ctx.target.flags);
    const target = await resolveEtcd(path.to, { signal: ctx.signal });
    const run = await startRehearsalCluster(ctx, path.from, ctx.params);
    const blocked = preconditions.find((entry) => entry.ok === false);
    if (blocked) {
      // Measure what etcd does when the member is started on the old binary anyway, then report honestly.
      ctx.step(
        `the documented procedure cannot be followed (${blocked.id}); starting one member on ${path.to} to see`,
      );
      const attempt =
        path.minorSteps === 1
          ? await attemptSkip({
              cluster: run.cluster,
              path,
              binaries: target,
              harnessRefused: true,
              observeMs: 10_000,
            })
          : undefined;
      await run.writer.stop();
      await run.sampler.stop();
      ctx.report(
        checkDowngradeNotFollowable({
          path,
          precondition: blocked,
          attempt: attempt && { exited: attempt.exited, refusal: attempt.refusal },
        }),
      );
      return;
    }
    const downgrade = await runDowngrade({
      cluster: run.cluster,
      path,
      target,
      sampler: run.sampler,
      flags: ctx.target.flags,
      onStep: (message) => ctx.step(message),
      recordTool: (label, tool) => ctx.recordTool(label, tool),
      signal: ctx.signal,
    });
    const completed = downgrade.steps.every((step) => !step.error);
    if (completed) {
      ctx.step(`waiting for the cluster version ${path.to.line} on every member`);
      const deadline = Date.now() + ctx.params.clusterVersionTimeoutMs;
      while (Date.now() < deadline) {
        const sample = await run.sampler.sampleNow();
        if (sample.every((reading) => reading.cluster?.startsWith(`${path.to.line}.`))) break;
        await ctx.sleep(250);
      }
    }
    const { record } = await closeRehearsal(ctx, run, {
      path,
      steps: downgrade.steps,
      maxOutageMs: ctx.params.maxOutageMs,
      clusterVersionTimeoutMs: ctx.params.clusterVersionTimeoutMs,
    });
    ctx.report(
      checkDowngrade({
        ...record,
        procedure: downgrade.procedure,
        apiRuns: downgrade.apiRuns,
        storageMigratedAfterMs: downgrade.storageMigratedAfterMs,
      }),
    );
  },
});
