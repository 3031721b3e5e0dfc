// Disk latency: delays a live member's fsync/fdatasync calls with ptrace (`strace --inject=...:delay_enter=`),
// attached and detached at run time without restarting the member. etcd calls fdatasync for WAL appends and bbolt
// commits, so the delay shows in etcd_disk_wal_fsync_duration_seconds and ..._backend_commit_duration_seconds.
//
// ptrace stops the tracee at every syscall once attached (seccomp filtering only works when strace starts the
// process), so the traced member also pays a few microseconds per other syscall; the fidelity bench measures it.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { open, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { isMountPoint } from '../cluster/data-dir-mount.js';
import { withParentDeathSignal } from '../cluster/spawn.js';
import { HarnessError, TimeoutError } from '../errors.js';
import { logger } from '../log.js';
import type { ListSpec, NumberSpec } from '../params.js';
import type { RunJournal } from '../runstate/journal.js';
import { processStartTime, waitForExit } from '../runstate/proc.js';
import { findOnPath, isRoot, tail } from '../util/exec.js';
import { once } from './network.js';
import { type Availability, defineFault, type FaultHandle } from './types.js';

const log = logger('fault');
const SYSCALLS = ['fdatasync', 'fsync', 'sync_file_range', 'syncfs'];

export const diskLatency = defineFault({
  name: 'disk-latency',
  kind: 'disk',
  defaultTarget: 'follower',
  description:
    "delays a member's fsync/fdatasync system calls (ptrace via strace), attached to the live process",
  params: {
    delayMs: {
      type: 'number',
      default: 50,
      unit: 'ms',
      min: 0.001,
      max: 60_000,
      description: 'delay before each call',
    } as NumberSpec,
    percent: {
      type: 'number',
      default: 100,
      unit: '%',
      min: 1,
      max: 100,
      description: 'share of calls delayed, applied as every Nth call (N = round(100/percent))',
    } as NumberSpec,
    syscalls: {
      type: 'list',
      default: ['fdatasync', 'fsync'],
      choices: SYSCALLS,
      description: 'system calls to delay',
    } as ListSpec,
  },
  available: async (context) => {
    const ptrace = await ptraceAvailability();
    if (!ptrace.available) return ptrace;
    // Containers of a remote engine (or a Docker Desktop VM) have no process on this host to attach to.
    const running = context.cluster.members.find((member) => member.pid !== undefined);
    if (running?.pid !== undefined && !existsSync(`/proc/${running.pid}`)) {
      return {
        available: false,
        reason: `member ${running.name}'s etcd (pid ${running.pid}) is not a process on this host (a remote or virtualised Docker engine): ptrace cannot reach it`,
      };
    }
    return ptrace;
  },
  inject: async (context, params, targets) => {
    const handles: FaultHandle[] = [];
    try {
      for (const name of targets) {
        const member = context.cluster.member(name);
        if (member.pid === undefined) throw new HarnessError(`disk-latency: member ${name} is not running.`);
        handles.push(
          await attachDelay({
            pid: member.pid,
            member: name,
            delayMs: params.delayMs,
            everyNth: Math.max(1, Math.round(100 / params.percent)),
            syscalls: params.syscalls,
            journal: context.cluster.session.journal,
          }),
        );
      }
    } catch (error) {
      await Promise.all(handles.map((handle) => handle.heal()));
      throw error;
    }
    return {
      heal: once(async () => void (await Promise.all(handles.map((handle) => handle.heal())))),
      details: { tracers: handles.map((handle) => handle.details) },
    };
  },
});

export async function ptraceAvailability(): Promise<Availability> {
  if (process.platform !== 'linux')
    return { available: false, reason: 'fsync delay uses ptrace: Linux only' };
  if (!(await findOnPath('strace')))
    return { available: false, reason: 'strace is not installed (Debian: apt-get install strace)' };
  if (!isRoot()) {
    let scope = '1';
    try {
      scope = readFileSync('/proc/sys/kernel/yama/ptrace_scope', 'utf8').trim();
    } catch {
      scope = '0'; // no Yama module: ptrace is not restricted beyond the usual permissions
    }
    if (scope !== '0') {
      return {
        available: false,
        reason: `ptrace of member processes needs root (kernel.yama.ptrace_scope is ${scope})`,
      };
    }
  }
  return { available: true };
}

interface AttachRequest {
  readonly pid: number;
  readonly member: string;
  readonly delayMs: number;
  readonly everyNth: number;
  readonly syscalls: readonly string[];
  readonly journal: RunJournal | undefined;
}

/** Attaches strace to every thread of `pid` and resolves once all threads it found are attached. */
export async function attachDelay(request: AttachRequest): Promise<FaultHandle> {
  const strace = await findOnPath('strace');
  if (!strace) throw new HarnessError('strace is not installed.');
  const set = request.syscalls.join(',');
  const delayUs = Math.max(1, Math.round(request.delayMs * 1000));
  const when = request.everyNth > 1 ? `:when=1+${request.everyNth}` : '';
  const args = [
    '-f',
    '-p',
    String(request.pid),
    '-o',
    '/dev/null',
    `-e trace=${set}`,
    `--inject=${set}:delay_enter=${delayUs}${when}`,
  ];
  const [file, wrapped] = withParentDeathSignal(
    strace,
    args.flatMap((arg) => (arg.startsWith('-e ') ? ['-e', arg.slice(3)] : [arg])),
  );
  const child = spawn(file, wrapped, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const tracerPid = child.pid;
  if (tracerPid === undefined) throw new HarnessError('could not spawn strace');
  request.journal?.recordProcess(tracerPid, 'strace', `disk-latency ${request.member}`);
  const tracerStart = processStartTime(tracerPid) ?? '';
  let stderr = '';
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  // strace reports `Process N attached with T threads` once it holds every thread (newer threads follow with -f).
  let threads = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new TimeoutError(`strace to attach to ${request.member} (pid ${request.pid})`, 5_000)),
      5_000,
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const attached = /Process \d+ attached(?: with (\d+) threads)?/.exec(stderr);
      if (attached) {
        threads = Number(attached[1] ?? 1);
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new HarnessError(
          `strace exited (${code}) before attaching to ${request.member}:\n${tail(stderr, 10)}`,
        ),
      );
    });
  });
  log('fsync delay attached %o', {
    member: request.member,
    pid: request.pid,
    tracerPid,
    threads,
    delayUs,
    everyNth: request.everyNth,
  });
  return {
    details: {
      member: request.member,
      tracerPid,
      pid: request.pid,
      delayUs,
      everyNth: request.everyNth,
      threadsAttached: threads,
    },
    heal: once(async () => {
      if (exited) return; // the member exited (or was restarted): nothing is traced any more
      // SIGINT makes strace detach from every thread and exit; the tracee carries on untouched.
      try {
        process.kill(tracerPid, 'SIGINT');
      } catch {
        return; // strace is gone already: nothing is traced
      }
      if (!(await waitForExit(tracerPid, tracerStart, 5_000))) {
        log('strace %d did not exit on SIGINT, killing it', tracerPid);
        process.kill(tracerPid, 'SIGKILL');
        await waitForExit(tracerPid, tracerStart, 5_000);
      }
    }),
  };
}

const FILLER_NAME = '.etcd-chaos-disk-filler';

export const diskFull = defineFault({
  name: 'disk-full',
  kind: 'disk',
  defaultTarget: 'follower',
  description:
    "fills a member's size-limited data dir (cluster started with --data-dir-size) until ENOSPC; healing deletes the filler and restarts the member if it died",
  params: {
    leaveBytes: {
      type: 'number',
      default: 0,
      unit: 'bytes',
      min: 0,
      description: 'free space to leave',
    } as NumberSpec,
  },
  available: async (context): Promise<Availability> => {
    const member = context.cluster.members[0];
    if (member && (await isMountPoint(member.dataDir))) return { available: true };
    return {
      available: false,
      reason:
        'data dirs are not size-limited: start the cluster with --data-dir-size BYTES (root: a tmpfs per member)',
    };
  },
  inject: async (context, params, targets) => {
    const filled: Record<string, number> = {};
    for (const name of targets)
      filled[name] = await fillFilesystem(
        join(context.cluster.member(name).dataDir, FILLER_NAME),
        params.leaveBytes,
      );
    return {
      details: { filledBytes: filled },
      heal: once(async () => {
        for (const name of targets) {
          const member = context.cluster.member(name);
          await rm(join(member.dataDir, FILLER_NAME), { force: true });
          // etcd exits when it cannot write its WAL: bring it back with its data.
          if (member.state === 'exited' || member.state === 'stopped') await member.start();
        }
      }),
    };
  },
});

/** Writes zeros into `path` until the filesystem is full (minus `leaveBytes`); returns the bytes written. */
async function fillFilesystem(path: string, leaveBytes: number): Promise<number> {
  const chunk = Buffer.alloc(4 * 1024 * 1024);
  const file = await open(path, 'w');
  let written = 0;
  try {
    for (;;) {
      const { bavail, bsize } = await statfs(path);
      const free = bavail * bsize - leaveBytes;
      if (free <= 0) break;
      try {
        const { bytesWritten } = await file.write(chunk, 0, Math.min(chunk.length, free));
        written += bytesWritten;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw error;
      }
    }
  } finally {
    await file.close();
  }
  return written;
}
