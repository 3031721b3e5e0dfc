// Isolation must be real. On the netns plane a member is cut off for real; on the loopback plane this test documents
// (and guards) why disabling a member's own peer proxy is not enough: etcd's peer pipeline dials the other proxies.
import { describe, expect, it } from 'vitest';
import { ClusterSpec } from '../../harness/cluster/spec.js';
import type { ClusterMember, StartedCluster } from '../../harness/cluster/types.js';
import { isRoot, waitUntil } from '../helpers/proc.js';

async function leaderAmong(
  cluster: StartedCluster,
  members: readonly ClusterMember[],
): Promise<ClusterMember | undefined> {
  const leader = await cluster.leader({ timeoutMs: 1_000 });
  return leader && members.includes(leader) ? leader : undefined;
}

async function linearizableRead(member: ClusterMember, key: string): Promise<string | null> {
  const client = member.client({ direct: true, callTimeoutMs: 2_000 });
  try {
    return await client.get(key).string();
  } finally {
    client.close();
  }
}

describe.runIf(isRoot)('isolation on the netns plane', () => {
  it('cuts the leader off from its peers: it loses leadership, cannot serve linearizable reads, and heals', async () => {
    await using cluster = await ClusterSpec.etcd('default').withNetwork('netns').start();
    await cluster.client().put('/before').value('1');
    const oldLeader = (await cluster.leader())!;
    const others = cluster.members.filter((member) => member !== oldLeader);

    const startedAt = Date.now();
    const isolation = await oldLeader.isolate('peer');
    const newLeaderElected = await waitUntil(
      async () => (await leaderAmong(cluster, others)) !== undefined,
      5_000,
      50,
    );
    const failoverMs = Date.now() - startedAt;
    expect(newLeaderElected).toBe(true);
    // Two election rounds of at most 2x the default election timeout (a split vote happens in ~1 of 15 failovers
    // here), plus polling slack; faults.test.ts asserts the per-round bound with the term.
    expect(failoverMs).toBeLessThan(2 * 2 * 1000 + 1000);

    // Clients still reach the isolated member (scope: peer), but it cannot confirm anything with a quorum.
    await expect(linearizableRead(oldLeader, '/before')).rejects.toThrow();
    const serializable = oldLeader.client({ direct: true, callTimeoutMs: 2_000 });
    expect(await serializable.get('/before').serializable(true).string()).toBe('1');
    serializable.close();
    // The majority side keeps working.
    await others[0]!.client().put('/during').value('2');

    await isolation.heal();
    const healed = await waitUntil(
      async () => (await linearizableRead(oldLeader, '/during').catch(() => null)) === '2',
      15_000,
      200,
    );
    expect(healed).toBe(true);
  });

  it('cuts a follower off completely (scope all): its client endpoint goes dark, then it rejoins', async () => {
    await using cluster = await ClusterSpec.etcd('default').withNetwork('netns').start();
    const leader = (await cluster.leader())!;
    const follower = cluster.members.find((member) => member !== leader)!;
    const isolation = await follower.isolate('all');
    const cut = follower.client({ callTimeoutMs: 1_500 });
    await expect(cut.get('/x').string()).rejects.toThrow();
    cut.close();
    await leader.client().put('/x').value('written while cut off');
    await isolation.heal();
    expect(
      await waitUntil(
        async () => (await linearizableRead(follower, '/x').catch(() => null)) === 'written while cut off',
        15_000,
        200,
      ),
    ).toBe(true);
  });
});

describe('isolation on the loopback plane', () => {
  it('refuses to pretend: isolate() explains that it needs network namespaces', async () => {
    await using cluster = await ClusterSpec.etcd('default').withNetwork('loopback').start();
    expect(cluster.members[0]!.canIsolate).toBe(false);
    await expect(cluster.members[0]!.isolate('peer')).rejects.toThrow(/network namespaces/);
  });

  it("documents the leak: with only the leader's own peer proxy disabled it stays leader and serves linearizable reads", async () => {
    await using cluster = await ClusterSpec.etcd('default').withNetwork('loopback').start();
    await cluster.client().put('/k').value('v');
    const leader = (await cluster.leader())!;
    await cluster.toxiproxy.setEnabled(leader.proxies.peer.name, false);
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // 3x the election timeout
    expect((await cluster.leader())?.name).toBe(leader.name);
    expect(await linearizableRead(leader, '/k')).toBe('v');
    await cluster.toxiproxy.setEnabled(leader.proxies.peer.name, true);
  });
});
