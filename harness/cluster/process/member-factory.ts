import type { EtcdBinaries } from '../../binaries/types.js';
import { PortInUseError } from '../../errors.js';
import type { Session } from '../../session.js';
import type { MemberArgs, MemberBackend, MemberPlan } from '../backend.js';
import type { ClientTls } from '../clients.js';
import type { DataDirMount } from '../data-dir-mount.js';
import { etcdArguments } from '../member-args.js';
import { provisionMembers } from '../member-provisioning.js';
import type { MemberNetwork, NetworkPlane } from '../network/plane.js';
import { isPortFree, portHolder } from '../ports.js';
import type { CertFiles, TlsAuthority } from '../tls.js';
import type { ToxiproxyServer } from '../toxiproxy-server.js';
import { ProcessMember } from './process-member.js';

/** Everything provisioned for one process member before it runs. */
export interface ProcessMemberPlan extends MemberPlan {
  readonly net: MemberNetwork;
  readonly certs: CertFiles | undefined;
  readonly mount: DataDirMount | undefined;
}

export interface MemberFactoryInit {
  readonly session: Session;
  readonly clusterName: string;
  readonly clusterDir: string;
  readonly plane: NetworkPlane;
  readonly toxiproxy: ToxiproxyServer;
  readonly binaries: EtcdBinaries;
  readonly tls: TlsAuthority | undefined;
  readonly basePort: number | undefined;
  readonly dataDirSizeLimitBytes: number | undefined;
}

export class MemberFactory implements MemberBackend<ProcessMemberPlan, ProcessMember> {
  constructor(private readonly init: MemberFactoryInit) {}

  get scheme(): 'http' | 'https' {
    return this.init.tls ? 'https' : 'http';
  }

  get clientTls(): ClientTls | undefined {
    return this.init.tls?.clientTls;
  }

  proxyName(member: string, kind: 'client' | 'peer'): string {
    return `${this.init.session.shortId}-${this.init.clusterName}-${member}-${kind}`;
  }

  /** Provisions members; on failure releases what it made. `indexBase` positions fixed client ports. */
  async provision(names: readonly string[], indexBase = 0): Promise<ProcessMemberPlan[]> {
    const { plane, toxiproxy, session, clusterDir } = this.init;
    const networks: MemberNetwork[] = [];
    try {
      for (const name of names) networks.push(await plane.attachMember(`${this.init.clusterName}${name}`));
      const clientListens = await this.clientListens(names, indexBase);
      return await provisionMembers({
        names,
        toxiproxy,
        proxyName: (member, kind) => this.proxyName(member, kind),
        routes: (_, index) => {
          const net = networks[index]!;
          return {
            client: { listen: clientListens[index]!, upstream: `${net.host}:${net.ports.client}` },
            peer: { listen: `${plane.peerProxyHost}:0`, upstream: `${net.host}:${net.ports.peer}` },
          };
        },
        clusterDir,
        dataDirSizeLimitBytes: this.init.dataDirSizeLimitBytes,
        journal: session.journal,
        plan: async ({ name, index, proxies, dirs }) => {
          const net = networks[index]!;
          const certs = await this.init.tls?.issueMember(name, [net.host, ...plane.sourceAddresses]);
          const scheme = this.scheme;
          return {
            name,
            net,
            proxies,
            urls: {
              client: `${scheme}://${proxies.client.listen}`,
              clientDirect: `${scheme}://${net.host}:${net.ports.client}`,
              peer: `${scheme}://${proxies.peer.listen}`,
              peerDirect: `${scheme}://${net.host}:${net.ports.peer}`,
              metrics: `http://${net.host}:${net.ports.metrics}`,
            },
            ...dirs,
            certs,
          };
        },
      });
    } catch (error) {
      // Releasing a network place does not fail (it forgets ports or deletes a namespace, allowing failure).
      await Promise.all(networks.map((net) => net.release()));
      throw error;
    }
  }

  /** The etcd arguments for a planned member: topology (managed) first, then the user's flags. */
  args(plan: ProcessMemberPlan, args: MemberArgs, binaries: EtcdBinaries = this.init.binaries): string[] {
    const tls = this.init.tls;
    return etcdArguments({
      name: plan.name,
      dataDir: plan.dataDir,
      addresses: {
        listenClient: plan.urls.clientDirect,
        advertiseClient: plan.urls.client,
        listenPeer: plan.urls.peerDirect,
        advertisePeer: plan.urls.peer,
        listenMetrics: plan.urls.metrics,
      },
      tls: tls && plan.certs ? { certs: plan.certs, caFile: tls.caFile } : undefined,
      binaries,
      args,
    });
  }

  build(
    plan: ProcessMemberPlan,
    args: MemberArgs,
    binaries: EtcdBinaries = this.init.binaries,
  ): ProcessMember {
    return new ProcessMember({
      name: plan.name,
      etcdBinary: binaries.etcd,
      args: this.args(plan, args, binaries),
      urls: plan.urls,
      dataDir: plan.dataDir,
      logPath: plan.logPath,
      proxies: plan.proxies,
      net: plan.net,
      toxiproxy: this.init.toxiproxy,
      journal: this.init.session.journal,
      clientTls: this.clientTls,
    });
  }

  /** Removes the member's proxies and network namespace (its data dir and log stay until the cluster is removed). */
  async releaseNetwork(plan: ProcessMemberPlan): Promise<void> {
    await this.init.toxiproxy.removeProxies([plan.proxies.client.name, plan.proxies.peer.name]);
    await plan.net.release();
  }

  async releaseCluster(): Promise<void> {
    // The run's Toxiproxy server and network plane belong to the session, which releases them.
  }

  private async clientListens(names: readonly string[], indexBase: number): Promise<string[]> {
    const { basePort, plane } = this.init;
    if (basePort === undefined) return names.map(() => `${plane.clientProxyHost}:0`);
    const listens: string[] = [];
    for (const [offset, name] of names.entries()) {
      const index = indexBase + offset;
      const port = basePort + index;
      if (!(await isPortFree(port, plane.clientProxyHost))) {
        throw new PortInUseError(
          port,
          `client endpoint of ${name} (--base-port ${basePort} + ${index})`,
          await portHolder(port),
        );
      }
      listens.push(`${plane.clientProxyHost}:${port}`);
    }
    return listens;
  }
}
