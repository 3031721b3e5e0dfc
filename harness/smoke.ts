// The smoke check behind `etcd-chaos run` until the conformance suite lands: a cluster comes up, serves every
// member's proxy, survives the loss of one member, and the member catches up when it returns.
import type { ClusterSpec } from './cluster/spec.js';
import type { Session } from './session.js';

export interface SmokeCheck {
  readonly name: string;
  readonly expected: string;
  readonly observed: string;
  readonly passed: boolean;
}

export interface SmokeResult {
  readonly version: string;
  readonly network: string;
  readonly checks: readonly SmokeCheck[];
  readonly passed: boolean;
  readonly durationMs: number;
}

export async function runSmoke(
  spec: ClusterSpec,
  session: Session,
  signal?: AbortSignal,
): Promise<SmokeResult> {
  const startedAt = performance.now();
  const checks: SmokeCheck[] = [];
  const check = (name: string, expected: string, observed: string, passed: boolean) =>
    checks.push({ name, expected, observed, passed });

  await using cluster = await spec.start({ session, signal });
  const readable: string[] = [];
  for (const member of cluster.members) {
    const client = member.client();
    await client.put(`/smoke/${member.name}`).value(member.name);
    readable.push((await client.get(`/smoke/${member.name}`).string()) ?? '(missing)');
  }
  check(
    'put/get through every client proxy',
    cluster.members.map((member) => member.name).join(','),
    readable.join(','),
    readable.join(',') === cluster.members.map((member) => member.name).join(','),
  );

  if (cluster.members.length >= 3) {
    const leader = await cluster.leader();
    const victim = cluster.members.find((member) => member !== leader)!;
    await victim.kill();
    const survivor = leader ?? cluster.members.find((member) => member !== victim)!;
    let acknowledged = 0;
    for (let index = 0; index < 50; index++) {
      signal?.throwIfAborted();
      await survivor.client().put(`/smoke/after-loss/${index}`).value(String(index));
      acknowledged++;
    }
    check(
      `writes with ${victim.name} killed (SIGKILL)`,
      '50 acknowledged',
      `${acknowledged} acknowledged`,
      acknowledged === 50,
    );
    await victim.start();
    await victim.waitHealthy(30_000);
    const count = await victim.client({ direct: true }).getAll().prefix('/smoke/after-loss/').count();
    check(`${victim.name} catches up after restart`, '50 keys', `${count} keys`, count === 50);
  }
  return {
    version: cluster.version.toString(),
    network: cluster.network,
    checks,
    passed: checks.every((entry) => entry.passed),
    durationMs: Math.round(performance.now() - startedAt),
  };
}
