// A Docker engine for the container tests: used when one answers; otherwise, as root on Debian, Debian's docker.io
// is installed (when missing) and dockerd started in the background; otherwise the tests skip with the reason.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { quickDockerClient } from '../../harness/cluster/docker/engine.js';
import { stateDir } from '../../harness/paths.js';
import { ensureDebianPackage } from './system-packages.js';

/** The versions the container tests run: the default line and the previous one ("cluster up on two versions"). */
export const DOCKER_TEST_LINES = ['3.6', '3.5'] as const;

export interface EngineStatus {
  readonly available: boolean;
  readonly reason: string | undefined;
}

async function engineAnswers(): Promise<boolean> {
  return (await quickDockerClient(5_000)) !== undefined;
}

export async function ensureDockerEngine(say: (message: string) => void): Promise<EngineStatus> {
  if (await engineAnswers()) return { available: true, reason: undefined };
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root) {
    return { available: false, reason: 'no Docker engine answers, and starting one (dockerd) needs root' };
  }
  const installed = ensureDebianPackage('docker.io', '/usr/sbin/dockerd', say);
  if (!installed.available) return installed;
  mkdirSync(stateDir(), { recursive: true });
  const logPath = join(stateDir(), 'dockerd.log');
  say(`starting dockerd (log: ${logPath}) ...`);
  const fd = openSync(logPath, 'a');
  const daemon = spawn('/usr/sbin/dockerd', [], { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  daemon.unref();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (await engineAnswers()) {
      say('dockerd is up');
      return { available: true, reason: undefined };
    }
    if (daemon.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { available: false, reason: `dockerd did not come up within 60 s (see ${logPath})` };
}
