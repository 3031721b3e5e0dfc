// The process backend: etcd members as local processes behind one Toxiproxy server, each member with a client
// proxy and a peer proxy (the advertised peer URL), on the loopback or netns network plane.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { resolveEtcd } from '../../binaries/resolve-etcd.js';
import type { EtcdBinaries, ProgressListener } from '../../binaries/types.js';
import { describeError, InputError, MemberStartError, PortInUseError, TimeoutError } from '../../errors.js';
import { logger } from '../../log.js';
import type { Session } from '../../session.js';
import { capabilitiesOf } from '../../versions/capabilities.js';
import type { EtcdVersion } from '../../versions/version.js';
import { type ClientTls, createEtcdClient } from '../clients.js';
import { runEtcdctl } from '../etcdctl.js';
import { type EtcdFlags, renderFlags, timingOf } from '../flags.js';
import type { MemberNetwork, NetworkMode, NetworkPlane } from '../network/plane.js';
import { isPortFree, portHolder } from '../ports.js';
import type { NormalizedClusterSpec } from '../spec.js';
import { generateTlsMaterial, type TlsMaterial } from '../tls.js';
import type { ProxyInfo } from '../toxiproxy-control.js';
import type { ToxiproxyServer } from '../toxiproxy-server.js';
import type {
  ClusterMember,
  EtcdctlOptions,
  EtcdctlResult,
  StartedCluster,
  StoppedCluster,
  StoppedMember,
} from '../types.js';
import { type DataDirMount, mountSizeLimitedDir } from './data-dir-mount.js';
import { ProcessMember } from './process-member.js';

const log = logger('cluster');
const BIND_RETRIES = 2;

export interface StartContext {
  readonly session: Session;
  readonly ownsSession: boolean;
  readonly onProgress?: ProgressListener;
  readonly signal?: AbortSignal;
}

export async function startProcessCluster(
  spec: NormalizedClusterSpec,
  context: StartContext,
): Promise<StartedProcessCluster> {
  const binaries =
    spec.binaries ??
    (await resolveEtcd(spec.version, { onProgress: context.onProgress, signal: context.signal }));
  context.signal?.throwIfAborted();
  const plane = await context.session.network(spec.network);
  const toxiproxy = await context.session.toxiproxy();
  const name = spec.name ?? context.session.nextClusterName();
  for (let attempt = 0; ; attempt++) {
    try {
      return await startOnce(spec, context, { binaries, plane, toxiproxy, name });
    } catch (error) {
      // Ports picked by the kernel can be taken between our probe and etcd's bind: pick new ones and retry.
      if (
        error instanceof MemberStartError &&
        /address already in use/i.test(error.logTail) &&
        spec.basePort === undefined &&
        attempt < BIND_RETRIES
      ) {
        log('port race on start of %s, retrying: %s', name, describeError(error));
        continue;
      }
      throw error;
    }
  }
}

interface StartParts {
  readonly binaries: EtcdBinaries;
  readonly plane: NetworkPlane;
  readonly toxiproxy: ToxiproxyServer;
  readonly name: string;
}

async function startOnce(
  spec: NormalizedClusterSpec,
  context: StartContext,
  parts: StartParts,
): Promise<StartedProcessCluster> {
  const { binaries, plane, toxiproxy, name } = parts;
  const { session } = context;
  const dir = join(session.workDir, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const memberNames = Array.from({ length: spec.members }, (_, index) => `m${index + 1}`);
  const networks: MemberNetwork[] = [];
  const proxyNames: string[] = [];
  const members: ProcessMember[] = [];
  const mounts: DataDirMount[] = [];
  const undo = async () => {
    await Promise.all(members.map((member) => member.dispose(false).catch(() => undefined)));
    await toxiproxy.removeProxies(proxyNames).catch(() => undefined);
    await Promise.all(networks.map((net) => net.release().catch(() => undefined)));
    await Promise.all(mounts.map((mount) => mount.unmount().catch(() => undefined)));
  };
  try {
    for (const member of memberNames) networks.push(await plane.attachMember(`${name}${member}`));
    const tls = spec.tls
      ? await generateTlsMaterial({
          dir: join(dir, 'tls'),
          members: memberNames.map((member, index) => ({
            name: member,
            ips: [networks[index]?.host ?? '127.0.0.1', ...plane.sourceAddresses],
          })),
        })
      : undefined;
    const clientTls: ClientTls | undefined = tls
      ? { caFile: tls.caFile, certFile: tls.client.cert, keyFile: tls.client.key }
      : undefined;

    const clientListens = await clientProxyListens(spec, plane, memberNames);
    const requests = memberNames.flatMap((member, index) => {
      const net = networks[index]!;
      return [
        {
          name: `${session.shortId}-${name}-${member}-client`,
          listen: clientListens[index]!,
          upstream: `${net.host}:${net.ports.client}`,
        },
        {
          name: `${session.shortId}-${name}-${member}-peer`,
          listen: `${plane.peerProxyHost}:0`,
          upstream: `${net.host}:${net.ports.peer}`,
        },
      ];
    });
    proxyNames.push(...requests.map((request) => request.name));
    const proxies = await toxiproxy.createProxies(requests);
    const proxyOf = (member: string, kind: 'client' | 'peer'): ProxyInfo =>
      proxies.find((proxy) => proxy.name === `${session.shortId}-${name}-${member}-${kind}`)!;

    const scheme = tls ? 'https' : 'http';
    const initialCluster = memberNames
      .map((member) => `${member}=${scheme}://${proxyOf(member, 'peer').listen}`)
      .join(',');
    const capabilities = capabilitiesOf(binaries.version);
    const sharedFlags: EtcdFlags = { ...spec.flags };
    for (const [index, member] of memberNames.entries()) {
      const net = networks[index]!;
      const memberDir = join(dir, member);
      await mkdir(memberDir, { recursive: true });
      const dataDir = join(memberDir, 'data');
      if (spec.dataDirSizeLimitBytes !== undefined) {
        mounts.push(await mountSizeLimitedDir(dataDir, spec.dataDirSizeLimitBytes, session.journal));
      }
      const urls = {
        client: `${scheme}://${proxyOf(member, 'client').listen}`,
        clientDirect: `${scheme}://${net.host}:${net.ports.client}`,
        peer: `${scheme}://${proxyOf(member, 'peer').listen}`,
        peerDirect: `${scheme}://${net.host}:${net.ports.peer}`,
        metrics: `http://${net.host}:${net.ports.metrics}`,
      };
      const topology = [
        `--name=${member}`,
        `--data-dir=${dataDir}`,
        `--listen-client-urls=${urls.clientDirect}`,
        `--advertise-client-urls=${urls.client}`,
        `--listen-peer-urls=${urls.peerDirect}`,
        `--initial-advertise-peer-urls=${urls.peer}`,
        `--initial-cluster=${initialCluster}`,
        '--initial-cluster-state=new',
        `--initial-cluster-token=${name}-${session.runId}`,
        `--listen-metrics-urls=${urls.metrics}`,
        ...capabilities.logFlags,
        ...(tls ? tlsFlags(tls, member) : []),
      ];
      const args = [...topology, ...renderFlags({ ...sharedFlags, ...(spec.memberFlags[member] ?? {}) })];
      members.push(
        new ProcessMember({
          name: member,
          etcdBinary: binaries.etcd,
          args,
          urls,
          dataDir,
          logPath: join(memberDir, 'etcd.log'),
          proxies: { client: proxyOf(member, 'client'), peer: proxyOf(member, 'peer') },
          net,
          toxiproxy,
          journal: session.journal,
          clientTls,
        }),
      );
    }
    context.onProgress?.({
      kind: 'step',
      message: `starting ${members.length} etcd ${binaries.version} members (${plane.mode})`,
    });
    context.signal?.throwIfAborted();
    // Peer proxies stay closed while members bootstrap (they keep their ports): see openPeerNetworkAfterBootstrap.
    if (members.length > 1)
      await Promise.all(members.map((member) => toxiproxy.setEnabled(member.proxies.peer.name, false)));
    await Promise.all(members.map((member) => member.start()));
    const cluster = new StartedProcessCluster({
      name,
      session,
      ownsSession: context.ownsSession,
      binaries,
      members,
      tls,
      clientTls,
      flags: sharedFlags,
      network: plane.mode,
      toxiproxy,
      dir,
      proxyNames,
      mounts,
    });
    const { electionTimeoutMs } = timingOf(sharedFlags);
    await openPeerNetworkAfterBootstrap(members, toxiproxy, context.signal);
    await cluster.waitHealthy({
      timeoutMs: spec.startTimeoutMs ?? Math.max(30_000, electionTimeoutMs * 6),
      signal: context.signal,
    });
    session.defer(`cluster ${name}`, () => cluster.teardown());
    return cluster;
  } catch (error) {
    await undo();
    throw error;
  }
}

/**
 * A new member asks its peers' `/members` during bootstrap ("is this member already bootstrapped?"). A peer whose
 * socket is bound but not yet serving makes that ask hang for etcd's 1 s bootstrap timeout, per peer, which is why
 * hand-started clusters often take 2+ s to form. With the peer proxies closed the ask is refused at once; they
 * open as soon as every member serves its metrics listener (bootstrap done), before raft needs its peers.
 */
async function openPeerNetworkAfterBootstrap(
  members: readonly ProcessMember[],
  toxiproxy: ToxiproxyServer,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (members.length === 1) return;
  const deadline = Date.now() + 30_000;
  const pending = new Set(members);
  while (pending.size > 0 && Date.now() < deadline) {
    signal?.throwIfAborted();
    for (const member of [...pending]) {
      if (member.state === 'exited')
        pending.delete(member); // waitHealthy reports it with its log
      else if (await member.serving()) pending.delete(member);
    }
    if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await Promise.all(members.map((member) => toxiproxy.setEnabled(member.proxies.peer.name, true)));
}

async function clientProxyListens(
  spec: NormalizedClusterSpec,
  plane: NetworkPlane,
  members: readonly string[],
): Promise<string[]> {
  if (spec.basePort === undefined) return members.map(() => `${plane.clientProxyHost}:0`);
  const listens: string[] = [];
  for (const [index, member] of members.entries()) {
    const port = spec.basePort + index;
    if (!(await isPortFree(port, plane.clientProxyHost))) {
      throw new PortInUseError(
        port,
        `client endpoint of ${member} (--base-port ${spec.basePort} + ${index})`,
        await portHolder(port),
      );
    }
    listens.push(`${plane.clientProxyHost}:${port}`);
  }
  return listens;
}

function tlsFlags(tls: TlsMaterial, member: string): string[] {
  const files = tls.members[member]!;
  return [
    `--cert-file=${files.cert}`,
    `--key-file=${files.key}`,
    `--trusted-ca-file=${tls.caFile}`,
    '--client-cert-auth=true',
    `--peer-cert-file=${files.cert}`,
    `--peer-key-file=${files.key}`,
    `--peer-trusted-ca-file=${tls.caFile}`,
    '--peer-client-cert-auth=true',
  ];
}

interface ClusterInit {
  readonly name: string;
  readonly session: Session;
  readonly ownsSession: boolean;
  readonly binaries: EtcdBinaries;
  readonly members: readonly ProcessMember[];
  readonly tls: TlsMaterial | undefined;
  readonly clientTls: ClientTls | undefined;
  readonly flags: EtcdFlags;
  readonly network: NetworkMode;
  readonly toxiproxy: ToxiproxyServer;
  readonly dir: string;
  readonly proxyNames: readonly string[];
  readonly mounts: readonly DataDirMount[];
}

export class StartedProcessCluster implements StartedCluster {
  readonly backend = 'process' as const;
  readonly name: string;
  readonly runId: string;
  readonly binaries: EtcdBinaries;
  readonly members: readonly ProcessMember[];
  readonly tls: TlsMaterial | undefined;
  readonly flags: EtcdFlags;
  readonly network: NetworkMode;
  readonly toxiproxy: ToxiproxyServer;
  readonly dir: string;
  private readonly clients = new Set<Etcd3>();
  private stopping: Promise<StoppedCluster> | undefined;
  private tornDown: Promise<void> | undefined;

  constructor(private readonly init: ClusterInit) {
    this.name = init.name;
    this.runId = init.session.runId;
    this.binaries = init.binaries;
    this.members = init.members;
    this.tls = init.tls;
    this.flags = init.flags;
    this.network = init.network;
    this.toxiproxy = init.toxiproxy;
    this.dir = init.dir;
  }

  get version(): EtcdVersion {
    return this.binaries.version;
  }

  get session(): Session {
    return this.init.session;
  }

  member(name: string): ProcessMember {
    const member = this.members.find((candidate) => candidate.name === name);
    if (!member) {
      throw new InputError(
        `No member \`${name}\` in cluster ${this.name}; members are ${this.members.map((m) => m.name).join(', ')}.`,
      );
    }
    return member;
  }

  endpoints(): string[] {
    return this.members.map((member) => member.urls.client);
  }

  clientTls(): ClientTls | undefined {
    return this.init.clientTls;
  }

  client(options: { callTimeoutMs?: number } = {}): Etcd3 {
    const client = createEtcdClient({
      endpoints: this.endpoints(),
      tls: this.init.clientTls,
      callTimeoutMs: options.callTimeoutMs,
    });
    this.clients.add(client);
    return client;
  }

  etcdctl<T = unknown>(args: readonly string[], options: EtcdctlOptions = {}): Promise<EtcdctlResult<T>> {
    const targets = options.members ? options.members.map((name) => this.member(name)) : this.members;
    return runEtcdctl<T>(
      {
        etcdctl: this.binaries.etcdctl,
        endpoints: targets.map((member) => member.urls.client),
        tls: this.init.clientTls,
      },
      args,
      options,
    );
  }

  async leader(options: { timeoutMs?: number } = {}): Promise<ClusterMember | undefined> {
    const timeoutMs = options.timeoutMs ?? 2_000;
    const votes = new Map<string, number>();
    const idToMember = new Map<string, ProcessMember>();
    await Promise.all(
      this.members
        .filter((member) => member.state === 'running')
        .map(async (member) => {
          const client = createEtcdClient({
            endpoints: [member.urls.clientDirect],
            tls: this.init.clientTls,
            callTimeoutMs: timeoutMs,
          });
          try {
            const status = await client.maintenance.status();
            idToMember.set(String(status.header.member_id), member);
            if (String(status.leader) !== '0')
              votes.set(String(status.leader), (votes.get(String(status.leader)) ?? 0) + 1);
          } catch {
            // unreachable members do not vote
          } finally {
            client.close();
          }
        }),
    );
    const [leaderId] = [...votes.entries()].sort((a, b) => b[1] - a[1])[0] ?? [];
    return leaderId === undefined ? undefined : idToMember.get(leaderId);
  }

  async waitHealthy(
    options: { timeoutMs?: number; members?: readonly string[]; signal?: AbortSignal } = {},
  ): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const targets = options.members ? options.members.map((name) => this.member(name)) : this.members;
    try {
      await Promise.all(targets.map((member) => member.waitHealthy(timeoutMs, options.signal)));
    } catch (error) {
      if (error instanceof TimeoutError) {
        const member = String(error.context.member ?? targets[0]?.name);
        throw new MemberStartError(member, error.message, await this.member(member).tailLog(), {
          cause: error,
        });
      }
      throw error;
    }
  }

  stop(options: { graceful?: boolean } = {}): Promise<StoppedCluster> {
    if (!this.stopping) this.stopping = this.stopMembers(options.graceful ?? false);
    return this.stopping;
  }

  private async stopMembers(graceful: boolean): Promise<StoppedCluster> {
    for (const client of this.clients) client.close();
    this.clients.clear();
    const exits = await Promise.all(this.members.map((member) => member.dispose(graceful)));
    await this.toxiproxy.removeProxies(this.init.proxyNames).catch(() => undefined);
    await Promise.all(this.members.map((member) => member.releaseNetwork().catch(() => undefined)));
    const stoppedMembers: StoppedMember[] = this.members.map((member, index) => ({
      name: member.name,
      dataDir: member.dataDir,
      logPath: member.logPath,
      exit: exits[index],
    }));
    const dir = this.dir;
    let removed = false;
    const mounts = this.init.mounts;
    const remove = async () => {
      if (removed) return;
      removed = true;
      await Promise.all(mounts.map((mount) => mount.unmount()));
      await rm(dir, { recursive: true, force: true });
    };
    return {
      name: this.name,
      version: this.version,
      members: stoppedMembers,
      dir,
      remove,
      [Symbol.asyncDispose]: remove,
    };
  }

  /** Stops everything and deletes the cluster's files (what the session runs when it closes). */
  teardown(): Promise<void> {
    if (!this.tornDown) {
      this.tornDown = (async () => {
        const stopped = await this.stop();
        await stopped.remove();
      })();
    }
    return this.tornDown;
  }

  /** Tears the cluster down, and closes its session when the cluster opened it. */
  async dispose(): Promise<void> {
    await this.teardown();
    if (this.init.ownsSession) await this.init.session.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
