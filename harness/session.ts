// A run of the harness: its id, journal, temp dir, the one Toxiproxy server and the network plane, and the
// cleanups that must happen when it ends (normally, on error, or on Ctrl-C). Opening a session reaps what
// earlier, killed runs left behind.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { resolveToxiproxy } from './binaries/resolve-toxiproxy.js';
import type { ProgressListener } from './binaries/types.js';
import { LoopbackPlane } from './cluster/network/loopback.js';
import { NetnsPlane } from './cluster/network/netns.js';
import type { NetworkModeRequest, NetworkPlane } from './cluster/network/plane.js';
import { ToxiproxyServer } from './cluster/toxiproxy-server.js';
import { describeError, InputError } from './errors.js';
import { logger } from './log.js';
import { TEMP_DIR_PREFIX, tempRoot } from './paths.js';
import { RunJournal } from './runstate/journal.js';
import { type ReapReport, reapOrphans } from './runstate/reaper.js';
import type { ResourceKind } from './runstate/resource-kind.js';

const log = logger('session');

export interface SessionOptions {
  /** Root of the run-state journals (default: the state dir). */
  stateRoot?: string;
  /** Keep the temp dir (data dirs, logs, certs) after the session ends. */
  keepWorkDir?: boolean;
  /** Reap killed runs' leftovers when opening (default true). */
  reap?: boolean;
  /** The resource kinds to reap when opening (default: every built-in kind). */
  reapKinds?: readonly ResourceKind[];
  onProgress?: ProgressListener;
}

type Cleanup = { readonly label: string; readonly run: () => Promise<void> | void };

export class Session implements AsyncDisposable {
  readonly runId: string;
  /** Short random id for names with length limits (network interfaces). */
  readonly shortId: string;
  readonly journal: RunJournal;
  readonly workDir: string;
  readonly reaped: ReapReport | undefined;
  private readonly cleanups: Cleanup[] = [];
  private toxiproxyServer: Promise<ToxiproxyServer> | undefined;
  private readonly planes = new Map<string, Promise<NetworkPlane>>();
  private closing: Promise<void> | undefined;
  private clusterCounter = 0;

  private constructor(
    runId: string,
    shortId: string,
    journal: RunJournal,
    workDir: string,
    reaped: ReapReport | undefined,
    private readonly options: SessionOptions,
  ) {
    this.runId = runId;
    this.shortId = shortId;
    this.journal = journal;
    this.workDir = workDir;
    this.reaped = reaped;
  }

  static async open(options: SessionOptions = {}): Promise<Session> {
    const shortId = randomBytes(3).toString('hex');
    const runId = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')}-${shortId}`;
    const reaped =
      options.reap === false
        ? undefined
        : await reapOrphans({
            root: options.stateRoot,
            kinds: options.reapKinds,
            exceptRunId: runId,
          });
    const journal = RunJournal.open(runId, options.stateRoot);
    const workDir = mkdtempSync(join(tempRoot(), `${TEMP_DIR_PREFIX}${runId}-`));
    journal.record({ kind: 'dir', path: workDir });
    log('opened %o', { runId, workDir });
    return new Session(runId, shortId, journal, workDir, reaped, options);
  }

  /** Next cluster name in this run (`c1`, `c2`, ...). */
  nextClusterName(): string {
    this.clusterCounter += 1;
    return `c${this.clusterCounter}`;
  }

  /** The run's Toxiproxy server, started on first use. */
  toxiproxy(): Promise<ToxiproxyServer> {
    if (!this.toxiproxyServer) {
      this.toxiproxyServer = (async () => {
        const binary = await resolveToxiproxy({ onProgress: this.options.onProgress });
        const server = await ToxiproxyServer.start({
          binary: binary.path,
          workDir: this.workDir,
          journal: this.journal,
        });
        this.defer('toxiproxy-server', () => server.stop());
        return server;
      })();
      // The caller gets the failure through the returned promise; forgetting it lets the next call try again.
      this.toxiproxyServer.catch(() => {
        this.toxiproxyServer = undefined;
      });
    }
    return this.toxiproxyServer;
  }

  /** The network plane for `mode` (`auto`: netns when possible, else loopback), created on first use. */
  network(mode: NetworkModeRequest = 'auto'): Promise<NetworkPlane> {
    let pending = this.planes.get(mode);
    if (!pending) {
      pending = this.createPlane(mode);
      this.planes.set(mode, pending);
      // The caller gets the failure through the returned promise; forgetting it lets the next call try again.
      pending.catch(() => this.planes.delete(mode));
    }
    return pending;
  }

  private async createPlane(mode: NetworkModeRequest): Promise<NetworkPlane> {
    const netnsProblem = mode === 'loopback' ? 'not requested' : await NetnsPlane.unavailableReason();
    if (mode === 'netns' && netnsProblem) {
      throw new InputError(`--network netns is not possible here: ${netnsProblem}.`, {
        hint: 'Run as root with iproute2 installed, or use --network loopback (members cannot be isolated then).',
      });
    }
    let plane: NetworkPlane;
    if (netnsProblem) {
      plane = new LoopbackPlane();
    } else {
      try {
        plane = await NetnsPlane.create(this.shortId, this.journal);
      } catch (error) {
        if (mode === 'netns') throw error;
        log('netns plane failed, falling back to loopback: %s', describeError(error));
        plane = new LoopbackPlane();
      }
    }
    this.defer(`network plane (${plane.mode})`, () => plane.dispose());
    return plane;
  }

  /** Registers a cleanup; cleanups run in reverse order when the session closes. */
  defer(label: string, run: () => Promise<void> | void): void {
    this.cleanups.push({ label, run });
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Runs every cleanup (even after failures), removes the temp dir and forgets the run. Idempotent. */
  close(): Promise<void> {
    if (!this.closing) this.closing = this.runCleanups();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async runCleanups(): Promise<void> {
    const failures: string[] = [];
    while (this.cleanups.length > 0) {
      const cleanup = this.cleanups.pop();
      if (!cleanup) break;
      try {
        await cleanup.run();
      } catch (error) {
        failures.push(`${cleanup.label}: ${describeError(error)}`);
      }
    }
    // ETCD_CHAOS_KEEP_WORKDIR=1 keeps Toxiproxy's log and the run's files for debugging (cluster dirs go with teardown).
    if (!this.options.keepWorkDir && process.env.ETCD_CHAOS_KEEP_WORKDIR !== '1')
      rmSync(this.workDir, { recursive: true, force: true });
    if (failures.length === 0) {
      this.journal.close();
    } else {
      // Keep the journal so `etcd-chaos cleanup` can finish the job.
      log('cleanup failures (journal kept for the reaper): %o', failures);
    }
  }
}
