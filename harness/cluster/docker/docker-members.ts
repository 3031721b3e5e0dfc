import type Dockerode from 'dockerode';
import type { EtcdBinaries } from '../../binaries/types.js';
import { HarnessError } from '../../errors.js';
import type { Session } from '../../session.js';
import type { EtcdVersion } from '../../versions/version.js';
import type { MemberArgs, MemberBackend, MemberPlan } from '../backend.js';
import type { ClientTls } from '../clients.js';
import type { DataDirMount } from '../data-dir-mount.js';
import { etcdArguments } from '../member-args.js';
import { provisionMembers } from '../member-provisioning.js';
import { freePort } from '../ports.js';
import type { CertFiles, TlsAuthority } from '../tls.js';
import { DockerMember } from './docker-member.js';
import type { ClusterNetworkHandle } from './docker-network.js';
import { objectLabels } from './labels.js';
import { containerNetworkCut, type NetworkCutTools } from './network-cut.js';
import {
  clientProxyPort,
  MEMBER_SLOTS,
  PEER_PROXY_PORTS,
  peerProxyPort,
  TOXIPROXY_ALIAS,
  type ToxiproxyContainer,
} from './toxiproxy-container.js';

const CLIENT_PORT = 2379;
const PEER_PORT = 2380;
const METRICS_PORT = 2381;

export interface DockerMemberPlan extends MemberPlan {
  readonly slot: number;
  readonly hostPorts: { readonly client: number; readonly metrics: number };
  readonly certs: CertFiles | undefined;
  readonly mount: DataDirMount | undefined;
}

export interface DockerMembersInit {
  readonly docker: Dockerode;
  readonly session: Session;
  readonly clusterName: string;
  readonly clusterDir: string;
  readonly network: ClusterNetworkHandle;
  readonly toxiproxy: ToxiproxyContainer;
  readonly tls: TlsAuthority | undefined;
  readonly dataDirSizeLimitBytes: number | undefined;
  readonly networkCutTools: NetworkCutTools | { readonly unavailable: string };
  readonly imageFor: (version: EtcdVersion) => Promise<string>;
  readonly holderImage: string;
  /** Host ports already handed out for this cluster. */
  readonly takenPorts: Set<number>;
}

export class DockerMembers implements MemberBackend<DockerMemberPlan, DockerMember> {
  /** The members built, by name: their network holders are released with their network. */
  private readonly built = new Map<string, DockerMember>();

  constructor(private readonly init: DockerMembersInit) {}

  get scheme(): 'http' | 'https' {
    return this.init.tls ? 'https' : 'http';
  }

  get clientTls(): ClientTls | undefined {
    return this.init.tls?.clientTls;
  }

  /** `ec-<run>-<cluster>-<member>`: unique on the engine, and says whose it is in `docker ps`. */
  objectName(member: string): string {
    return `ec-${this.init.session.shortId}-${this.init.clusterName}-${member}`;
  }

  async provision(names: readonly string[], indexBase = 0): Promise<DockerMemberPlan[]> {
    const { toxiproxy, session, clusterDir, clusterName, network, tls } = this.init;
    const slots = names.map((_, offset) => indexBase + offset + 1);
    const tooMany = slots.find((slot) => slot > MEMBER_SLOTS);
    if (tooMany !== undefined) {
      throw new HarnessError(
        `a docker cluster has ${MEMBER_SLOTS} member slots (published ports are fixed when its Toxiproxy container is created); all are used`,
        { hint: 'Start a new cluster instead of replacing more members in this one.' },
      );
    }
    return provisionMembers({
      names,
      toxiproxy,
      proxyName: (member, kind) => `${session.shortId}-${clusterName}-${member}-${kind}`,
      routes: (name, index) => ({
        client: { listen: `0.0.0.0:${clientProxyPort(slots[index]!)}`, upstream: `${name}:${CLIENT_PORT}` },
        peer: { listen: `0.0.0.0:${peerProxyPort(slots[index]!)}`, upstream: `${name}:${PEER_PORT}` },
      }),
      clusterDir,
      dataDirSizeLimitBytes: this.init.dataDirSizeLimitBytes,
      journal: session.journal,
      plan: async ({ name, index, proxies, dirs }) => {
        const slot = slots[index]!;
        // Peer and client-proxy traffic arrives from Toxiproxy's address; the harness's direct dials from the gateway.
        const certs = await tls?.issueMember(name, [toxiproxy.ip, network.gateway], [TOXIPROXY_ALIAS]);
        const hostPorts = { client: await this.takePort(), metrics: await this.takePort() };
        const scheme = this.scheme;
        return {
          name,
          slot,
          proxies,
          urls: {
            client: `${scheme}://127.0.0.1:${toxiproxy.hostClientPort(slot)}`,
            clientDirect: `${scheme}://127.0.0.1:${hostPorts.client}`,
            peer: `${scheme}://${TOXIPROXY_ALIAS}:${peerProxyPort(slot)}`,
            peerDirect: `${scheme}://${name}:${PEER_PORT}`,
            metrics: `http://127.0.0.1:${hostPorts.metrics}`,
          },
          hostPorts,
          ...dirs,
          certs,
        };
      },
    });
  }

  private async takePort(): Promise<number> {
    const port = await freePort('127.0.0.1', this.init.takenPorts);
    this.init.takenPorts.add(port);
    return port;
  }

  args(plan: DockerMemberPlan, args: MemberArgs, binaries: EtcdBinaries): string[] {
    const tls = this.init.tls;
    const scheme = this.scheme;
    return etcdArguments({
      name: plan.name,
      dataDir: plan.dataDir,
      addresses: {
        listenClient: `${scheme}://0.0.0.0:${CLIENT_PORT}`,
        advertiseClient: plan.urls.client,
        listenPeer: `${scheme}://0.0.0.0:${PEER_PORT}`,
        advertisePeer: plan.urls.peer,
        listenMetrics: `http://0.0.0.0:${METRICS_PORT}`,
      },
      tls: tls && plan.certs ? { certs: plan.certs, caFile: tls.caFile } : undefined,
      binaries,
      args,
    });
  }

  build(plan: DockerMemberPlan, args: MemberArgs, binaries: EtcdBinaries): DockerMember {
    const { init } = this;
    const name = this.objectName(plan.name);
    const member = new DockerMember({
      name: plan.name,
      urls: plan.urls,
      dataDir: plan.dataDir,
      logPath: plan.logPath,
      proxies: plan.proxies,
      toxiproxy: init.toxiproxy,
      clientTls: this.clientTls,
      docker: init.docker,
      journal: init.session.journal,
      containerName: name,
      volumeName: `${name}-data`,
      labels: objectLabels(init.session.runId, init.clusterName, 'member', plan.name),
      network: init.network.name,
      alias: plan.name,
      hostPorts: plan.hostPorts,
      readOnlyDirs: init.tls ? [init.tls.dir] : [],
      user: `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`,
      imageFor: init.imageFor,
      holderImage: init.holderImage,
      binaries,
      args: this.args(plan, args, binaries),
      networkCut: (pid) =>
        containerNetworkCut(init.networkCutTools, {
          pid,
          member: plan.name,
          peerProxies: {
            ip: init.toxiproxy.ip,
            firstPort: PEER_PROXY_PORTS.first,
            lastPort: PEER_PROXY_PORTS.last,
          },
          gateway: init.network.gateway,
        }),
    });
    this.built.set(plan.name, member);
    return member;
  }

  /** The member's proxies first, then the container holding its address (see docker-member.ts for why). */
  async releaseNetwork(plan: DockerMemberPlan): Promise<void> {
    await this.init.toxiproxy.removeProxies([plan.proxies.client.name, plan.proxies.peer.name]);
    await this.built.get(plan.name)?.releaseNetworkHolder();
    this.built.delete(plan.name);
  }

  async releaseCluster(): Promise<void> {
    await this.init.toxiproxy.remove();
    await this.init.network.remove();
  }
}
