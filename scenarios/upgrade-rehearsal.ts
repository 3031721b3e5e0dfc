// Upgrade rehearsal, following etcd's upgrade guides (the procedure is harness/upgrade/rehearse-upgrade.ts): a cluster
// on the old release with the run's flags, a Kubernetes-like keyspace and the ledger workload; snapshot from the
// leader; the documented preconditions; members swapped one at a time, health between steps, an optional fault; then
// availability per step, nothing lost, the cluster version moving only when every member runs the new release, hashKV
// equal, the old snapshot restored with the new tool, and a skip (two minors) attempted on a separate cluster.
import {
  defineScenario,
  rehearsalParams,
  rehearsalPath,
  rehearsalVersions,
  rehearseUpgrade,
  upgradeRehearsalOutcomes,
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

export default defineScenario({
  id: 'upgrade-rehearsal',
  title: 'Rolling upgrade rehearsal, one minor version at a time',
  claims: ['upgrade.rolling', 'upgrade.no-skip', 'upgrade.snapshot-compat'],
  params,
  intensities: {
    quick: { seedKeys: 200, loadBeforeMs: 500 },
    full: { seedKeys: 2_000, loadBeforeMs: 3_000 },
  },
  // Two releases, three to four clusters (the rehearsal, its restore, the skip attempt): 20-40 s, too long for the
  // quick suite's budget.
  suites: ['full'],
  timeoutMs: { quick: 4 * 60_000, full: 10 * 60_000 },
  async run(ctx) {
    const { from, to } = rehearsalVersions(ctx.target.version, ctx.params.from, ctx.params.to, 'upgrade');
    await rehearseUpgrade(ctx, { ...ctx.params, path: rehearsalPath(from, to) }, (record) => {
      for (const outcome of upgradeRehearsalOutcomes(record)) ctx.report(outcome);
    });
  },
});
