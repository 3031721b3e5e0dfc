// One etcd member as a local process: spawned (inside its namespace on the netns plane) with a parent-death signal,
// logging to a file, recorded in the run journal, controllable by signals.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Etcd3 } from 'etcd3';
import { HarnessError, MemberStartError, TimeoutError, UnsupportedError } from '../../errors.js';
import { logger } from '../../log.js';
import type { RunJournal } from '../../runstate/journal.js';
import { processStartTime, waitForExit } from '../../runstate/proc.js';
import { type ClientTls, createEtcdClient } from '../clients.js';
import { type HealthReport, probeHealth } from '../health.js';
import { LOOPBACK_ISOLATION_REASON, type MemberNetwork } from '../network/plane.js';
import { withParentDeathSignal } from '../spawn.js';
import type { ToxiproxyControl } from '../toxiproxy-control.js';
import type {
  ClusterMember,
  Isolation,
  IsolationScope,
  MemberExit,
  MemberProxies,
  MemberState,
  MemberUrls,
  StopSignal,
} from '../types.js';

const log = logger('member');
const LOG_TAIL_BYTES = 64 * 1024;

export interface ProcessMemberInit {
  readonly name: string;
  readonly etcdBinary: string;
  readonly args: readonly string[];
  readonly urls: MemberUrls;
  readonly dataDir: string;
  readonly logPath: string;
  readonly proxies: MemberProxies;
  readonly net: MemberNetwork;
  readonly toxiproxy: ToxiproxyControl;
  readonly journal: RunJournal;
  readonly clientTls: ClientTls | undefined;
}

interface RunningProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly startTime: string;
  readonly exited: Promise<MemberExit>;
}

export class ProcessMember implements ClusterMember {
  readonly name: string;
  readonly urls: MemberUrls;
  readonly dataDir: string;
  readonly logPath: string;
  readonly proxies: MemberProxies;
  private command: { readonly etcdBinary: string; readonly args: readonly string[] };
  private current: RunningProcess | undefined;
  private currentState: MemberState = 'stopped';
  private lastExit: MemberExit | undefined;
  private stopping = false;
  private readonly clients = new Set<Etcd3>();
  private readonly isolations = new Set<Isolation>();

  constructor(private readonly init: ProcessMemberInit) {
    this.name = init.name;
    this.urls = init.urls;
    this.dataDir = init.dataDir;
    this.logPath = init.logPath;
    this.proxies = init.proxies;
    this.command = { etcdBinary: init.etcdBinary, args: init.args };
  }

  get args(): readonly string[] {
    return this.command.args;
  }

  /** The etcd binary this member runs (changes when an upgrade swaps it). */
  get etcdBinary(): string {
    return this.command.etcdBinary;
  }

  /** Sets the binary and arguments for the next start (a binary swap); only while the member is not running. */
  setCommand(etcdBinary: string, args: readonly string[]): void {
    if (this.current) {
      throw new UnsupportedError(
        `cannot change the command of member ${this.name} while it is ${this.currentState}`,
      );
    }
    this.command = { etcdBinary, args };
  }

  get state(): MemberState {
    return this.currentState;
  }

  get pid(): number | undefined {
    return this.current?.pid;
  }

  get canIsolate(): boolean {
    return this.init.net.canIsolate;
  }

  get exit(): MemberExit | undefined {
    return this.lastExit;
  }

  get namespace(): string | undefined {
    return this.init.net.namespace;
  }

  async start(): Promise<void> {
    if (this.current) throw new UnsupportedError(`member ${this.name} is already ${this.currentState}`);
    const argv = this.init.net.wrapCommand([this.command.etcdBinary, ...this.command.args]);
    const [file, args] = withParentDeathSignal(argv[0] ?? '', argv.slice(1));
    const fd = openSync(this.logPath, 'a');
    let child: ChildProcess;
    try {
      child = spawn(file, args, { stdio: ['ignore', fd, fd], detached: true, env: memberEnvironment() });
    } finally {
      closeSync(fd);
    }
    const pid = child.pid;
    if (pid === undefined) {
      const spawnError = await new Promise<Error>((resolve) => child.once('error', resolve));
      throw new MemberStartError(
        this.name,
        `could not spawn ${this.command.etcdBinary}: ${spawnError.message}`,
        '',
      );
    }
    child.unref();
    this.init.journal.recordProcess(pid, 'etcd', this.name);
    const exited = new Promise<MemberExit>((resolve) => {
      child.once('exit', (code, signal) => {
        const exit = { code, signal };
        this.lastExit = exit;
        if (this.current?.pid === pid) this.current = undefined;
        this.currentState = this.stopping ? 'stopped' : 'exited';
        if (!this.stopping) log('%s exited on its own %o', this.name, exit);
        resolve(exit);
      });
    });
    this.current = { child, pid, startTime: processStartTime(pid) ?? '', exited };
    this.currentState = 'running';
    this.stopping = false;
    log('%s started %o', this.name, { pid });
  }

  async stop(options: { signal?: StopSignal; timeoutMs?: number } = {}): Promise<MemberExit> {
    const running = this.current;
    if (!running) return this.lastExit ?? { code: null, signal: null };
    const signal = options.signal ?? 'SIGTERM';
    this.stopping = true;
    this.closeClients();
    sendSignal(running.pid, signal);
    // A SIGSTOPped process only acts on SIGTERM once it runs again.
    if (this.currentState === 'paused' && signal !== 'SIGKILL') sendSignal(running.pid, 'SIGCONT');
    const timeoutMs = options.timeoutMs ?? (signal === 'SIGKILL' ? 5_000 : 10_000);
    const exit = await Promise.race([running.exited, sleep(timeoutMs).then(() => undefined)]);
    if (exit) return exit;
    log('%s ignored %s for %d ms; sending SIGKILL', this.name, signal, timeoutMs);
    sendSignal(running.pid, 'SIGKILL');
    return running.exited;
  }

  kill(): Promise<MemberExit> {
    return this.stop({ signal: 'SIGKILL' });
  }

  async pause(): Promise<void> {
    const running = this.requireRunning('pause');
    if (this.currentState === 'paused') return;
    sendSignal(running.pid, 'SIGSTOP');
    this.currentState = 'paused';
  }

  async resume(): Promise<void> {
    const running = this.current;
    if (!running || this.currentState !== 'paused') {
      throw new UnsupportedError(`member ${this.name} is ${this.currentState}, not paused`);
    }
    sendSignal(running.pid, 'SIGCONT');
    this.currentState = 'running';
  }

  async restart(options: { signal?: StopSignal } = {}): Promise<void> {
    await this.stop({ signal: options.signal ?? 'SIGTERM' });
    await this.start();
  }

  client(options: { direct?: boolean; callTimeoutMs?: number } = {}): Etcd3 {
    const client = createEtcdClient({
      endpoints: [options.direct ? this.urls.clientDirect : this.urls.client],
      tls: this.init.clientTls,
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
      return false;
    }
  }

  async waitHealthy(timeoutMs = 30_000, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: HealthReport = { healthy: false, reason: 'not probed' };
    while (Date.now() < deadline) {
      signal?.throwIfAborted();
      if (this.currentState === 'exited') {
        throw new MemberStartError(
          this.name,
          `process exited (${describeExit(this.lastExit)})`,
          await this.tailLog(),
        );
      }
      last = await this.health();
      if (last.healthy) return;
      await sleep(20);
    }
    throw new TimeoutError(`member ${this.name} to report healthy (last: ${last.reason})`, timeoutMs, {
      context: { member: this.name },
    });
  }

  async isolate(scope: IsolationScope = 'all'): Promise<Isolation> {
    if (!this.canIsolate) {
      throw new UnsupportedError(`Cannot isolate member ${this.name}: ${LOOPBACK_ISOLATION_REASON}.`, {
        hint: 'Run as root so the harness can use the netns network plane (--network netns).',
      });
    }
    const { toxiproxy, net } = this.init;
    await toxiproxy.setEnabled(this.proxies.peer.name, false);
    if (scope === 'all') {
      await toxiproxy.setEnabled(this.proxies.client.name, false);
      await net.cutLink();
    } else {
      await net.blockOutboundPeers();
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
          await net.restoreLink();
          await toxiproxy.setEnabled(this.proxies.client.name, true);
        } else {
          await net.unblockOutboundPeers();
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
      return '';
    }
  }

  /** Teardown: heal isolations, close clients, SIGKILL (or graceful stop), release the namespace. */
  async dispose(graceful: boolean): Promise<MemberExit | undefined> {
    for (const isolation of [...this.isolations]) await isolation.heal().catch(() => undefined);
    this.closeClients();
    const exit = this.current ? await this.stop({ signal: graceful ? 'SIGTERM' : 'SIGKILL' }) : this.lastExit;
    const running = this.current;
    if (running) await waitForExit(running.pid, running.startTime, 5_000);
    return exit;
  }

  private requireRunning(action: string): RunningProcess {
    if (!this.current)
      throw new UnsupportedError(`cannot ${action} member ${this.name}: it is ${this.currentState}`);
    return this.current;
  }

  private closeClients(): void {
    for (const client of this.clients) client.close();
    this.clients.clear();
  }
}

/** The harness's environment minus ETCD_* variables, which etcd would read as flags (the run must be reproducible). */
function memberEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('ETCD_') || name === 'ETCD_UNSUPPORTED_ARCH') env[name] = value;
  }
  return env;
}

function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
      throw new HarnessError(`could not send ${signal} to pid ${pid}`, { cause: error });
    }
  }
}

function describeExit(exit: MemberExit | undefined): string {
  if (!exit) return 'unknown status';
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
