// Runtime membership changes the documented way: member remove, member add, the new member catches up.
import { describe, expect, it } from 'vitest';
import { ClusterSpec } from '../../harness/cluster/spec.js';
import { isAlive } from '../helpers/proc.js';

describe.each([false, true])('member replacement (TLS %s)', (tls) => {
  it('removes a failed member, adds a fresh one, and it catches up', async () => {
    await using cluster = await ClusterSpec.etcd('default').withTls(tls).start();
    const client = cluster.client();
    for (let index = 0; index < 50; index++) await client.put(`/before/${index}`).value(String(index));
    const failed = cluster.member('m3');
    const pid = failed.pid;
    await failed.kill();
    await cluster.removeMember('m3');
    expect(cluster.members.map((member) => member.name)).toEqual(['m1', 'm2']);
    expect(isAlive(pid)).toBe(false);

    const added = await cluster.addMember();
    expect(added.name).toBe('m4');
    expect(cluster.members.map((member) => member.name)).toEqual(['m1', 'm2', 'm4']);
    const ids = await cluster.memberIds();
    expect(Object.keys(ids).sort()).toEqual(['m1', 'm2', 'm4']);
    const fresh = added.client({ direct: true });
    expect(await fresh.getAll().prefix('/before/').count()).toBe(50);
    await cluster.client().put('/after').value('ok');
    expect(await fresh.get('/after').string()).toBe('ok');
  });
});
