// What a Kubernetes client sees, sampled: a writer (PATCH of one ConfigMap), a reader (GET of it) and the API
// server's /readyz and /livez, each in its own loop, every answer recorded with its status, latency and message.
// Requests carry `?timeout=` so the API server, not the client, decides when a request to a stuck etcd ends.

import { failingChecks } from './apiserver.js';
import { CONFIGMAPS, type KubeClient, KubeConnectionError, parseStatus, resourcePath } from './client.js';

export type ProbeKind = 'write' | 'read' | 'readyz' | 'livez';

export interface ProbeSample {
  readonly kind: ProbeKind;
  /** Epoch ms when the request was sent. */
  readonly at: number;
  readonly latencyMs: number;
  /** HTTP status; 0 when nothing answered (refused, reset, client timeout). */
  readonly status: number;
  /** Status message or failing health checks (empty on success). */
  readonly message: string;
}

export interface ApiProbeOptions {
  readonly namespace: string;
  readonly name: string;
  /** Pause between requests of one loop (default 200 ms). */
  readonly intervalMs?: number;
  /** Server-side request timeout (`?timeout=`, default 5 s); the client gives up 5 s later. */
  readonly requestTimeoutSeconds?: number;
}

export class ApiProbe {
  private readonly samples: ProbeSample[] = [];
  private readonly controller = new AbortController();
  private readonly loops: Promise<void>[];
  private counter = 0;

  private constructor(
    private readonly client: KubeClient,
    private readonly options: ApiProbeOptions,
  ) {
    this.loops = (['write', 'read', 'readyz', 'livez'] as const).map((kind) => this.loop(kind));
  }

  /** Starts probing `namespace/name` (the ConfigMap must exist). */
  static start(client: KubeClient, options: ApiProbeOptions): ApiProbe {
    return new ApiProbe(client, options);
  }

  /** Samples so far (a copy). */
  snapshot(): ProbeSample[] {
    return [...this.samples];
  }

  async stop(): Promise<ProbeSample[]> {
    this.controller.abort();
    await Promise.all(this.loops);
    return this.snapshot();
  }

  private async loop(kind: ProbeKind): Promise<void> {
    const signal = this.controller.signal;
    const interval = this.options.intervalMs ?? 200;
    while (!signal.aborted) {
      this.samples.push(await this.once(kind));
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  }

  private async once(kind: ProbeKind): Promise<ProbeSample> {
    const timeout = this.options.requestTimeoutSeconds ?? 5;
    const path = `${resourcePath(CONFIGMAPS, this.options.namespace, this.options.name)}?timeout=${timeout}s`;
    const at = Date.now();
    try {
      const response =
        kind === 'write'
          ? await this.client.request('PATCH', path, {
              body: { data: { probe: String(++this.counter) } },
              contentType: 'application/merge-patch+json',
              timeoutMs: (timeout + 5) * 1000,
            })
          : kind === 'read'
            ? await this.client.request('GET', path, { timeoutMs: (timeout + 5) * 1000 })
            : await this.client.request('GET', `/${kind}?verbose`, { timeoutMs: (timeout + 5) * 1000 });
      const ok = response.status >= 200 && response.status < 300;
      const message = ok
        ? ''
        : kind === 'readyz' || kind === 'livez'
          ? failingChecks(response.text)
          : (parseStatus(response.text)?.message ?? response.text.slice(0, 200));
      return { kind, at, latencyMs: Date.now() - at, status: response.status, message };
    } catch (error) {
      const message = error instanceof KubeConnectionError ? (error.code ?? error.message) : String(error);
      return { kind, at, latencyMs: Date.now() - at, status: 0, message };
    }
  }
}
