// What every member does the same way whatever runs it (a process, a container): clients, health, bootstrap probe,
// isolation through its proxies plus a network cut, log tail. Backends supply start/stop/pause and the cut.
import { open } from 'node:fs/promises';
import type { Etcd3 } from 'etcd3';
import type { EtcdBinaries } from '../binaries/types.js';
import { describeError, MemberStartError, UnsupportedError } from '../errors.js';
import { logger } from '../log.js';
import { waitFor } from '../util/wait.js';
import type { ManagedMember, NetworkCut } from './backend.js';
import { type ClientTls, createEtcdClient } from './clients.js';
import { type HealthReport, probeHealth } from './health.js';
import type { ToxiproxyControl } from './toxiproxy-control.js';
import type {
  Isolation,
  IsolationScope,
  MemberExit,
  MemberProxies,
  MemberState,
  MemberUrls,
  StopSignal,
} from './types.js';

const log = logger('cluster');
const LOG_TAIL_BYTES = 64 * 1024;

export interface MemberBaseInit {
  readonly name: string;
  readonly urls: MemberUrls;
  readonly dataDir: string;
  readonly logPath: string;
  readonly proxies: MemberProxies;
  readonly toxiproxy: ToxiproxyControl;
  readonly clientTls: ClientTls | undefined;
  readonly networkCut: NetworkCut;
}

export abstract class MemberBase implements ManagedMember {
  readonly name: string;
  readonly urls: MemberUrls;
  readonly dataDir: string;
  readonly logPath: string;
  readonly proxies: MemberProxies;
  private readonly clients = new Set<Etcd3>();
  private readonly isolations = new Set<Isolation>();

  constructor(private readonly base: MemberBaseInit) {
    this.name = base.name;
    this.urls = base.urls;
    this.dataDir = base.dataDir;
    this.logPath = base.logPath;
    this.proxies = base.proxies;
  }

  protected currentState: MemberState = 'stopped';
  protected lastExit: MemberExit | undefined;
  /** Set while the harness stops the member, so its exit counts as `stopped`, not `exited`. */
  protected stopping = false;

  abstract get pid(): number | undefined;
  abstract get args(): readonly string[];

  get state(): MemberState {
    return this.currentState;
  }

  /** How the member last exited (undefined while it has not). */
  get exit(): MemberExit | undefined {
    return this.lastExit;
  }
  abstract start(): Promise<void>;
  abstract stop(options?: { signal?: StopSignal; timeoutMs?: number }): Promise<MemberExit>;
  abstract pause(): Promise<void>;
  abstract resume(): Promise<void>;
  abstract useRelease(binaries: EtcdBinaries, args: readonly string[]): Promise<void>;
  abstract dispose(graceful: boolean): Promise<MemberExit | undefined>;

  get canIsolate(): boolean {
    return this.base.networkCut.canIsolate;
  }

  kill(): Promise<MemberExit> {
    return this.stop({ signal: 'SIGKILL' });
  }

  async restart(options: { signal?: StopSignal } = {}): Promise<void> {
    await this.stop({ signal: options.signal ?? 'SIGTERM' });
    await this.start();
  }

  client(options: { direct?: boolean; callTimeoutMs?: number } = {}): Etcd3 {
    const client = createEtcdClient({
      endpoints: [options.direct ? this.urls.clientDirect : this.urls.client],
      tls: this.base.clientTls,
      callTimeoutMs: options.callTimeoutMs,
    });
    this.clients.add(client);
    return client;
  }

  health(): Promise<HealthReport> {
    return probeHealth(this.urls.metrics);
  }

  /** True once the member answers on its metrics listener (it has finished bootstrapping). */
  async serving(): Promise<boolean> {
    try {
      const response = await fetch(`${this.urls.metrics}/health`, { signal: AbortSignal.timeout(500) });
      await response.body?.cancel();
      return true;
    } catch {
      return false; // not listening yet (or not any more): that is the answer
    }
  }

  async waitHealthy(timeoutMs = 30_000, signal?: AbortSignal): Promise<void> {
    await waitFor(
      async () => {
        if (this.state === 'exited') {
          // Not retryable: an exited member does not become healthy.
          throw new MemberStartError(
            this.name,
            `etcd exited (${describeExit(this.exit)})`,
            await this.tailLog(),
          );
        }
        const report = await this.health();
        if (!report.healthy) throw new NotHealthy(report.reason);
        return true;
      },
      {
        timeoutMs,
        intervalMs: 20,
        signal,
        what: `member ${this.name} to report healthy`,
        context: { member: this.name },
      },
    );
  }

  async isolate(scope: IsolationScope = 'all'): Promise<Isolation> {
    const { toxiproxy, networkCut: cut } = this.base;
    if (!cut.canIsolate) {
      const why = cut.cannotIsolate ?? { reason: 'this backend cannot cut a member off', hint: '' };
      throw new UnsupportedError(`Cannot isolate member ${this.name}: ${why.reason}.`, { hint: why.hint });
    }
    await toxiproxy.setEnabled(this.proxies.peer.name, false);
    if (scope === 'all') {
      await toxiproxy.setEnabled(this.proxies.client.name, false);
      await cut.cutLink();
    } else {
      await cut.blockOutboundPeers();
    }
    let healed = false;
    const isolation: Isolation = {
      member: this.name,
      scope,
      heal: async () => {
        if (healed) return;
        healed = true;
        this.isolations.delete(isolation);
        if (scope === 'all') {
          await cut.restoreLink();
          await toxiproxy.setEnabled(this.proxies.client.name, true);
        } else {
          await cut.unblockOutboundPeers();
        }
        await toxiproxy.setEnabled(this.proxies.peer.name, true);
      },
    };
    this.isolations.add(isolation);
    return isolation;
  }

  async tailLog(lines = 40): Promise<string> {
    try {
      const handle = await open(this.logPath, 'r');
      try {
        const { size } = await handle.stat();
        const length = Math.min(size, LOG_TAIL_BYTES);
        const buffer = Buffer.alloc(length);
        await handle.read(buffer, 0, length, size - length);
        // Our own /health probes make etcd log a warning each time while it has no leader: not the story.
        const all = buffer
          .toString('utf8')
          .split('\n')
          .filter((line) => !line.includes('etcdhttp/health.go') && !line.includes('/health error'));
        return all.slice(Math.max(0, all.length - lines - 1)).join('\n');
      } finally {
        await handle.close();
      }
    } catch {
      return ''; // no log yet: a member that never started wrote nothing
    }
  }

  /** Teardown helpers for subclasses: heal what is isolated, close the clients handed out. */
  protected async releaseHandles(): Promise<void> {
    for (const isolation of [...this.isolations]) {
      // Teardown goes on: the member is being removed with its network; a heal that fails is only logged.
      await isolation
        .heal()
        .catch((error: unknown) =>
          log('healing an isolation of %s at teardown: %s', this.name, describeError(error)),
        );
    }
    this.closeClients();
  }

  protected closeClients(): void {
    for (const client of this.clients) client.close();
    this.clients.clear();
  }
}

export function describeExit(exit: MemberExit | undefined): string {
  if (!exit) return 'unknown status';
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

/** What the last health probe said, for the timeout's message. */
class NotHealthy extends Error {
  override readonly name = 'NotHealthy';
}
