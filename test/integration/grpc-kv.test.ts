// The fast gRPC path against a real member: every call it makes round-trips through etcd (a put's revision is the
// one etcd reports, a transaction's puts all land, ranges page, deletes count), failures arrive classified at the one
// boundary as the kind they are (etcd's refusal definite, a paused member's deadline ambiguous, a closed port
// "not connected"), and the Kubernetes-shaped generator writes exactly the keyspace its plan says.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ClusterSpec } from '../../harness/cluster/spec.js';
import { classifyEtcdError } from '../../harness/etcd-errors.js';
import { bytePool, generateKubeData, kubeValue, planKubeKeyspace } from '../../harness/scale/kube-data.js';
import { KUBERNETES_MIX } from '../../harness/scale/profiles.js';
import { GrpcKvClient } from '../../harness/workload/grpc-kv/client.js';
import { prefixRangeEnd } from '../../harness/workload/grpc-kv/proto.js';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('grpc-kv against etcd', () => {
  it('puts, transacts, ranges, deletes and reads status as etcd answers them; failures are classified', async () => {
    await using cluster = await ClusterSpec.etcd('default').withMembers(1).start();
    const member = cluster.members[0]!;
    const client = new GrpcKvClient({ endpoint: member.urls.client, connections: 2 });
    try {
      const first = await client.put('/grpc-kv/a', 'one');
      const second = await client.txnPuts(
        Array.from({ length: 100 }, (_, index) => ({
          key: `/grpc-kv/t${String(index).padStart(3, '0')}`,
          value: Buffer.alloc(1000, index),
        })),
      );
      expect(second.revision).toBe(first.revision + 1); // one transaction, one revision
      const etcd3 = member.client();
      expect(await etcd3.get('/grpc-kv/a').string()).toBe('one');
      expect((await etcd3.get('/grpc-kv/t042').buffer())?.equals(Buffer.alloc(1000, 42))).toBe(true);
      const page = await client.range({
        key: '/grpc-kv/t',
        rangeEnd: prefixRangeEnd('/grpc-kv/t'),
        limit: 30,
      });
      expect(page.kvs).toHaveLength(30);
      expect(page.more).toBe(true);
      expect(page.count).toBe(100);
      expect((await client.deleteRange('/grpc-kv/t', prefixRangeEnd('/grpc-kv/t'))).deleted).toBe(100);
      const status = await client.status();
      expect(status.version).toBe(cluster.version.toString());
      expect(status.dbSizeBytes).toBeGreaterThan(0);

      // etcd's own refusal: definite, with etcd's message.
      const tooMany = await client
        .txnPuts(Array.from({ length: 200 }, (_, index) => ({ key: `/grpc-kv/x${index}`, value: 'v' })))
        .catch((error: unknown) => error);
      expect(classifyEtcdError(tooMany)).toMatchObject({ kind: 'definite', reason: 'invalid-argument' });
      expect(String(tooMany)).toMatch(/too many operations in txn request/);

      // A paused member: the call's deadline passes, ambiguous (it may still apply).
      await member.pause();
      const started = Date.now();
      const silent = await client
        .put('/grpc-kv/late', 'x', { deadlineAt: Date.now() + 300 })
        .catch((error: unknown) => error);
      await member.resume();
      expect(classifyEtcdError(silent)).toMatchObject({ kind: 'ambiguous', reason: 'deadline-exceeded' });
      // Measured: the sweep cancels 300 ms calls after 300–330 ms on a loaded 2-core host (10 ms sweep).
      expect(Date.now() - started).toBeLessThan(2_000);
      expect((await client.put('/grpc-kv/after', 'y')).revision).toBeGreaterThan(second.revision);
    } finally {
      client.close();
    }
    const nobody = new GrpcKvClient({ endpoint: `http://127.0.0.1:${await closedPort()}` });
    const refused = await nobody.put('/x', 'y').catch((error: unknown) => error);
    nobody.close();
    expect(classifyEtcdError(refused)).toMatchObject({ kind: 'definite', reason: 'not-connected' });
  });

  it('generates the planned Kubernetes keyspace, byte for byte', async () => {
    await using cluster = await ClusterSpec.etcd('default').withMembers(1).start();
    const member = cluster.members[0]!;
    const profile = {
      name: 'tiny',
      keys: 600,
      dbBytes: 4 * 1024 ** 2,
      namespaces: 5,
      seed: 9,
      mix: KUBERNETES_MIX,
    };
    const client = new GrpcKvClient({ endpoint: member.urls.clientDirect });
    try {
      const record = await generateKubeData(client, profile, {
        dbSize: async () => (await client.status()).dbSizeBytes,
      });
      expect(record.keys).toBe(600);
      expect(record.bytesWritten).toBeGreaterThanOrEqual(profile.dbBytes);
      expect(record.updateRounds).toBeGreaterThan(0); // history beyond the creates
      expect(record.puts).toBeGreaterThan(600);
      const all = await client.range({
        key: '/registry/',
        rangeEnd: prefixRangeEnd('/registry/'),
        countOnly: true,
      });
      expect(all.count).toBe(600);
      const plan = planKubeKeyspace(profile);
      const pool = bytePool(profile.seed);
      for (const object of [plan[0]!, plan[299]!, plan[599]!]) {
        const stored = (await client.range({ key: object.key })).kvs[0]!;
        const header = stored.value.subarray(0, 200).toString('latin1');
        const generation = Number(/"generation":(\d+)/.exec(header)?.[1]);
        expect(stored.value.equals(kubeValue(object, generation, pool))).toBe(true);
      }
    } finally {
      client.close();
    }
  });
});
