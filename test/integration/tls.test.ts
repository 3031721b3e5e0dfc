// mTLS clusters: the harness's own client works, a client with a wrong CA, a foreign certificate or none is refused.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEtcdClient } from '../../harness/cluster/clients.js';
import { ClusterSpec } from '../../harness/cluster/spec.js';
import { generateForeignClient } from '../../harness/cluster/tls.js';
import { runCommand } from '../../harness/util/exec.js';

describe('TLS cluster', () => {
  it('serves mTLS clients and refuses a wrong CA, a foreign client certificate and a missing one', async () => {
    await using cluster = await ClusterSpec.etcd('default').withTls().start();
    expect(cluster.endpoints().every((endpoint) => endpoint.startsWith('https://'))).toBe(true);
    await cluster.client().put('/secure').value('ok');
    expect(await cluster.client().get('/secure').string()).toBe('ok');
    const health = await cluster.etcdctl(['endpoint', 'health'], { json: true });
    expect(health.exitCode).toBe(0);

    const foreign = await generateForeignClient(join(cluster.dir, 'foreign'));
    const tls = cluster.clientTls()!;
    const endpoint = `--endpoints=${cluster.endpoints()[0]}`;
    const attempt = (args: string[]) =>
      runCommand(
        cluster.binaries.etcdctl,
        [endpoint, '--command-timeout=3s', '--dial-timeout=3s', ...args, 'get', '/secure'],
        {
          allowFailure: true,
          env: { ETCDCTL_API: '3' },
        },
      );

    // Wrong CA: the client does not trust the server's certificate.
    const wrongCa = await attempt([
      `--cacert=${foreign.caFile}`,
      `--cert=${tls.certFile}`,
      `--key=${tls.keyFile}`,
    ]);
    expect(wrongCa.exitCode).not.toBe(0);
    expect(`${wrongCa.stderr}${wrongCa.stdout}`).toMatch(/certificate|x509|authority|deadline/i);

    // Right CA, client certificate from another CA: the server refuses it (client-cert-auth).
    const foreignCert = await attempt([
      `--cacert=${tls.caFile}`,
      `--cert=${foreign.client.cert}`,
      `--key=${foreign.client.key}`,
    ]);
    expect(foreignCert.exitCode).not.toBe(0);
    expect(`${foreignCert.stderr}${foreignCert.stdout}`).toMatch(/certificate|tls|deadline|EOF/i);

    // No client certificate at all.
    const noCert = await attempt([`--cacert=${tls.caFile}`]);
    expect(noCert.exitCode).not.toBe(0);

    // The same through the Node client.
    const wrongClient = createEtcdClient({
      endpoints: [cluster.endpoints()[0]!],
      tls: { caFile: foreign.caFile, certFile: tls.certFile, keyFile: tls.keyFile, serverName: 'localhost' },
      callTimeoutMs: 3_000,
    });
    await expect(wrongClient.get('/secure').string()).rejects.toThrow();
    wrongClient.close();
  });
});
