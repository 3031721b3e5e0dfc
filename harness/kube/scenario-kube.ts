// Kubernetes in a scenario: the API servers a scenario starts, started with its session and signal, their logs
// copied into its evidence and every one killed when the scenario ends (try/finally through `withKube`).

import type { StartedCluster } from '../cluster/types.js';
import type { EnumSpec } from '../params.js';
import type { ScenarioContext } from '../scenario/types.js';
import { DEFAULT_KUBERNETES_LINE, KNOWN_KUBERNETES_RELEASES } from '../versions/kubernetes-release.js';
import { ApiServerSpec, type StartedApiServer, type StoppedApiServer } from './apiserver.js';

/** The `kubernetes` parameter of the k8s-* scenarios: which kube-apiserver release (a line means its newest patch). */
export function kubernetesParam(): EnumSpec {
  return {
    type: 'enum',
    choices: Object.keys(KNOWN_KUBERNETES_RELEASES),
    default: DEFAULT_KUBERNETES_LINE,
    description:
      "kube-apiserver release line (the API server's Kubernetes version; built from Go modules once per cache)",
  };
}

export class KubeScope {
  private readonly running = new Set<StartedApiServer>();
  private readonly logs: { server: StartedApiServer; name: string }[] = [];
  private counter = 0;

  constructor(private readonly ctx: ScenarioContext<unknown>) {}

  /** A spec for `cluster` with the scenario's Kubernetes release. */
  spec(cluster: StartedCluster, kubernetes: string): ApiServerSpec {
    return ApiServerSpec.forCluster(cluster, kubernetes);
  }

  /** Starts `spec` (waits for /readyz unless the spec says not to); `label` names its log in the evidence. */
  async start(spec: ApiServerSpec, label: string): Promise<StartedApiServer> {
    this.ctx.step(`starting kube-apiserver ${spec.kubernetesVersion} (${label})`);
    const server = await spec.start({ session: this.ctx.session, signal: this.ctx.signal });
    this.running.add(server);
    this.counter += 1;
    this.logs.push({
      server,
      name: `logs/kube-apiserver-${String(this.counter).padStart(2, '0')}-${label}.log`,
    });
    return server;
  }

  /** Stops one (SIGKILL unless told otherwise) and copies its log into the evidence. */
  async stop(
    server: StartedApiServer,
    options?: { signal?: 'SIGKILL' | 'SIGTERM'; timeoutMs?: number },
  ): Promise<StoppedApiServer> {
    const stopped = await server.stop(options);
    this.running.delete(server);
    await this.copyLog(server);
    return stopped;
  }

  /** Evidence path of a server's log (copied now, so findings can cite it). */
  async copyLog(server: StartedApiServer): Promise<string | undefined> {
    const entry = this.logs.find((candidate) => candidate.server === server);
    if (!entry) return undefined;
    return this.ctx.evidence.copy(server.logPath, entry.name);
  }

  async close(): Promise<void> {
    for (const server of [...this.running]) {
      await server.kill().catch(() => undefined);
      this.running.delete(server);
    }
    for (const { server } of this.logs) await this.copyLog(server).catch(() => undefined);
  }
}

/** Runs `fn` with a KubeScope that kills every API server it started and keeps their logs, however `fn` ends. */
export async function withKube<T>(
  ctx: ScenarioContext<unknown>,
  fn: (kube: KubeScope) => Promise<T>,
): Promise<T> {
  const kube = new KubeScope(ctx);
  try {
    return await fn(kube);
  } finally {
    await kube.close();
  }
}
