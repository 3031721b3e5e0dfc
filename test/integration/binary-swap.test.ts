// Swapping a member's binary in place (the building block of rolling upgrades): same data dir, same member object,
// the cluster's tools follow once every member runs the new release.
import { describe, expect, it } from 'vitest';
import { resolveEtcd } from '../../harness/binaries/resolve-etcd.js';
import { supportsBinarySwap } from '../../harness/cluster/binary-swap.js';
import { ClusterSpec } from '../../harness/cluster/spec.js';
import { resolveVersion } from '../../harness/versions/version.js';

describe('binary swap', () => {
  it('moves every member from 3.5 to 3.6 with the data intact', async () => {
    const target = await resolveEtcd(resolveVersion('3.6'));
    await using cluster = await ClusterSpec.etcd('3.5').start();
    expect(supportsBinarySwap(cluster)).toBe(true);
    const client = cluster.client();
    for (let index = 0; index < 20; index++) await client.put(`/k/${index}`).value(String(index));
    const m1 = cluster.member('m1');
    const pidBefore = m1.pid;

    await cluster.swapMemberBinaries('m1', target);
    expect(cluster.member('m1')).toBe(m1);
    expect(m1.pid).not.toBe(pidBefore);
    expect(cluster.memberBinaries('m1').version.toString()).toBe(target.version.toString());
    // Mixed cluster: the tools stay on the old release until every member runs the new one.
    expect(cluster.binaries.version.minor).toBe(5);
    for (const name of ['m2', 'm3']) await cluster.swapMemberBinaries(name, target);
    expect(cluster.binaries.version.toString()).toBe(target.version.toString());

    const response = await fetch(`${m1.urls.clientDirect}/version`);
    const served = (await response.json()) as { etcdserver: string };
    expect(served.etcdserver).toBe(target.version.toString());
    expect(await cluster.client().getAll().prefix('/k/').count()).toBe(20);
  });
});
