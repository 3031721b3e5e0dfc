// Replace a failed member the documented way while the ledger writes: SIGKILL a follower, `etcdctl member remove` it,
// `etcdctl member add` a fresh member with an empty data dir, then compare the new member with the others (member
// list, key counts, hashKV at a common revision) and check every acknowledged write on it.
import {
  checkLedger,
  checkMemberReplaced,
  defineScenario,
  hashKvAtCommonRevision,
  ledgerWritersParam,
  type MemberReplaceRecord,
  readLedgerKeys,
  supportsMembershipChanges,
  UnsupportedError,
} from '../harness/index.js';

export default defineScenario({
  id: 'member-replace',
  title: 'Replace a failed member',
  claims: ['member.replace'],
  params: {
    writers: ledgerWritersParam(),
    loadBeforeMs: {
      type: 'number',
      default: 3_000,
      unit: 'ms',
      min: 100,
      description: 'writes before the member fails',
    },
    loadAfterMs: {
      type: 'number',
      default: 2_000,
      unit: 'ms',
      min: 0,
      description: 'writes after the new member joined (it must keep up)',
    },
  },
  intensities: { quick: { writers: 3, loadBeforeMs: 800, loadAfterMs: 500 } },
  async run(ctx) {
    const cluster = await ctx.startCluster();
    if (!supportsMembershipChanges(cluster))
      throw new UnsupportedError(`the ${cluster.backend} backend cannot add or remove members`);
    ctx.step(`writing with ${ctx.params.writers} ledger writers`);
    const writer = ctx.ledger(cluster, { writers: ctx.params.writers });
    await ctx.sleep(ctx.params.loadBeforeMs);

    const leader = await cluster.leader();
    const failed = cluster.members.find((member) => member !== leader && member.state === 'running')!;
    ctx.step(`SIGKILL follower ${failed.name}, member remove, member add`);
    await failed.kill();
    const idsBefore = await cluster.memberIds();
    await cluster.removeMember(failed.name);
    const addStartedAt = Date.now();
    const added = await cluster.addMember();
    const addToHealthyMs = Date.now() - addStartedAt;
    await ctx.evidence.json('members.json', {
      idsBefore,
      idsAfter: await cluster.memberIds(),
      endpoints: Object.fromEntries(cluster.members.map((member) => [member.name, member.urls])),
    });
    await ctx.sleep(ctx.params.loadAfterMs);
    const ledger = await writer.stop();

    ctx.step('comparing the new member with the others');
    const members = cluster.members.map((member) => member.name);
    const { revision, byMember: hashes, run: hashkv } = await hashKvAtCommonRevision(cluster, members);
    ctx.recordTool(`etcdctl endpoint hashkv --rev=${revision}`, hashkv);
    const keyCounts: Record<string, number> = {};
    for (const member of cluster.members)
      keyCounts[member.name] = await member.client({ direct: true }).getAll().prefix(ledger.prefix).count();
    const list = await cluster.etcdctl<{ members?: { name?: string }[] }>(['member', 'list'], {
      json: true,
      members,
    });
    ctx.recordTool('etcdctl member list', list);
    const observed = await readLedgerKeys(added.client({ direct: true }), ledger.prefix);
    const ledgerCheck = checkLedger(ledger, observed);
    const health = await added.health();
    const record: MemberReplaceRecord = {
      failed: failed.name,
      added: added.name,
      newMemberHealthy: health.healthy,
      newMemberHealthReason: health.reason,
      memberList: (list.json?.members ?? []).map((entry) => entry.name ?? '(unnamed)'),
      keyCounts,
      hashes: { revision, byMember: hashes },
      ledgerCheck,
      addToHealthyMs,
    };
    await ctx.evidence.json('member-replace.json', {
      ...record,
      ledgerCheck: { summary: ledgerCheck.summary, missing: ledgerCheck.missing.slice(0, 20) },
    });
    ctx.report(checkMemberReplaced(record));
  },
});
