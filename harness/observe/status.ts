// Each member's own view (maintenance.status: leader, raft term/index, db sizes, version) and the cluster's alarms,
// read over the members' direct client listeners, so client-proxy faults do not blind the observer.
import type { Etcd3 } from 'etcd3';
import { type ClientTls, createEtcdClient } from '../cluster/clients.js';
import type { ClusterMember, StartedCluster } from '../cluster/types.js';
import { describeError, HarnessError } from '../errors.js';

export interface MemberStatus {
  /** Member name (`m1`, ...). */
  readonly member: string;
  readonly reachable: boolean;
  /** Why the member could not be read (transport error, deadline, or its state: `member is paused`). */
  readonly error?: string;
  /** The member's own id, lower-case hex as etcdctl prints it. */
  readonly memberId?: string;
  /** Id of the member this one believes is leader (hex); absent when it knows of none. */
  readonly leaderId?: string;
  readonly isLeader?: boolean;
  readonly raftTerm?: number;
  readonly raftIndex?: number;
  /** Physically allocated size of the backend db. */
  readonly dbSizeBytes?: number;
  /** Logically used size (3.4+; what a defrag would shrink the file to). */
  readonly dbSizeInUseBytes?: number;
  /** Server version (`3.6.16`). */
  readonly version?: string;
  /** Alarm/health errors the member reports (3.4+), e.g. `NOSPACE`-related messages. */
  readonly errors?: readonly string[];
  readonly isLearner?: boolean;
  /** Epoch ms when the answer (or the failure) arrived. */
  readonly takenAt: number;
}

export interface StatusOptions {
  /** Deadline of each status call (default 2 s). */
  readonly timeoutMs?: number;
  /** Client TLS; `cluster.clientTls()` for TLS clusters. */
  readonly tls?: ClientTls;
}

export type AlarmName = 'NOSPACE' | 'CORRUPT' | (string & {});

export interface MemberAlarm {
  /** Member name, mapped from the alarm's member id (the hex id when the member is no longer listed). */
  readonly member: string;
  readonly alarm: AlarmName;
}

/** No member answered a cluster-wide read (alarms). */
export class ClusterUnreachableError extends HarnessError {
  override readonly name: string = 'ClusterUnreachableError';
  override get retryable(): boolean {
    return true;
  }
}

/** etcd's ids are uint64s that etcd3 hands over as decimal strings; etcd (and etcdctl) print them as `%x`. */
export function hexMemberId(decimal: string | number): string {
  return BigInt(decimal).toString(16);
}

/**
 * Reads members' status with one cached etcd3 client (one gRPC channel) per member and URL: cheap enough to poll
 * every 50 ms. etcd3 drops a channel after a transport error and dials again on the next call, so a member that
 * restarts is picked up. `close()` releases the channels.
 */
export class StatusReader {
  private readonly clients = new Map<string, { readonly url: string; readonly client: Etcd3 }>();
  private readonly timeoutMs: number;
  private readonly tls: ClientTls | undefined;

  constructor(options: StatusOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.tls = options.tls;
  }

  async read(member: ClusterMember): Promise<MemberStatus> {
    try {
      const status = await this.clientFor(member).maintenance.status();
      const memberId = hexMemberId(status.header.member_id);
      const leaderId = String(status.leader) === '0' ? undefined : hexMemberId(status.leader);
      return {
        member: member.name,
        reachable: true,
        memberId,
        leaderId,
        isLeader: leaderId === memberId,
        raftTerm: Number(status.raftTerm),
        raftIndex: Number(status.raftIndex),
        dbSizeBytes: Number(status.dbSize),
        dbSizeInUseBytes: Number(status.dbSizeInUse),
        version: status.version,
        errors: status.errors ?? [],
        isLearner: Boolean(status.isLearner),
        takenAt: Date.now(),
      };
    } catch (error) {
      return { member: member.name, reachable: false, error: describeError(error), takenAt: Date.now() };
    }
  }

  close(): void {
    for (const { client } of this.clients.values()) client.close();
    this.clients.clear();
  }

  private clientFor(member: ClusterMember): Etcd3 {
    const url = member.urls.clientDirect;
    const cached = this.clients.get(member.name);
    if (cached?.url === url) return cached.client;
    cached?.client.close();
    const client = createEtcdClient({ endpoints: [url], tls: this.tls, callTimeoutMs: this.timeoutMs });
    this.clients.set(member.name, { url, client });
    return client;
  }
}

/** One member's status over its direct URL; never throws: an unreachable member is `reachable: false`. */
export async function memberStatus(
  member: ClusterMember,
  options: StatusOptions = {},
): Promise<MemberStatus> {
  const reader = new StatusReader(options);
  try {
    return await reader.read(member);
  } finally {
    reader.close();
  }
}

/**
 * Every member's status, in member order. Members that are not running (stopped, paused, exited) are reported
 * unreachable with their state, without waiting for a deadline. TLS defaults to the cluster's.
 */
export async function clusterStatus(
  cluster: StartedCluster,
  options: StatusOptions = {},
): Promise<MemberStatus[]> {
  const reader = new StatusReader({ tls: cluster.clientTls(), ...options });
  try {
    return await Promise.all(cluster.members.map((member) => readIfRunning(reader, member)));
  } finally {
    reader.close();
  }
}

/** Status of a running member; a member in any other state is unreachable, said without dialing it. */
export function readIfRunning(reader: StatusReader, member: ClusterMember): Promise<MemberStatus> {
  if (member.state !== 'running') {
    return Promise.resolve({
      member: member.name,
      reachable: false,
      error: `member is ${member.state}`,
      takenAt: Date.now(),
    });
  }
  return reader.read(member);
}

/**
 * The alarms raised in the cluster (alarms are replicated, so any member answers for all), with member names.
 * Read with etcd3 (`maintenance.alarm` GET + `cluster.memberList`) rather than `etcdctl alarm list`: no process
 * per call, so it can be polled while a filler drives the cluster to NOSPACE, and structured ids to map to names.
 * The NOSPACE recovery procedure itself (`alarm disarm`) is the scenario's, with etcdctl. Tries the running
 * members in order over their direct URLs; throws `ClusterUnreachableError` when none answers.
 */
export async function listAlarms(
  cluster: StartedCluster,
  options: StatusOptions = {},
): Promise<MemberAlarm[]> {
  const failures: string[] = [];
  for (const member of cluster.members.filter((candidate) => candidate.state === 'running')) {
    const client = createEtcdClient({
      endpoints: [member.urls.clientDirect],
      tls: options.tls ?? cluster.clientTls(),
      callTimeoutMs: options.timeoutMs ?? 2_000,
    });
    try {
      const [alarms, members] = await Promise.all([
        client.maintenance.alarm({ action: 'Get', memberID: 0, alarm: 'None' }),
        client.cluster.memberList({}),
      ]);
      const names = new Map(members.members.map((entry) => [String(entry.ID), entry.name]));
      return alarms.alarms.map((entry) => ({
        member: names.get(String(entry.memberID)) || hexMemberId(entry.memberID),
        // etcd3's proto renames the enum (`Nospace`); etcd and etcdctl call it `NOSPACE`.
        alarm: String(entry.alarm).toUpperCase(),
      }));
    } catch (error) {
      failures.push(`${member.name}: ${describeError(error)}`);
    } finally {
      client.close();
    }
  }
  throw new ClusterUnreachableError(
    `No member answered the alarm list (${failures.join('; ') || 'none running'}).`,
    {
      context: { cluster: cluster.name, failures },
    },
  );
}
