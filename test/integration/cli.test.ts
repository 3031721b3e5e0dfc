// The CLI as a user meets it: `up --json`, Ctrl-C/SIGTERM, a harness killed with SIGKILL, and bad input.
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { isAlive, netnsList, waitUntil } from '../helpers/proc.js';

interface UpDocument {
  runId: string;
  version: string;
  endpoints: string[];
  proxies: Record<string, { client: { listen: string }; peer: { listen: string } }>;
  pids: Record<string, number>;
  etcdctl: string;
  members: { name: string; dataDir: string; namespace: string | null }[];
}

async function upJson(args: string[] = [], env: Record<string, string> = {}) {
  const running = startCli(['up', '--json', ...args], env);
  const line = await running.firstLine;
  return { running, doc: JSON.parse(line) as UpDocument, line };
}

function workDirOf(doc: UpDocument): string {
  return doc.members[0]!.dataDir.replace(/\/c1\/m1\/data$/, '');
}

describe('etcd-chaos up', () => {
  it('prints exactly one JSON line when ready, stays up, and tears down on SIGTERM with exit 0', async () => {
    const { running, doc, line } = await upJson();
    expect(line.trim().startsWith('{')).toBe(true);
    expect(doc.version).toMatch(/^3\.6\.\d+$/);
    expect(doc.endpoints).toHaveLength(3);
    expect(Object.keys(doc.proxies)).toEqual(['m1', 'm2', 'm3']);
    expect(doc.etcdctl).toMatch(/etcdctl$/);
    const pids = Object.values(doc.pids);
    expect(pids).toHaveLength(4); // three members and Toxiproxy
    expect(pids.every(isAlive)).toBe(true);

    const put = runCli([]); // a no-op CLI run must not disturb the live cluster (it is not an orphan)
    expect(put.code).toBe(0);
    expect(pids.every(isAlive)).toBe(true);

    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    expect(pids.some(isAlive)).toBe(false);
    expect(existsSync(workDirOf(doc))).toBe(false);
  });

  it('tears down on SIGINT (Ctrl-C) too', async () => {
    const { running, doc } = await upJson(['--members', '1']);
    running.child.kill('SIGINT');
    expect(await running.exited).toBe(0);
    expect(Object.values(doc.pids).some(isAlive)).toBe(false);
  });

  it('leaves reaping to `etcd-chaos cleanup` when the harness itself is SIGKILLed', async () => {
    // Without the parent-death signal the members outlive the harness: the reaper must find and kill them.
    const { running, doc } = await upJson([], { ETCD_CHAOS_NO_PDEATHSIG: '1' });
    const pids = Object.values(doc.pids);
    const namespaces = doc.members.map((member) => member.namespace).filter(Boolean);
    running.child.kill('SIGKILL');
    await running.exited;
    expect(pids.every(isAlive)).toBe(true); // orphans, for now

    const cleanup = runCli(['cleanup']);
    expect(cleanup.code).toBe(0);
    expect(cleanup.stdout).toMatch(new RegExp(`run ${doc.runId} .*killed 4 process`));
    expect(await waitUntil(() => !pids.some(isAlive), 5_000)).toBe(true);
    expect(existsSync(workDirOf(doc))).toBe(false);
    const remaining = netnsList();
    for (const namespace of namespaces) expect(remaining).not.toContain(namespace);
    expect(runCli(['cleanup']).stdout).toMatch(/Nothing to clean up/);
  });

  it('takes members down with a SIGKILLed harness (parent-death signal), and the next run reaps the rest', async () => {
    const { running, doc } = await upJson();
    running.child.kill('SIGKILL');
    await running.exited;
    expect(await waitUntil(() => !Object.values(doc.pids).some(isAlive), 5_000)).toBe(true);
    expect(existsSync(workDirOf(doc))).toBe(true); // the temp dir is still there ...
    const next = await upJson(['--members', '1']); // ... until the next run starts
    expect(existsSync(workDirOf(doc))).toBe(false);
    next.running.child.kill('SIGTERM');
    expect(await next.running.exited).toBe(0);
  });
});

describe('bad input gets a clear error and exit code 2', () => {
  it.each([
    [
      ['up', '--etcd-version', '3.9'],
      /Unknown etcd version `3\.9`[\s\S]*3\.4\.23, 3\.5\.\d+, 3\.6\.\d+ \(default\), 3\.7\.\d+/,
    ],
    [['up', '--etcd-version', 'latest-ish'], /Unknown etcd version `latest-ish`/],
    [['up', '--members', '2'], /odd integer from 1 to 7, got `2`/],
    [['up', '--flag', 'snapshot-count'], null],
    [['up', '--flag', '=5'], /Expected `--flag` to be `name=value`.*got `=5`/],
    [['up', '--flag', 'data-dir=/var/lib/etcd'], /`--data-dir` is managed by the harness/],
    [['up', '--nope'], /unknown option '--nope'/],
    [['up', '--backend', 'podman'], /Expected `--backend` to be one of process, docker, got `podman`/],
    [['up', '--backend', 'docker', '--network', 'netns'], /`--network netns` is a process-backend option/],
    [['run', '--etcd-image', 'etcd:x'], /`--etcd-image` and `--toxiproxy-image` need `--backend docker`/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('%j', (args, message) => {
    if (message === null) return; // a bare flag means `true`: accepted (covered by unit tests)
    const result = runCli(args as string[]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/^\s+at /m); // no stack trace
  });

  it('reports a busy --base-port with the process that holds it', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const result = runCli(['up', '--base-port', String(port)]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        new RegExp(
          `Port ${port} \\(client endpoint of m1 .*\\) is already in use by node \\(pid ${process.pid}\\)`,
        ),
      );
    } finally {
      server.close();
    }
  });

  it("shows the tail of etcd's log when a member fails to start", () => {
    // A value etcd parses but refuses while starting (its auth options), which the harness does not model; a value of
    // the wrong type (`heartbeat-interval=fast`) is refused before anything starts (test/unit/etcd-flags.test.ts).
    const result = runCli(['up', '--flag', 'auth-token=bogus']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/etcd member m\d failed to start/);
    expect(result.stderr).toMatch(/tail of m\d's log[\s\S]*invalid auth options/);
  });
});

describe('etcd-chaos faults', () => {
  it('lists every fault with its parameters, default target and availability', () => {
    const result = runCli(['faults', '--json']);
    expect(result.code).toBe(0);
    const listing = JSON.parse(result.stdout) as {
      faults: { name: string; params: { name: string }[]; availableHere: boolean }[];
    };
    const names = listing.faults.map((fault) => fault.name);
    for (const name of [
      'network-latency',
      'network-bandwidth',
      'network-blackhole',
      'network-reset',
      'isolate',
      'partition',
      'disk-latency',
      'disk-full',
      'kill',
      'terminate',
      'pause',
      'restart',
      'quota-exhaustion',
    ]) {
      expect(names).toContain(name);
    }
    expect(
      listing.faults.find((fault) => fault.name === 'network-latency')?.params.map((param) => param.name),
    ).toEqual(['latencyMs', 'jitterMs', 'proxy', 'direction']);
    const human = runCli(['faults']);
    expect(human.stdout).toMatch(/disk-latency \(disk, default target: follower\)/);
    expect(human.stdout).toMatch(/delayMs=number ms/);
  });
});
