// One Toxiproxy server per run: started by the harness on a free loopback port, recorded in the run journal,
// killed at teardown. Proxies are created in bulk (`/populate`) and listen on kernel-chosen ports.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HarnessError } from '../errors.js';
import { logger } from '../log.js';
import type { RunJournal } from '../runstate/journal.js';
import { processStartTime, waitForExit } from '../runstate/proc.js';
import { tail } from '../util/exec.js';
import { freePort } from './ports.js';
import { withParentDeathSignal } from './spawn.js';
import { ToxiproxyApi, waitForToxiproxyApi } from './toxiproxy-api.js';

const log = logger('toxiproxy');

export type { ProxyRequest } from './toxiproxy-api.js';

/** The run's Toxiproxy server as a local process (the process backend). */
export class ToxiproxyServer extends ToxiproxyApi {
  private constructor(
    apiUrl: string,
    private readonly serverPid: number,
    private readonly startTime: string,
    readonly logPath: string,
  ) {
    super(apiUrl);
  }

  override get pid(): number {
    return this.serverPid;
  }

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
        await waitForToxiproxyApi(apiUrl, 5_000, () => processStartTime(pid) !== undefined);
        log('started %o', { pid, apiUrl });
        return new ToxiproxyServer(apiUrl, pid, startTime, logPath);
      } catch (error) {
        lastError = error;
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
        const text = await readFile(logPath, 'utf8').catch(() => ''); // no log: it did not get far enough to write
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

  async stop(): Promise<void> {
    try {
      process.kill(this.serverPid, 'SIGKILL');
    } catch {
      return; // already gone
    }
    await waitForExit(this.serverPid, this.startTime, 5_000);
  }
}
