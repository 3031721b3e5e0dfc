// One etcd member as a container: its data dir on a labelled volume (bound to the same path on this host, so host
// tools and the process backend's procedures work unchanged), its log streamed to a host file, member operations
// mapped to container operations (kill with a signal, pause/unpause with the freezer, start again).
//
// The member's network namespace (address, alias, published ports) belongs to a small holder container that lives as
// long as the member's place on the network, like a Kubernetes pod's pause container; etcd's container joins it.
// Without it, a killed member's address vanishes with its container: Toxiproxy then dials a dead address with no
// answer (not even a reset), and its synchronous dial in the accept loop stalls that proxy for tens of seconds
// (measured: a proxy DELETE hit Toxiproxy's 25 s API timeout). With the holder, connections to a stopped member are
// refused at once, as on the process backend. The holder goes last, after the member's proxies (releaseNetwork):
// removed earlier, a dial that resolved the alias just before would stall the same way (measured: DELETE → 503).
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type Dockerode from 'dockerode';
import type { EtcdBinaries } from '../../binaries/types.js';
import { describeError, HarnessError, MemberStartError, UnsupportedError } from '../../errors.js';
import { logger } from '../../log.js';
import type { RunJournal } from '../../runstate/journal.js';
import { sleep } from '../../util/wait.js';
import type { EtcdVersion } from '../../versions/version.js';
import type { NetworkCut } from '../backend.js';
import { MemberBase, type MemberBaseInit } from '../member-base.js';
import type { MemberExit, StopSignal } from '../types.js';
import { ChaosContainer } from './chaos-container.js';
import { LABEL } from './labels.js';

const log = logger('docker');
const SIGNAL_NUMBERS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

export interface DockerMemberInit extends Omit<MemberBaseInit, 'networkCut'> {
  readonly docker: Dockerode;
  readonly journal: RunJournal;
  readonly containerName: string;
  readonly volumeName: string;
  readonly labels: Record<string, string>;
  readonly network: string;
  readonly alias: string;
  /** 127.0.0.1 ports for the member's own client listener (2379) and metrics listener (2381). */
  readonly hostPorts: { readonly client: number; readonly metrics: number };
  /** Read-only host dirs the member needs at the same path (its certificates). */
  readonly readOnlyDirs: readonly string[];
  /** `uid:gid` etcd runs as, so the data dir on this host stays ours. */
  readonly user: string;
  readonly imageFor: (version: EtcdVersion) => Promise<string>;
  /** Image of the network holder: any image with a long-running static binary (the Toxiproxy image). */
  readonly holderImage: string;
  readonly binaries: EtcdBinaries;
  readonly args: readonly string[];
  readonly networkCut: (pid: () => number | undefined) => NetworkCut;
}

interface RunningContainer {
  readonly pid: number;
  readonly exited: Promise<MemberExit>;
}

export class DockerMember extends MemberBase {
  private release: { binaries: EtcdBinaries; args: readonly string[] };
  private container: Dockerode.Container | undefined;
  private volumeReady = false;
  /** Holds the member's network namespace; its pid is where isolation enters. */
  private holder: { readonly container: Dockerode.Container; readonly pid: number } | undefined;
  private current: RunningContainer | undefined;

  constructor(private readonly init: DockerMemberInit) {
    super({ ...init, networkCut: init.networkCut(() => this.holder?.pid) });
    this.release = { binaries: init.binaries, args: init.args };
  }

  get args(): readonly string[] {
    return this.release.args;
  }

  /** The container's etcd process as this host sees it (for ptrace faults), undefined while stopped. */
  get pid(): number | undefined {
    return this.current?.pid;
  }

  get containerId(): string | undefined {
    return this.container?.id;
  }

  async useRelease(binaries: EtcdBinaries, args: readonly string[]): Promise<void> {
    if (this.current) {
      throw new UnsupportedError(
        `cannot change the release of member ${this.name} while it is ${this.currentState}`,
      );
    }
    // A new release is a new image: the next start creates a new container on the same volume.
    await this.removeContainer();
    this.release = { binaries, args };
  }

  async start(): Promise<void> {
    if (this.current) throw new UnsupportedError(`member ${this.name} is already ${this.currentState}`);
    this.stopping = false;
    const logStream = createWriteStream(this.logPath, { flags: 'a' });
    let exited: Promise<MemberExit>;
    try {
      if (this.container) {
        const container = this.container;
        await this.attachLog(container, logStream);
        exited = this.watchExit(container);
        await container.start();
      } else {
        const created = await this.createAndStart(logStream);
        this.container = created.container;
        exited = created.exited;
      }
    } catch (error) {
      logStream.end();
      throw new MemberStartError(
        this.name,
        `could not start its container: ${describeError(error)}`,
        await this.tailLog(),
      );
    }
    const container = this.container;
    const info = await container.inspect();
    if (!info.State.Running) {
      // etcd exited at once (bad flags, a corrupt data dir): waitHealthy reports it with the log.
      await exited;
      this.current = undefined;
      this.currentState = 'exited';
      return;
    }
    this.current = { pid: info.State.Pid, exited };
    this.currentState = 'running';
    log('%s started %o', this.name, { container: container.id.slice(0, 12), pid: info.State.Pid });
  }

  async stop(options: { signal?: StopSignal; timeoutMs?: number } = {}): Promise<MemberExit> {
    const running = this.current;
    if (!running || !this.container) return this.lastExit ?? { code: null, signal: null };
    const signal = options.signal ?? 'SIGTERM';
    this.stopping = true;
    this.closeClients();
    // A frozen container acts on nothing but SIGKILL until it is thawed.
    // A frozen container that exited meanwhile has nothing to thaw; the signal below reports a real failure.
    if (this.currentState === 'paused') await this.container.unpause().catch(() => undefined);
    await this.signal(signal);
    const timeoutMs = options.timeoutMs ?? (signal === 'SIGKILL' ? 5_000 : 10_000);
    const exit = await Promise.race([running.exited, sleep(timeoutMs).then(() => undefined)]);
    if (exit) return exit;
    log('%s ignored %s for %d ms; sending SIGKILL', this.name, signal, timeoutMs);
    await this.signal('SIGKILL');
    return running.exited;
  }

  async pause(): Promise<void> {
    if (!this.current || !this.container)
      throw new UnsupportedError(`cannot pause member ${this.name}: it is ${this.currentState}`);
    if (this.currentState === 'paused') return;
    await this.container.pause();
    this.currentState = 'paused';
  }

  async resume(): Promise<void> {
    if (!this.current || !this.container || this.currentState !== 'paused') {
      throw new UnsupportedError(`member ${this.name} is ${this.currentState}, not paused`);
    }
    await this.container.unpause();
    this.currentState = 'running';
  }

  async dispose(graceful: boolean): Promise<MemberExit | undefined> {
    await this.releaseHandles();
    let exit = this.lastExit;
    const running = this.current;
    if (running && graceful) {
      exit = await this.stop({ signal: 'SIGTERM' });
    } else if (running) {
      // A forced remove is a SIGKILL and a remove in one call: what a throwaway member's teardown needs.
      this.stopping = true;
      await this.removeContainer();
      exit = await Promise.race([
        running.exited,
        sleep(2_000).then(() => ({ code: null, signal: 'SIGKILL' })),
      ]);
    }
    await this.removeContainer();
    const volume = this.volumeReady ? this.init.docker.getVolume(this.init.volumeName) : undefined;
    this.volumeReady = false;
    await volume?.remove().catch((error: { statusCode?: number }) => {
      // Best effort: a volume left behind carries the run's labels, and the reaper removes it.
      if (error.statusCode !== 404) log('removing volume %s: %s', this.init.volumeName, describeError(error));
    });
    return exit;
  }

  /**
   * Removes the container holding the member's address (after its proxies are gone: see the top of this file). A
   * member started again afterwards gets a new holder.
   */
  async releaseNetworkHolder(): Promise<void> {
    const holder = this.holder;
    this.holder = undefined;
    await holder?.container.remove({ force: true }).catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404) throw error;
    });
  }

  /**
   * Creates and starts the container with testcontainers. testcontainers then waits up to 10 s for the published
   * ports, which never appear when etcd exits at once: the container's exit ends that wait early.
   */
  private async createAndStart(
    logStream: WriteStream,
  ): Promise<{ container: Dockerode.Container; exited: Promise<MemberExit> }> {
    const { init } = this;
    await this.ensureVolume();
    const holder = await this.ensureNetworkHolder();
    const image = await init.imageFor(this.release.binaries.version);
    let created: { container: Dockerode.Container; exited: Promise<MemberExit> } | undefined;
    const started = new ChaosContainer(image)
      .withName(init.containerName)
      .withLabels(init.labels)
      .withUser(init.user)
      .withEntrypoint(['/usr/local/bin/etcd'])
      .withCommand([...this.release.args])
      .withNetworkMode(`container:${holder.id}`)
      .withBinds([
        `${init.volumeName}:${this.dataDir}:rw`,
        ...init.readOnlyDirs.map((dir) => `${dir}:${dir}:ro`),
      ])
      .onCreated(async (id) => {
        init.journal.record({ kind: 'container', id, label: init.containerName });
        const container = init.docker.getContainer(id);
        // Owned from here: whatever happens next, dispose removes it.
        this.container = container;
        await this.attachLog(container, logStream);
        created = { container, exited: this.watchExit(container) };
      })
      .start();
    const exitedEarly = new Promise<'exited'>((resolve) => {
      const poll = setInterval(() => {
        if (created) {
          clearInterval(poll);
          created.exited.then(() => resolve('exited'));
        }
      }, 20);
      // Only stops the poll; `started`'s own outcome is awaited (or deliberately dropped) below.
      started.finally(() => clearInterval(poll)).catch(() => undefined);
    });
    const outcome = await Promise.race([started.then(() => 'started' as const), exitedEarly]);
    if (outcome === 'exited') started.catch(() => undefined); // its port wait fails later: expected
    if (!created) throw new HarnessError(`container of ${this.name} was not created`);
    return created;
  }

  /** Resolves when the container next stops (registered before it starts, so no exit is missed). */
  private watchExit(container: Dockerode.Container): Promise<MemberExit> {
    return container.wait({ condition: 'next-exit' }).then(
      (result: { StatusCode: number }) => this.onExit(container, exitOf(result.StatusCode)),
      () => this.onExit(container, { code: null, signal: null }),
    );
  }

  /** The container that owns the member's address, alias and published ports (see the top of this file). */
  private async ensureNetworkHolder(): Promise<Dockerode.Container> {
    if (this.holder) return this.holder.container;
    const { init } = this;
    let id: string | undefined;
    await new ChaosContainer(init.holderImage)
      .withName(`${init.containerName}-net`)
      .withLabels({ ...init.labels, [LABEL.role]: 'member-net' })
      .withEntrypoint(['/toxiproxy'])
      // Bound to the namespace's loopback on a port etcd does not use: it only has to stay alive.
      .withCommand(['-host=127.0.0.1', '-port=8474'])
      .onNetwork(init.network, [init.alias])
      .publishOnLoopback([
        { container: 2379, host: init.hostPorts.client },
        { container: 2381, host: init.hostPorts.metrics },
      ])
      .onCreated(async (containerId) => {
        id = containerId;
        init.journal.record({ kind: 'container', id: containerId, label: `${init.containerName}-net` });
      })
      .start();
    if (!id) throw new HarnessError(`the network holder of ${this.name} was not created`);
    const container = init.docker.getContainer(id);
    const info = await container.inspect();
    this.holder = { container, pid: info.State.Pid };
    return container;
  }

  /** The data dir as a named volume bound to the host path (labelled, so cleanup finds it). */
  private async ensureVolume(): Promise<void> {
    if (this.volumeReady) return;
    await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    this.init.journal.record({ kind: 'volume', name: this.init.volumeName });
    await this.init.docker.createVolume({
      Name: this.init.volumeName,
      Driver: 'local',
      DriverOpts: { type: 'none', o: 'bind', device: this.dataDir },
      Labels: this.init.labels,
    });
    this.volumeReady = true;
  }

  /** Streams the container's stdout and stderr (etcd logs to stderr) into the member's log file from now on. */
  private async attachLog(container: Dockerode.Container, out: WriteStream): Promise<void> {
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    this.init.docker.modem.demuxStream(stream, out, out);
    stream.on('end', () => out.end());
    stream.on('error', () => out.end());
  }

  private async signal(signal: StopSignal): Promise<void> {
    await this.container
      ?.kill({ signal: String(SIGNAL_NUMBERS[signal] ?? signal) })
      .catch((error: { statusCode?: number }) => {
        // 409: not running any more (it exited between our check and the signal).
        if (error.statusCode !== 409 && error.statusCode !== 404) throw error;
      });
  }

  private onExit(container: Dockerode.Container, exit: MemberExit): MemberExit {
    this.lastExit = exit;
    if (this.container === container) this.current = undefined;
    this.currentState = this.stopping ? 'stopped' : 'exited';
    if (!this.stopping) log('%s exited on its own %o', this.name, exit);
    return exit;
  }

  private async removeContainer(): Promise<void> {
    const container = this.container;
    this.container = undefined;
    this.current = undefined;
    if (!container) return;
    await container.remove({ force: true, v: false }).catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404) log('removing container of %s: %s', this.name, describeError(error));
    });
  }
}

/** Container exit status to the process-style exit: 128+N means killed by signal N. */
function exitOf(status: number): MemberExit {
  const names: Record<number, string> = { 2: 'SIGINT', 9: 'SIGKILL', 15: 'SIGTERM' };
  if (status > 128 && names[status - 128]) return { code: null, signal: names[status - 128]! };
  return { code: status, signal: null };
}
