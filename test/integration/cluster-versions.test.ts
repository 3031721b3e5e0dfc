// A 3-member cluster starts on every supported version, and clients really go through the Toxiproxy client proxies.
import { describe, expect, inject, it } from 'vitest';
import { ClusterSpec } from '../../harness/cluster/spec.js';
import { SUPPORTED_LINES } from '../../harness/versions/catalog.js';

describe.each(SUPPORTED_LINES)('etcd %s', (line) => {
  it('starts 3 healthy members and serves put/get through the client proxies', async () => {
    const expectedVersion = inject('binaries').etcd[line]!.version;
    await using cluster = await ClusterSpec.etcd(line).start();
    expect(cluster.version.toString()).toBe(expectedVersion);
    expect(cluster.members.map((member) => member.state)).toEqual(['running', 'running', 'running']);

    for (const member of cluster.members) {
      // The advertised client URL is the proxy's listener, not the member's own.
      expect(member.urls.client).toBe(`http://${member.proxies.client.listen}`);
      expect(member.urls.client).not.toBe(member.urls.clientDirect);
      const client = member.client();
      await client.put(`/check/${member.name}`).value(`via-${member.name}`);
      expect(await client.get(`/check/${member.name}`).string()).toBe(`via-${member.name}`);
      const status = await client.maintenance.status();
      expect(status.version).toBe(expectedVersion);
    }

    // Traffic really passes through the proxy: disabling it cuts the client off, enabling it restores it.
    const m1 = cluster.members[0]!;
    await cluster.toxiproxy.setEnabled(m1.proxies.client.name, false);
    const cutOff = m1.client({ callTimeoutMs: 1_500 });
    await expect(cutOff.get('/check/m1').string()).rejects.toThrow();
    cutOff.close();
    await cluster.toxiproxy.setEnabled(m1.proxies.client.name, true);
    expect(await m1.client().get('/check/m2').string()).toBe('via-m2');

    // Peer traffic goes through the peer proxies: the advertised peer URLs in the member list are the proxies.
    const list = await cluster.etcdctl<{ members: { name: string; peerURLs: string[] }[] }>(
      ['member', 'list'],
      { json: true },
    );
    for (const entry of list.json?.members ?? []) {
      expect(entry.peerURLs).toEqual([cluster.member(entry.name).urls.peer]);
    }
  });
});
