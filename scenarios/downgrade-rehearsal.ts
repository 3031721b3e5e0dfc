// Downgrade rehearsal, following etcd's downgrade guides (the procedure is harness/upgrade/rehearse-downgrade.ts): from
// 3.6 on, `etcdctl downgrade validate` and `enable` for the previous minor, wait for the storage version, then
// member-by-member binary swap with the leader last, under the ledger workload; 3.5 → 3.4 restarts members on a
// 3.4.32+ binary with `--next-cluster-version-compatible`. Where the binaries cannot follow the documented procedure
// (Debian's 3.4.23), the claim is inconclusive, with what etcd did.
import {
  defineScenario,
  downgradeRehearsalOutcome,
  rehearsalParams,
  rehearsalPath,
  rehearsalVersions,
  rehearseDowngrade,
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
    const { from, to } = rehearsalVersions(ctx.target.version, ctx.params.from, ctx.params.to, 'downgrade');
    const path = rehearsalPath(from, to, { downgrade: true });
    ctx.report(downgradeRehearsalOutcome(await rehearseDowngrade(ctx, { ...ctx.params, path })));
  },
});
