// The cluster both backends share: members behind Toxiproxy (client and peer proxy each, advertised peer URL = the
// proxy), etcdctl and etcd3 clients, leader lookup, health, membership changes and binary swaps. A backend supplies
// a MemberBackend that provisions members (network place, proxies, certs, data dir) and builds them.
import { rm } from 'node:fs/promises';
import type { Etcd3 } from 'etcd3';
import type { EtcdBinaries } from '../binaries/types.js';
import {
  describeError,
  HarnessError,
  InputError,
  MemberStartError,
  ProcedureError,
  TimeoutError,
} from '../errors.js';
import { logger } from '../log.js';
import type { Session } from '../session.js';
import { pollUntil, waitFor } from '../util/wait.js';
import type { EtcdVersion } from '../versions/version.js';
import type { ManagedMember, MemberArgs, MemberBackend, MemberPlan } from './backend.js';
import type { BinarySwap, SwapOptions } from './binary-swap.js';
import { type ClientTls, createEtcdClient } from './clients.js';
import { runEtcdctl } from './etcdctl.js';
import { type EtcdFlags, timingOf } from './flags.js';
import type { MembershipChanges } from './membership.js';
import type { NormalizedClusterSpec, StartContext } from './start-request.js';
import type { TlsAuthority, TlsMaterial } from './tls.js';
import type { ToxiproxyApi } from './toxiproxy-api.js';
import type {
  Backend,
  ClusterMember,
  ClusterNetwork,
  EtcdctlOptions,
  EtcdctlResult,
  StartedCluster,
  StoppedCluster,
  StoppedMember,
} from './types.js';

const log = logger('cluster');

/**
 * Starts planned members as a new cluster: fills data dirs (initializer), builds and starts every member with peer
 * proxies closed during bootstrap, then waits until all are healthy. Tears everything down on failure.
 */
export async function bootCluster<Plan extends MemberPlan, Member extends ManagedMember>(
  cluster: EtcdCluster<Plan, Member>,
  plans: readonly Plan[],
  spec: NormalizedClusterSpec,
  context: StartContext,
): Promise<void> {
  const { binaries, toxiproxy } = cluster;
  const token = cluster.token;
  const initialCluster = plans.map((plan) => `${plan.name}=${plan.urls.peer}`).join(',');
  try {
    for (const plan of plans) {
      if (spec.dataDirInitializer) {
        await spec.dataDirInitializer({
          member: plan.name,
          dataDir: plan.dataDir,
          initialCluster,
          initialAdvertisePeerUrl: plan.urls.peer,
          clusterToken: token,
          binaries,
        });
      }
      const args: MemberArgs = { initialCluster, state: 'new', token, flags: cluster.flagsFor(plan.name) };
      cluster.adopt(plan, cluster.memberBackend.build(plan, args, binaries), args);
    }
    context.onProgress?.({
      kind: 'step',
      message: `starting ${plans.length} etcd ${binaries.version} members (${cluster.network})`,
    });
    context.signal?.throwIfAborted();
    const members = cluster.members;
    // Peer proxies stay closed while members bootstrap (they keep their ports): see openPeerNetworkAfterBootstrap.
    if (members.length > 1)
      await Promise.all(members.map((member) => toxiproxy.setEnabled(member.proxies.peer.name, false)));
    await Promise.all(members.map((member) => member.start()));
    await openPeerNetworkAfterBootstrap(members, toxiproxy, context.signal);
    const { electionTimeoutMs } = timingOf(spec.flags);
    await cluster.waitHealthy({
      timeoutMs: spec.startTimeoutMs ?? Math.max(30_000, electionTimeoutMs * 6),
      signal: context.signal,
    });
  } catch (error) {
    // The start's failure is what the caller needs; a teardown that fails too is logged (the reaper finishes it).
    await cluster
      .teardown()
      .catch((teardownError: unknown) =>
        log('tearing down %s after a failed start: %s', cluster.name, describeError(teardownError)),
      );
    throw error;
  }
  context.session.defer(`cluster ${cluster.name}`, () => cluster.teardown());
}

/**
 * A new member asks its peers' `/members` during bootstrap ("is this member already bootstrapped?"). A peer whose
 * socket is bound but not yet serving makes that ask hang for etcd's 1 s bootstrap timeout, per peer, which is why
 * hand-started clusters often take 2+ s to form. With the peer proxies closed the ask is refused at once; they
 * open as soon as every member serves its metrics listener (bootstrap done), before raft needs its peers.
 */
async function openPeerNetworkAfterBootstrap(
  members: readonly ManagedMember[],
  toxiproxy: ToxiproxyApi,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (members.length === 1) return;
  const pending = new Set(members);
  // After 30 s the proxies open anyway: a member that never serves is reported, with its log, by waitHealthy.
  await pollUntil(
    async () => {
      for (const member of [...pending]) {
        // A member that exited is reported, with its log, by waitHealthy.
        if (member.state === 'exited' || (await member.serving())) pending.delete(member);
      }
      return pending.size === 0;
    },
    { timeoutMs: 30_000, intervalMs: 10, signal, what: 'every member to serve its metrics listener' },
  );
  await Promise.all(members.map((member) => toxiproxy.setEnabled(member.proxies.peer.name, true)));
}

export interface ClusterInit<Plan extends MemberPlan, Member extends ManagedMember> {
  readonly name: string;
  readonly backend: Backend;
  readonly session: Session;
  readonly ownsSession: boolean;
  readonly binaries: EtcdBinaries;
  readonly members: MemberBackend<Plan, Member>;
  readonly tls: TlsAuthority | undefined;
  readonly flags: EtcdFlags;
  readonly memberFlags: Readonly<Record<string, EtcdFlags>>;
  readonly network: ClusterNetwork;
  readonly toxiproxy: ToxiproxyApi;
  readonly dir: string;
  readonly token: string;
}

interface Slot<Plan extends MemberPlan, Member extends ManagedMember> {
  readonly plan: Plan;
  readonly member: Member;
  /** What the member was started with (kept to rebuild its command when its binary is swapped). */
  args: MemberArgs;
  binaries: EtcdBinaries;
}

export class EtcdCluster<Plan extends MemberPlan = MemberPlan, Member extends ManagedMember = ManagedMember>
  implements StartedCluster, BinarySwap, MembershipChanges
{
  readonly backend: Backend;
  readonly name: string;
  readonly runId: string;
  /** The cluster's tools (and, until a member's binary is swapped, every member's binary). */
  binaries: EtcdBinaries;
  readonly flags: EtcdFlags;
  readonly network: ClusterNetwork;
  readonly toxiproxy: ToxiproxyApi;
  readonly dir: string;
  private readonly slots: Slot<Plan, Member>[] = [];
  /** Members removed from the cluster: kept for their logs and data dirs. */
  private readonly removed: Slot<Plan, Member>[] = [];
  private readonly clients = new Set<Etcd3>();
  private stopping: Promise<StoppedCluster> | undefined;
  private tornDown: Promise<void> | undefined;
  private filesRemoved: Promise<void> | undefined;

  constructor(private readonly init: ClusterInit<Plan, Member>) {
    this.backend = init.backend;
    this.name = init.name;
    this.runId = init.session.runId;
    this.binaries = init.binaries;
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

  /** Internal: the backend that provisions and builds members. */
  get memberBackend(): MemberBackend<Plan, Member> {
    return this.init.members;
  }

  get token(): string {
    return this.init.token;
  }

  get members(): readonly Member[] {
    return this.slots.map((slot) => slot.member);
  }

  get tls(): TlsMaterial | undefined {
    return this.init.tls?.material;
  }

  /** Internal: attaches a provisioned member (start and addMember). */
  adopt(plan: Plan, member: Member, args: MemberArgs): void {
    this.slots.push({ plan, member, args, binaries: this.binaries });
  }

  memberBinaries(name: string): EtcdBinaries {
    return this.slot(name).binaries;
  }

  async swapMemberBinaries(name: string, binaries: EtcdBinaries, options: SwapOptions = {}): Promise<Member> {
    const slot = this.slot(name);
    await slot.member.stop({ signal: options.signal ?? 'SIGTERM' });
    const args: MemberArgs = options.flags ? { ...slot.args, flags: { ...options.flags } } : slot.args;
    await slot.member.useRelease(binaries, this.init.members.args(slot.plan, args, binaries));
    slot.args = args;
    slot.binaries = binaries;
    log('%s now runs etcd %s', name, binaries.version);
    await slot.member.start();
    const timeoutMs = options.timeoutMs ?? 60_000;
    if (timeoutMs > 0) await this.waitHealthy({ members: [name], timeoutMs });
    const versions = new Set(this.slots.map((entry) => entry.binaries.etcd));
    if (versions.size === 1) this.binaries = binaries;
    return slot.member;
  }

  private slot(name: string): Slot<Plan, Member> {
    const slot = this.slots.find((candidate) => candidate.member.name === name);
    if (!slot) {
      throw new InputError(
        `No member \`${name}\` in cluster ${this.name}; members are ${this.members.map((m) => m.name).join(', ')}.`,
      );
    }
    return slot;
  }

  /** The flags a member gets: presets and cluster flags, then its own. */
  flagsFor(member: string): EtcdFlags {
    return { ...this.flags, ...(this.init.memberFlags[member] ?? {}) };
  }

  member(name: string): Member {
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
    return this.init.members.clientTls;
  }

  client(options: { callTimeoutMs?: number } = {}): Etcd3 {
    const client = createEtcdClient({
      endpoints: this.endpoints(),
      tls: this.clientTls(),
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
        tls: this.clientTls(),
      },
      args,
      options,
    );
  }

  /** Member ids as etcd prints them (hex), by member name, from `etcdctl member list`. */
  async memberIds(): Promise<Record<string, string>> {
    const running = this.members.filter((member) => member.state === 'running').map((member) => member.name);
    const list = await this.etcdctl<{ members?: { ID: number | string; name: string }[] }>(
      ['member', 'list'],
      {
        json: true,
        members: running,
      },
    );
    const ids: Record<string, string> = {};
    for (const entry of list.json?.members ?? []) {
      // etcdctl's JSON prints the uint64 id as a number that may exceed 2^53: re-read it from the raw text.
      const raw = new RegExp(`"ID":(\\d+),"name":"${entry.name}"`).exec(list.stdout)?.[1] ?? String(entry.ID);
      if (entry.name) ids[entry.name] = BigInt(raw).toString(16);
    }
    return ids;
  }

  /**
   * Adds a member to the running cluster the documented way: `etcdctl member add`, then start it with
   * `--initial-cluster-state=existing` and an empty data dir; resolves when it is healthy.
   */
  async addMember(name?: string, options: { flags?: EtcdFlags; timeoutMs?: number } = {}): Promise<Member> {
    const taken = new Set([...this.slots, ...this.removed].map((slot) => slot.member.name));
    const memberName = name ?? nextMemberName(taken);
    if (taken.has(memberName))
      throw new InputError(`A member named \`${memberName}\` already exists in cluster ${this.name}.`);
    const [plan] = await this.init.members.provision([memberName], this.slots.length + this.removed.length);
    if (!plan) throw new HarnessError(`could not provision member ${memberName}`);
    try {
      await this.reconfigure(['member', 'add', memberName, `--peer-urls=${plan.urls.peer}`]);
      const initialCluster = [...this.slots.map((slot) => slot.plan), plan]
        .map((entry) => `${entry.name}=${entry.urls.peer}`)
        .join(',');
      const args: MemberArgs = {
        initialCluster,
        state: 'existing',
        token: this.init.token,
        flags: { ...this.flagsFor(memberName), ...(options.flags ?? {}) },
      };
      const member = this.init.members.build(plan, args, this.binaries);
      this.adopt(plan, member, args);
      await member.start();
      const timeoutMs = options.timeoutMs ?? 60_000;
      const deadline = Date.now() + timeoutMs;
      await member.waitHealthy(timeoutMs);
      // /health on the metrics listener can say healthy while the client listener does not answer yet (measured:
      // up to ~6 s while a new member applies the leader's snapshot): wait until it serves a client request.
      await waitServingClients(member, this.clientTls(), deadline);
      return member;
    } catch (error) {
      const index = this.slots.findIndex((slot) => slot.plan === plan);
      if (index !== -1) {
        const [slot] = this.slots.splice(index, 1);
        await slot?.member.dispose(false);
      }
      // The add's failure is what the caller needs; what could not be released is logged (the run's cleanup and
      // the reaper remove the rest with the cluster).
      await this.init.members
        .releaseNetwork(plan)
        .catch((releaseError: unknown) =>
          log('releasing %s after a failed add: %s', plan.name, describeError(releaseError)),
        );
      throw error;
    }
  }

  /**
   * Removes a member the documented way (`etcdctl member remove <id>` through the others), then stops it and releases
   * its network: its proxies first, then its place (see MemberBackend.releaseNetwork). Its data dir and log stay (in
   * `removedMembers`) for evidence.
   */
  async removeMember(name: string): Promise<void> {
    const index = this.slots.findIndex((slot) => slot.member.name === name);
    const slot = this.slots[index];
    if (!slot) throw new InputError(`No member \`${name}\` in cluster ${this.name}.`);
    const ids = await this.memberIds();
    const id = ids[name] ?? (await this.memberIdFromLog(slot.member));
    if (!id) throw new HarnessError(`Cannot find the member id of ${name} to remove it.`);
    await this.reconfigure(['member', 'remove', id], slot.member);
    this.slots.splice(index, 1);
    this.removed.push(slot);
    await slot.member.dispose(false);
    await this.init.members.releaseNetwork(slot.plan);
  }

  /**
   * Runs a membership change through the running members. With strict reconfig checking (the default) etcd refuses
   * with "unhealthy cluster" until its leader has been connected to every voting member for its 5 s health
   * interval, e.g. right after a start: retry for that long while etcd says exactly that.
   */
  private async reconfigure(args: readonly string[], excluding?: Member): Promise<void> {
    const members = this.members
      .filter((member) => member !== excluding && member.state === 'running')
      .map((member) => member.name);
    let last: EtcdctlResult | undefined;
    try {
      await waitFor(
        async () => {
          last = await this.etcdctl(args, { members, allowFailure: true });
          if (last.exitCode === 0) return true;
          // Anything but etcd's "not yet" ends the wait: the change was refused.
          if (!/unhealthy cluster|not enough started members/.test(`${last.stderr}${last.stdout}`))
            throw reconfigureError(args, last);
          return false;
        },
        { timeoutMs: 15_000, intervalMs: 250, what: `\`etcdctl ${args.join(' ')}\` to be accepted` },
      );
    } catch (error) {
      if (error instanceof TimeoutError && last) throw reconfigureError(args, last, error);
      throw error;
    }
  }

  /** Members removed with `removeMember` (their data dirs and logs are kept until the cluster is removed). */
  get removedMembers(): readonly Member[] {
    return this.removed.map((slot) => slot.member);
  }

  async leader(options: { timeoutMs?: number } = {}): Promise<ClusterMember | undefined> {
    const timeoutMs = options.timeoutMs ?? 2_000;
    const votes = new Map<string, number>();
    const idToMember = new Map<string, Member>();
    await Promise.all(
      this.members
        .filter((member) => member.state === 'running')
        .map(async (member) => {
          const client = createEtcdClient({
            endpoints: [member.urls.clientDirect],
            tls: this.clientTls(),
            callTimeoutMs: timeoutMs,
          });
          try {
            const status = await client.maintenance.status();
            idToMember.set(String(status.header.member_id), member);
            const leader = String(status.leader);
            if (leader !== '0') votes.set(leader, (votes.get(leader) ?? 0) + 1);
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
    const all = [...this.slots, ...this.removed];
    const exits = await Promise.all(all.map((slot) => slot.member.dispose(graceful)));
    // Every member's network is released, and the cluster's, even when one release fails; then the failures count.
    const released = await Promise.allSettled([
      ...this.slots.map((slot) => this.init.members.releaseNetwork(slot.plan)),
    ]);
    released.push(...(await Promise.allSettled([this.init.members.releaseCluster()])));
    const failures = released.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    if (failures.length > 0)
      throw new HarnessError(
        `releasing the network of cluster ${this.name} failed: ${failures.map(describeError).join('; ')}`,
        { cause: failures[0] },
      );
    const stoppedMembers: StoppedMember[] = all.map((slot, index) => ({
      name: slot.member.name,
      dataDir: slot.member.dataDir,
      logPath: slot.member.logPath,
      exit: exits[index],
    }));
    const remove = () => this.removeFiles();
    return {
      name: this.name,
      version: this.version,
      members: stoppedMembers,
      dir: this.dir,
      remove,
      [Symbol.asyncDispose]: remove,
    };
  }

  /** Unmounts size-limited data dirs and deletes the cluster's dir (idempotent). */
  private removeFiles(): Promise<void> {
    this.filesRemoved ??= (async () => {
      const mounts = [...this.slots, ...this.removed].map((slot) => slot.plan.mount);
      await Promise.all(mounts.map((mount) => mount?.unmount()));
      await rm(this.dir, { recursive: true, force: true });
    })();
    return this.filesRemoved;
  }

  /** Stops everything and deletes the cluster's files (what the session runs when it closes), even if a stop failed. */
  teardown(): Promise<void> {
    this.tornDown ??= (async () => {
      try {
        await this.stop();
      } finally {
        await this.removeFiles();
      }
    })();
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

  private async memberIdFromLog(member: Member): Promise<string | undefined> {
    const text = await member.tailLog(400);
    return /"local-member-id":"([0-9a-f]+)"/.exec(text)?.[1];
  }
}

async function waitServingClients(
  member: ManagedMember,
  tls: ClientTls | undefined,
  deadline: number,
): Promise<void> {
  await waitFor(
    async () => {
      const client = createEtcdClient({
        endpoints: [member.urls.client],
        tls,
        callTimeoutMs: 1_000,
        dialTimeoutMs: 1_000,
      });
      try {
        await client.maintenance.status();
        return true;
      } finally {
        client.close();
      }
    },
    {
      timeoutMs: Math.max(0, deadline - Date.now()),
      intervalMs: 100,
      what: `new member ${member.name} to serve client requests`,
      context: { member: member.name },
    },
  );
}

/** A membership change etcd refused (or kept calling premature until the wait ran out), with its output. */
function reconfigureError(args: readonly string[], result: EtcdctlResult, cause?: unknown): ProcedureError {
  return new ProcedureError(
    `\`etcdctl ${args.join(' ')}\` failed`,
    { command: result.command, exitCode: result.exitCode, stderrTail: `${result.stderr}${result.stdout}` },
    { cause },
  );
}

function nextMemberName(taken: ReadonlySet<string>): string {
  for (let index = 1; ; index++) if (!taken.has(`m${index}`)) return `m${index}`;
}
