// One Toxiproxy server per run: started by the harness on a free loopback port, recorded in the run journal,
// killed at teardown. Proxies are created in bulk (`/populate`) and listen on kernel-chosen ports.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Toxiproxy, type Proxy as ToxiproxyProxy } from 'toxiproxy-node-client';
import { HarnessError, TimeoutError } from '../errors.js';
import { logger } from '../log.js';
import type { RunJournal } from '../runstate/journal.js';
import { processStartTime, waitForExit } from '../runstate/proc.js';
import { tail } from '../util/exec.js';
import { freePort } from './ports.js';
import { withParentDeathSignal } from './spawn.js';
import type { ProxyInfo, ToxiproxyControl } from './toxiproxy-control.js';

const log = logger('toxiproxy');

export interface ProxyRequest {
  readonly name: string;
  /** `host:port`; port 0 lets the kernel choose. */
  readonly listen: string;
  readonly upstream: string;
}

export class ToxiproxyServer implements ToxiproxyControl {
  private constructor(
    readonly apiUrl: string,
    readonly pid: number,
    private readonly startTime: string,
    readonly logPath: string,
    readonly client: Toxiproxy,
  ) {}

  static async start(options: {
    binary: string;
    workDir: string;
    journal: RunJournal;
  }): Promise<ToxiproxyServer> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const logPath = join(options.workDir, 'toxiproxy.log');
      const fd = openSync(logPath, 'a');
      const [file, args] = withParentDeathSignal(options.binary, [
        '-host',
        '127.0.0.1',
        '-port',
        String(port),
      ]);
      const child = spawn(file, args, { stdio: ['ignore', fd, fd], detached: true });
      closeSync(fd);
      const pid = child.pid;
      if (pid === undefined) throw new HarnessError(`could not spawn ${options.binary}`);
      child.unref();
      options.journal.recordProcess(pid, 'toxiproxy', 'toxiproxy-server');
      const startTime = processStartTime(pid) ?? '';
      const apiUrl = `http://127.0.0.1:${port}`;
      try {
        await waitForApi(apiUrl, pid, 5_000);
        log('started %o', { pid, apiUrl });
        return new ToxiproxyServer(apiUrl, pid, startTime, logPath, new Toxiproxy(apiUrl));
      } catch (error) {
        lastError = error;
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
        const text = await readFile(logPath, 'utf8').catch(() => '');
        if (!/address already in use/i.test(text)) {
          throw new HarnessError(`toxiproxy-server did not start: ${String(error)}\n${tail(text, 10)}`, {
            cause: error,
          });
        }
      }
    }
    throw new HarnessError('toxiproxy-server could not bind a free port after 3 attempts', {
      cause: lastError,
    });
  }

  /** Creates proxies in one request; returns them with the ports they actually listen on. */
  async createProxies(requests: readonly ProxyRequest[]): Promise<ProxyInfo[]> {
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

  async stop(): Promise<void> {
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      return;
    }
    await waitForExit(this.pid, this.startTime, 5_000);
  }
}

async function waitForApi(apiUrl: string, pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!processStartTime(pid)) throw new HarnessError('toxiproxy-server exited during startup');
    try {
      const response = await fetch(`${apiUrl}/version`, { signal: AbortSignal.timeout(500) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new TimeoutError('the Toxiproxy API', timeoutMs);
}
