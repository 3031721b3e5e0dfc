// One etcd member as a local process: spawned (inside its namespace on the netns plane) with a parent-death signal,
// logging to a file, recorded in the run journal, controllable by signals.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { EtcdBinaries } from '../../binaries/types.js';
import { HarnessError, MemberStartError, UnsupportedError } from '../../errors.js';
import { logger } from '../../log.js';
import type { RunJournal } from '../../runstate/journal.js';
import { processStartTime, waitForExit } from '../../runstate/proc.js';
import { sleep } from '../../util/wait.js';
import { MemberBase, type MemberBaseInit } from '../member-base.js';
import { LOOPBACK_ISOLATION_REASON, type MemberNetwork } from '../network/plane.js';
import { withParentDeathSignal } from '../spawn.js';
import type { MemberExit, StopSignal } from '../types.js';

const log = logger('member');

export interface ProcessMemberInit extends Omit<MemberBaseInit, 'networkCut'> {
  readonly etcdBinary: string;
  readonly args: readonly string[];
  readonly net: MemberNetwork;
  readonly journal: RunJournal;
}

interface RunningProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly startTime: string;
  readonly exited: Promise<MemberExit>;
}

export class ProcessMember extends MemberBase {
  private command: { readonly etcdBinary: string; readonly args: readonly string[] };
  private current: RunningProcess | undefined;

  constructor(private readonly init: ProcessMemberInit) {
    super({
      ...init,
      networkCut: {
        canIsolate: init.net.canIsolate,
        blockOutboundPeers: () => init.net.blockOutboundPeers(),
        unblockOutboundPeers: () => init.net.unblockOutboundPeers(),
        cutLink: () => init.net.cutLink(),
        restoreLink: () => init.net.restoreLink(),
        cannotIsolate: {
          reason: LOOPBACK_ISOLATION_REASON,
          hint: 'Run as root so the harness can use the netns network plane (--network netns).',
        },
      },
    });
    this.command = { etcdBinary: init.etcdBinary, args: init.args };
  }

  get args(): readonly string[] {
    return this.command.args;
  }

  /** The etcd binary this member runs (changes when an upgrade swaps it). */
  get etcdBinary(): string {
    return this.command.etcdBinary;
  }

  async useRelease(binaries: EtcdBinaries, args: readonly string[]): Promise<void> {
    if (this.current) {
      throw new UnsupportedError(
        `cannot change the release of member ${this.name} while it is ${this.currentState}`,
      );
    }
    this.command = { etcdBinary: binaries.etcd, args };
  }

  get pid(): number | undefined {
    return this.current?.pid;
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

  /** Teardown: heal isolations, close clients, SIGKILL (or graceful stop), release the namespace. */
  async dispose(graceful: boolean): Promise<MemberExit | undefined> {
    await this.releaseHandles();
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
