// Per-member operations on a live cluster: SIGKILL and writes go on, restart catches up, pause/resume, member flags.
import { describe, expect, it } from 'vitest';
import { ClusterSpec } from '../../harness/cluster/spec.js';
import { isAlive, waitUntil } from '../helpers/proc.js';

describe('member operations', () => {
  it('keeps accepting writes after SIGKILL of one member, and the member catches up when started again', async () => {
    await using cluster = await ClusterSpec.etcd('default').start();
    const leader = await cluster.leader();
    const victim = cluster.members.find((member) => member !== leader)!;
    const survivor = leader!;
    const pid = victim.pid;
    const exit = await victim.kill();
    expect(exit.signal).toBe('SIGKILL');
    expect(victim.state).toBe('stopped');
    expect(isAlive(pid)).toBe(false);

    const client = survivor.client();
    for (let index = 0; index < 20; index++) await client.put(`/after-kill/${index}`).value(String(index));
    expect(await client.getAll().prefix('/after-kill/').count()).toBe(20);

    await victim.start();
    await victim.waitHealthy(20_000);
    const caughtUp = await waitUntil(async () => {
      const count = await victim
        .client({ direct: true })
        .getAll()
        .prefix('/after-kill/')
        .count()
        .catch(() => -1);
      return count === 20;
    }, 10_000);
    expect(caughtUp).toBe(true);
  });

  it('pauses a member (it answers nothing) and resumes it', async () => {
    await using cluster = await ClusterSpec.etcd('default').start();
    const member = cluster.members[2]!;
    await member.pause();
    expect(member.state).toBe('paused');
    const paused = member.client({ direct: true, callTimeoutMs: 1_000 });
    await expect(paused.get('x').string()).rejects.toThrow();
    await member.resume();
    expect(member.state).toBe('running');
    await member.waitHealthy(10_000);
    await cluster.client().put('x').value('1');
    expect(await member.client({ direct: true }).get('x').string()).toBe('1');
  });

  it('restarts a member gracefully with its data, and applies per-member flags', async () => {
    await using cluster = await ClusterSpec.etcd('default')
      .withMemberFlags('m2', { 'snapshot-count': 4321 })
      .start();
    expect(cluster.member('m2').args).toContain('--snapshot-count=4321');
    expect(cluster.member('m1').args).not.toContain('--snapshot-count=4321');
    await cluster.client().put('/kept').value('yes');
    const before = cluster.member('m2').pid;
    await cluster.member('m2').restart();
    expect(cluster.member('m2').pid).not.toBe(before);
    await cluster.member('m2').waitHealthy(20_000);
    expect(await cluster.member('m2').client({ direct: true }).get('/kept').string()).toBe('yes');
  });

  it('starts 1-, 5- and 7-member clusters', async () => {
    for (const size of [1, 5, 7]) {
      await using cluster = await ClusterSpec.etcd('default').withMembers(size).start();
      expect(cluster.members).toHaveLength(size);
      await cluster.client().put('/size').value(String(size));
      expect(await cluster.client().get('/size').string()).toBe(String(size));
    }
  });
});
