// Toxiproxy's HTTP API as the harness uses it, whoever runs the server: a local process (ToxiproxyServer) or a
// container next to the members (the docker backend).
import { Toxiproxy, type Proxy as ToxiproxyProxy } from 'toxiproxy-node-client';
import { HarnessError } from '../errors.js';
import { logger } from '../log.js';
import type { ProxyInfo, ToxiproxyControl } from './toxiproxy-control.js';

const log = logger('toxiproxy');

export interface ProxyRequest {
  readonly name: string;
  /** `host:port`; port 0 lets the kernel choose. */
  readonly listen: string;
  readonly upstream: string;
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
    const created = await this.client.populate(
      requests.map((request) => ({ ...request, enabled: true })) as never,
    );
    return requests.map((request) => {
      const proxy = created[request.name];
      if (!proxy) throw new HarnessError(`Toxiproxy did not create proxy ${request.name}`);
      const port = Number(proxy.listen.slice(proxy.listen.lastIndexOf(':') + 1));
      return { name: proxy.name, listen: proxy.listen, upstream: proxy.upstream, port };
    });
  }

  proxy(name: string): Promise<ToxiproxyProxy> {
    return this.client.get(name);
  }

  async setEnabled(name: string, enabled: boolean): Promise<void> {
    const proxy = await this.client.get(name);
    await proxy.update({ enabled, listen: proxy.listen, upstream: proxy.upstream });
  }

  async setUpstream(name: string, upstream: string): Promise<void> {
    const proxy = await this.client.get(name);
    await proxy.update({ enabled: proxy.enabled, listen: proxy.listen, upstream });
  }

  async removeProxies(names: readonly string[]): Promise<void> {
    await Promise.all(
      names.map(async (name) => {
        const response = await fetch(`${this.apiUrl}/proxies/${encodeURIComponent(name)}`, {
          method: 'DELETE',
        }).catch(() => undefined);
        if (response && !response.ok && response.status !== 404)
          log('removing proxy %s: HTTP %d', name, response.status);
      }),
    );
  }
}

/** Polls `GET /version` until the API answers; `alive` says whether the server is still worth waiting for. */
export async function waitForToxiproxyApi(
  apiUrl: string,
  timeoutMs: number,
  alive: () => boolean | Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await alive())) throw new HarnessError('toxiproxy-server exited during startup');
    try {
      const response = await fetch(`${apiUrl}/version`, { signal: AbortSignal.timeout(500) });
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new HarnessError(`the Toxiproxy API at ${apiUrl} did not answer within ${timeoutMs} ms`);
}
