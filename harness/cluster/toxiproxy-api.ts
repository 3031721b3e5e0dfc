// Toxiproxy's HTTP API as the harness uses it, whoever runs the server: a local process (ToxiproxyServer) or a
// container next to the members (the docker backend). Every call that fails says which call it was.
import { Toxiproxy } from 'toxiproxy-node-client';
import { describeError, HarnessError, TimeoutError } from '../errors.js';
import { waitFor } from '../util/wait.js';
import type { ProxyInfo, ToxicRequest, ToxiproxyControl } from './toxiproxy-control.js';

export interface ProxyRequest {
  readonly name: string;
  /** `host:port`; port 0 lets the kernel choose. */
  readonly listen: string;
  readonly upstream: string;
}

/**
 * A Toxiproxy API call failed. A 503 is Toxiproxy's own 25 s API handler timeout: proxy operations (disable, delete,
 * populate) wait for the proxy's accept loop, which dials upstreams synchronously and without a timeout, and a
 * delete holds the proxy collection's lock meanwhile; a dial to an address that vanished (no reset) stalls them all.
 */
export class ToxiproxyApiError extends HarnessError {
  override readonly name: string = 'ToxiproxyApiError';
}

export class ToxiproxyApi implements ToxiproxyControl {
  readonly client: Toxiproxy;

  constructor(readonly apiUrl: string) {
    this.client = new Toxiproxy(apiUrl);
  }

  /** Process id of the server on this host, when known (for `up --json` and debugging). */
  get pid(): number | undefined {
    return undefined;
  }

  /** Creates proxies in one request; returns them with the ports they actually listen on. */
  async createProxies(requests: readonly ProxyRequest[]): Promise<ProxyInfo[]> {
    // toxiproxy-node-client's populate drops `enabled`: pass it anyway for servers that read it.
    const created = await this.call(
      `POST /populate (${requests.map((request) => request.name).join(', ')})`,
      () => this.client.populate(requests.map((request) => ({ ...request, enabled: true })) as never),
    );
    return requests.map((request) => {
      const proxy = created[request.name];
      if (!proxy) throw new ToxiproxyApiError(`Toxiproxy did not create proxy ${request.name}`);
      const port = Number(proxy.listen.slice(proxy.listen.lastIndexOf(':') + 1));
      return { name: proxy.name, listen: proxy.listen, upstream: proxy.upstream, port };
    });
  }

  async setEnabled(name: string, enabled: boolean): Promise<void> {
    await this.call(`${enabled ? 'enabling' : 'disabling'} proxy ${name}`, async () => {
      const proxy = await this.client.get(name);
      await proxy.update({ enabled, listen: proxy.listen, upstream: proxy.upstream });
    });
  }

  async setUpstream(name: string, upstream: string): Promise<void> {
    await this.call(`setting the upstream of proxy ${name}`, async () => {
      const proxy = await this.client.get(name);
      await proxy.update({ enabled: proxy.enabled, listen: proxy.listen, upstream });
    });
  }

  async addToxic(proxy: string, toxic: ToxicRequest): Promise<void> {
    await this.call(`adding toxic ${toxic.name} to proxy ${proxy}`, async () => {
      const target = await this.client.get(proxy);
      await target.addToxic({ ...toxic, toxicity: 1 } as never);
    });
  }

  async removeToxic(proxy: string, toxic: string): Promise<void> {
    await this.delete(`/proxies/${encodeURIComponent(proxy)}/toxics/${encodeURIComponent(toxic)}`);
  }

  /** Deletes proxies (those already gone are fine); throws after trying all when any other answer came back. */
  async removeProxies(names: readonly string[]): Promise<void> {
    const results = await Promise.allSettled(
      names.map((name) => this.delete(`/proxies/${encodeURIComponent(name)}`)),
    );
    const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1)
      throw new ToxiproxyApiError(
        `${failures.length} proxies could not be removed: ${failures.map(describeError).join('; ')}`,
        {
          cause: failures[0],
        },
      );
  }

  private async delete(path: string): Promise<void> {
    await this.call(`DELETE ${path}`, async () => {
      const response = await fetch(`${this.apiUrl}${path}`, { method: 'DELETE' });
      await response.body?.cancel();
      if (!response.ok && response.status !== 404)
        throw new Error(`Request failed with status code ${response.status}`);
    });
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    const startedAt = Date.now();
    try {
      return await run();
    } catch (error) {
      const durationMs = Date.now() - startedAt;
      const timedOut = /status code 503\b/.test(describeError(error));
      throw new ToxiproxyApiError(
        `Toxiproxy API at ${this.apiUrl}: ${what} failed after ${durationMs} ms: ${describeError(error)}`,
        {
          cause: error,
          context: { apiUrl: this.apiUrl, durationMs },
          hint: timedOut
            ? "HTTP 503 is Toxiproxy's 25 s API handler timeout: a proxy operation waited on an upstream dial that got no answer (an upstream address that vanished while the proxy still accepted connections)."
            : undefined,
        },
      );
    }
  }
}

/** Polls `GET /version` until the API answers; `alive` says whether the server is still worth waiting for. */
export async function waitForToxiproxyApi(
  apiUrl: string,
  timeoutMs: number,
  alive: () => boolean | Promise<boolean>,
): Promise<void> {
  try {
    await waitFor(
      async () => {
        if (!(await alive())) throw new HarnessError('toxiproxy-server exited during startup');
        const response = await fetch(`${apiUrl}/version`, { signal: AbortSignal.timeout(500) });
        await response.body?.cancel();
        return response.ok;
      },
      { timeoutMs, intervalMs: 10, what: `the Toxiproxy API at ${apiUrl} to answer` },
    );
  } catch (error) {
    if (error instanceof TimeoutError)
      throw new HarnessError(`the Toxiproxy API at ${apiUrl} did not answer within ${timeoutMs} ms`, {
        cause: error,
      });
    throw error;
  }
}
