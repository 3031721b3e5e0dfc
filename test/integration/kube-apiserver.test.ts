// A real kube-apiserver attached by `up --kube-apiserver`: what --json reports, that it serves with the token, and
// that nothing is left behind when the harness is SIGKILLed (with the parent-death signal, and without it: then
// `etcd-chaos cleanup` reaps it by pid and start time).
import { describe, expect, inject, it } from 'vitest';
import { KubeClient, NAMESPACES } from '../../harness/kube/client.js';
import { namespaceObject } from '../../harness/kube/objects.js';
import { runCli, startCli } from '../helpers/cli.js';
import { isAlive, waitUntil } from '../helpers/proc.js';

interface UpDocument {
  runId: string;
  tls: { ca: string } | null;
  pids: Record<string, number>;
  kubeApiServer: { url: string; token: string; pid: number; version: string; caFile: string; log: string };
}

async function upWithApiServer(env: Record<string, string> = {}) {
  const running = startCli(['up', '--json', '--members', '1', '--kube-apiserver'], env);
  return { running, doc: JSON.parse(await running.firstLine) as UpDocument };
}

describe('up --kube-apiserver', () => {
  it('reports the API server in its JSON line; the API serves with the token; cleanup reaps it after a SIGKILL', async () => {
    // Without the parent-death signal the API server outlives the harness: the journal is what reaps it.
    const { running, doc } = await upWithApiServer({ ETCD_CHAOS_NO_PDEATHSIG: '1' });
    const api = doc.kubeApiServer;
    expect(api.version).toBe(inject('binaries').kubeApiServer.version);
    expect(api.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(doc.tls).not.toBeNull(); // implied: the API server talks mTLS to etcd
    const client = new KubeClient({ url: api.url, token: api.token, caFile: api.caFile });
    try {
      const version = await client.json<{ gitVersion: string }>('GET', '/version');
      expect(version.gitVersion).toBe(`v${api.version}`);
      const created = await client.create(NAMESPACES, namespaceObject('up-test', 'test'));
      expect(Number(created.metadata.resourceVersion)).toBeGreaterThan(0);
      expect((await client.request('GET', '/api/v1/namespaces')).status).toBe(200);
      // Without the token: 401, not anonymous access.
      const anonymous = new KubeClient({ url: api.url, token: 'wrong', caFile: api.caFile });
      expect((await anonymous.request('GET', '/api/v1/namespaces')).status).toBe(401);
      anonymous.close();
    } finally {
      client.close();
    }

    running.child.kill('SIGKILL');
    await running.exited;
    expect(isAlive(api.pid)).toBe(true); // an orphan, for now
    const cleanup = runCli(['cleanup']);
    expect(cleanup.code).toBe(0);
    // etcd member, Toxiproxy, kube-apiserver
    expect(cleanup.stdout).toMatch(new RegExp(`run ${doc.runId} .*killed 3 process`));
    expect(await waitUntil(() => !isAlive(api.pid), 5_000)).toBe(true);
  });

  it('takes the API server down with a SIGKILLed harness (parent-death signal)', async () => {
    const { running, doc } = await upWithApiServer();
    expect(isAlive(doc.kubeApiServer.pid)).toBe(true);
    running.child.kill('SIGKILL');
    await running.exited;
    expect(await waitUntil(() => !isAlive(doc.kubeApiServer.pid), 5_000)).toBe(true);
    expect(runCli(['cleanup']).code).toBe(0); // reaps the temp dir the killed run left
  });

  it('refuses an unknown Kubernetes release before anything starts, naming the flag it is not', () => {
    const started = Date.now();
    const result = runCli(['up', '--kube-apiserver', '1.99']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Unknown Kubernetes version `1\.99`/);
    expect(result.stderr).toMatch(/not `--kubernetes-version`/);
    // Measured: ~1 s (Node start and the CLI's imports); nothing is provisioned or started.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
