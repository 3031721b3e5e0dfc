// The cluster's Toxiproxy as a container on the cluster network (alias `toxiproxy`): peer proxies listen on fixed
// ports inside the network (what members advertise), client proxies on fixed ports published on 127.0.0.1. Ports are
// reserved for the most members a cluster can ever have, because a container's published ports are fixed at create.
import type Dockerode from 'dockerode';
import { HarnessError } from '../../errors.js';
import { logger } from '../../log.js';
import { freePort } from '../ports.js';
import { ToxiproxyApi, waitForToxiproxyApi } from '../toxiproxy-api.js';
import { ChaosContainer } from './chaos-container.js';

const log = logger('docker');

export const TOXIPROXY_ALIAS = 'toxiproxy';
const API_PORT = 8474;
/** Member slots per cluster (1–7 members, plus replacements while the slots last). */
export const MEMBER_SLOTS = 7;
const CLIENT_PROXY_BASE = 20_000;
const PEER_PROXY_BASE = 21_000;

export const clientProxyPort = (slot: number): number => CLIENT_PROXY_BASE + slot;
export const peerProxyPort = (slot: number): number => PEER_PROXY_BASE + slot;
export const PEER_PROXY_PORTS = { first: peerProxyPort(1), last: peerProxyPort(MEMBER_SLOTS) } as const;

export interface ToxiproxyContainerInit {
  readonly docker: Dockerode;
  readonly image: string;
  readonly name: string;
  readonly network: string;
  readonly labels: Record<string, string>;
  /** Called with the container id as soon as it exists (journal it before anything can fail). */
  readonly onCreated: (containerId: string) => Promise<void>;
  /** Host ports already handed out for this cluster (a port is only free until docker binds it). */
  readonly takenPorts: Set<number>;
}

export class ToxiproxyContainer extends ToxiproxyApi {
  private constructor(
    apiUrl: string,
    private readonly container: Dockerode.Container,
    /** Address on the cluster network: where members' peer traffic and client-proxy dials come from. */
    readonly ip: string,
    private readonly serverPid: number | undefined,
    private readonly publishedClientPorts: ReadonlyMap<number, number>,
  ) {
    super(apiUrl);
  }

  override get pid(): number | undefined {
    return this.serverPid;
  }

  get containerId(): string {
    return this.container.id;
  }

  /** The 127.0.0.1 port that reaches the client proxy of member slot `slot` (1-based). */
  hostClientPort(slot: number): number {
    const port = this.publishedClientPorts.get(slot);
    if (port === undefined) {
      throw new HarnessError(
        `a docker cluster has ${MEMBER_SLOTS} member slots; slot ${slot} does not exist`,
        {
          hint: 'Start a new cluster instead of adding more members to this one.',
        },
      );
    }
    return port;
  }

  static async start(init: ToxiproxyContainerInit): Promise<ToxiproxyContainer> {
    const take = async () => {
      const port = await freePort('127.0.0.1', init.takenPorts);
      init.takenPorts.add(port);
      return port;
    };
    const apiPort = await take();
    const published = new Map<number, number>();
    for (let slot = 1; slot <= MEMBER_SLOTS; slot++) published.set(slot, await take());
    let containerId: string | undefined;
    const started = await new ChaosContainer(init.image)
      .withName(init.name)
      .withLabels(init.labels)
      .withEntrypoint(['/toxiproxy'])
      .withCommand(['-host=0.0.0.0', `-port=${API_PORT}`])
      .onNetwork(init.network, [TOXIPROXY_ALIAS])
      .publishOnLoopback([
        { container: API_PORT, host: apiPort },
        ...[...published].map(([slot, host]) => ({ container: clientProxyPort(slot), host })),
      ])
      .onCreated(async (id) => {
        containerId = id;
        await init.onCreated(id);
      })
      .start();
    const container = init.docker.getContainer(containerId ?? started.getId());
    try {
      const info = await container.inspect();
      const ip = info.NetworkSettings.Networks[init.network]?.IPAddress;
      if (!ip) throw new HarnessError(`the Toxiproxy container has no address on network ${init.network}`);
      const apiUrl = `http://127.0.0.1:${apiPort}`;
      await waitForToxiproxyApi(apiUrl, 10_000, async () => (await container.inspect()).State.Running);
      log('toxiproxy container %o', { id: container.id.slice(0, 12), ip, apiUrl });
      return new ToxiproxyContainer(apiUrl, container, ip, info.State.Pid || undefined, published);
    } catch (error) {
      // Best effort before the real error: the container carries the run's labels, the reaper removes it.
      await container.remove({ force: true }).catch(() => undefined);
      throw error;
    }
  }

  async remove(): Promise<void> {
    await this.container.remove({ force: true }).catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404) throw error;
    });
  }
}
