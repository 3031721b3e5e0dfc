// The netns plane: a bridge per run (`ec<id>`, 10.213.N.1 for clients, .2 for peer proxies) and one network
// namespace per member (10.213.N.11+, standard ports 2379/2380/2381). Isolation is real: a blackhole route to the
// peer-proxy address cuts the member's outbound raft traffic, a downed link cuts everything.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { HarnessError, ToolMissingError } from '../../errors.js';
import { logger } from '../../log.js';
import type { RunJournal } from '../../runstate/journal.js';
import { findOnPath, isRoot, runCommand } from '../../util/exec.js';
import type { MemberNetwork, NetworkPlane } from './plane.js';

const log = logger('netns');
const SUBNET_PREFIX = '10.213';
/** Member host numbers in the /24: .1 and .2 are the bridge's (clients, peer proxies). */
const FIRST_HOST = 11;
const LAST_HOST = 250;
/** Where `ip netns` keeps its named namespaces: a namespace exists while its file does. */
const NETNS_DIR = '/run/netns';
const DELETE_ATTEMPTS = 3;
const DELETE_RETRY_MS = 200;

export class NetnsPlane implements NetworkPlane {
  readonly mode = 'netns' as const;
  readonly clientProxyHost = '127.0.0.1';
  private nextHost = FIRST_HOST;
  /** Host numbers whose member was released, oldest first: reused once the /24 runs out (a long run or --repeat). */
  private readonly releasedHosts: number[] = [];
  /** Namespaces created and not yet deleted: a failed delete keeps its namespace here for dispose() to retry. */
  private readonly members = new Set<string>();
  /** Attaches in progress: dispose() waits for them, else a namespace made after its sweep would outlive the run. */
  private readonly attaching = new Set<Promise<unknown>>();
  private disposed = false;

  private constructor(
    private readonly lastHost: number,
    private readonly ip: string,
    private readonly bridge: string,
    private readonly subnet: string,
    private readonly shortId: string,
    private readonly journal: RunJournal,
  ) {}

  get peerProxyHost(): string {
    return `${this.subnet}.2`;
  }

  get gateway(): string {
    return `${this.subnet}.1`;
  }

  get sourceAddresses(): string[] {
    return [this.gateway, this.peerProxyHost, '127.0.0.1'];
  }

  /** Why this plane cannot be used here, or undefined when it can. */
  static async unavailableReason(): Promise<string | undefined> {
    if (!isRoot()) return 'network namespaces need root';
    if (!(await findOnPath('ip'))) return '`ip` (iproute2) is not installed';
    return undefined;
  }

  /** `lastHost` narrows the member addresses (tests of reuse); the default is the whole /24. */
  static async create(
    shortId: string,
    journal: RunJournal,
    options: { lastHost?: number } = {},
  ): Promise<NetnsPlane> {
    const ip = await findOnPath('ip');
    if (!ip) throw new ToolMissingError('The netns network plane needs `ip` from iproute2.');
    const subnet = await pickFreeSubnet(ip);
    const bridge = `ec${shortId}`;
    journal.record({ kind: 'link', name: bridge });
    await batch(ip, [
      `link add ${bridge} type bridge`,
      // A bridge takes the lowest MAC of its ports unless it has its own: members' veths coming and going would
      // change it under the others, whose ARP entries for the proxies then point at a MAC that is gone (~10 s of
      // black-holed raft traffic, as measured). A fixed, locally administered MAC per run prevents that.
      `link set ${bridge} address ${bridgeMac(shortId)}`,
      `addr add ${subnet}.1/24 dev ${bridge}`,
      `addr add ${subnet}.2/24 dev ${bridge}`,
      `link set ${bridge} up`,
    ]);
    log('bridge %o', { bridge, subnet });
    return new NetnsPlane(
      Math.min(options.lastHost ?? LAST_HOST, LAST_HOST),
      ip,
      bridge,
      subnet,
      shortId,
      journal,
    );
  }

  attachMember(label: string): Promise<MemberNetwork> {
    // A run interrupted (SIGINT) while a cluster starts closes its session with an attach in flight: measured, the
    // namespace it was creating was left behind by every interrupted `run` (`ec<id>-c1m1-11`).
    if (this.disposed)
      return Promise.reject(new HarnessError('netns plane: the run is closing; no new member'));
    const attach = this.attach(label);
    this.attaching.add(attach);
    const forget = () => this.attaching.delete(attach);
    attach.then(forget, forget);
    return attach;
  }

  private async attach(label: string): Promise<MemberNetwork> {
    const reused = this.nextHost > this.lastHost ? this.releasedHosts.shift() : undefined;
    if (this.nextHost > this.lastHost && reused === undefined)
      throw new HarnessError(
        `netns plane: all ${this.lastHost - FIRST_HOST + 1} member addresses of this run's /24 are in use at once`,
      );
    const index = reused ?? this.nextHost++;
    const namespace = `ec${this.shortId}-${label}-${index}`;
    const hostLink = `ec${this.shortId}h${index}`;
    const address = `${this.subnet}.${index}`;
    this.journal.record({ kind: 'netns', name: namespace });
    this.journal.record({ kind: 'link', name: hostLink });
    this.members.add(namespace);
    if (reused !== undefined) {
      // The host's ARP entry still names the released member's veth MAC: without the flush, traffic to the new
      // member would go nowhere until the kernel gave up on it. The old host link is gone with its namespace unless
      // a process outlived the member; then it goes now.
      await runCommand(this.ip, ['link', 'delete', hostLink], { allowFailure: true });
      await runCommand(this.ip, ['neigh', 'flush', 'to', address, 'dev', this.bridge], {
        allowFailure: true,
      });
    }
    await batch(this.ip, [
      `netns add ${namespace}`,
      `link add ${hostLink} type veth peer name eth0 netns ${namespace}`,
      `link set ${hostLink} master ${this.bridge} up`,
    ]);
    await batch(
      this.ip,
      [
        `addr add ${address}/24 dev eth0`,
        'link set eth0 up',
        'link set lo up',
        `route add default via ${this.gateway}`,
      ],
      namespace,
    );
    const ip = this.ip;
    const peerProxyHost = this.peerProxyHost;
    return {
      host: address,
      ports: { client: 2379, peer: 2380, metrics: 2381 },
      namespace,
      canIsolate: true,
      wrapCommand: (argv) => [ip, 'netns', 'exec', namespace, ...argv],
      blockOutboundPeers: () => batch(ip, [`route replace blackhole ${peerProxyHost}/32`], namespace),
      unblockOutboundPeers: () => batch(ip, [`route del blackhole ${peerProxyHost}/32`], namespace),
      cutLink: () => batch(ip, [`link set ${hostLink} down`]),
      restoreLink: () => batch(ip, [`link set ${hostLink} up`]),
      release: async () => {
        if (!this.members.has(namespace)) return;
        // Its address is reused only once the namespace is gone; a failed delete leaves it to dispose().
        if (await this.deleteNamespace(namespace)) this.releasedHosts.push(index);
      },
    };
  }

  /** Deletes a namespace; true when it is gone (also when it was gone already). */
  private async deleteNamespace(namespace: string): Promise<boolean> {
    const result = await runCommand(this.ip, ['netns', 'delete', namespace], { allowFailure: true });
    const gone = !existsSync(join(NETNS_DIR, namespace));
    if (gone) this.members.delete(namespace);
    else log('netns delete %s failed: %s', namespace, result.stderr.trim());
    return gone;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.allSettled([...this.attaching]);
    for (let attempt = 1; attempt <= DELETE_ATTEMPTS && this.members.size > 0; attempt++) {
      if (attempt > 1) await delay(DELETE_RETRY_MS * attempt);
      for (const namespace of [...this.members]) await this.deleteNamespace(namespace);
    }
    await runCommand(this.ip, ['link', 'delete', this.bridge], { allowFailure: true });
    // Throwing keeps the run's journal, so the next run (or `etcd-chaos cleanup`) deletes what is left.
    if (this.members.size > 0)
      throw new HarnessError(
        `netns plane: could not delete network namespaces ${[...this.members].join(', ')} after ${DELETE_ATTEMPTS} attempts; \`etcd-chaos cleanup\` will retry`,
      );
  }
}

/** Runs `ip` commands in one process (in `namespace` when given): one exec instead of one per command. */
async function batch(ip: string, commands: readonly string[], namespace?: string): Promise<void> {
  const args = namespace ? ['-n', namespace, '-batch', '-'] : ['-batch', '-'];
  await runCommand(ip, args, { input: `${commands.join('\n')}\n` });
}

/** 02:ec:00:xx:xx:xx from the run's short id (locally administered, unicast). */
export function bridgeMac(shortId: string): string {
  const hex = shortId
    .replace(/[^0-9a-f]/gi, '')
    .padStart(6, '0')
    .slice(-6)
    .toLowerCase();
  return `02:ec:00:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}

/** A /24 under 10.213/16 that no interface on this host uses yet. */
async function pickFreeSubnet(ip: string): Promise<string> {
  const { stdout } = await runCommand(ip, ['-4', '-o', 'addr', 'show']);
  const used = new Set<number>();
  for (const match of stdout.matchAll(/inet 10\.213\.(\d+)\./g)) used.add(Number(match[1]));
  const start = Math.floor(Math.random() * 256);
  for (let offset = 0; offset < 256; offset++) {
    const candidate = (start + offset) % 256;
    if (!used.has(candidate)) return `${SUBNET_PREFIX}.${candidate}`;
  }
  throw new HarnessError('netns plane: every /24 of 10.213.0.0/16 is in use on this host');
}
