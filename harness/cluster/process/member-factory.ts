// Provisions what a process member needs besides its process: a place on the network plane, a client and a peer
// proxy, a certificate, a (size-limited) data dir, and the etcd arguments that wire them together. Used when a
// cluster starts and when a member joins a running cluster.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EtcdBinaries } from '../../binaries/types.js';
import { PortInUseError } from '../../errors.js';
import type { Session } from '../../session.js';
import { capabilitiesOf } from '../../versions/capabilities.js';
import type { ClientTls } from '../clients.js';
import type { MemberArgs, MemberBackend, MemberPlan } from '../etcd-cluster.js';
import { renderFlags } from '../flags.js';
import type { MemberNetwork, NetworkPlane } from '../network/plane.js';
import { isPortFree, portHolder } from '../ports.js';
import type { CertFiles, TlsAuthority } from '../tls.js';
import type { ToxiproxyServer } from '../toxiproxy-server.js';
import { type DataDirMount, mountSizeLimitedDir } from './data-dir-mount.js';
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
    const tls = this.init.tls;
    return tls ? { caFile: tls.caFile, certFile: tls.client.cert, keyFile: tls.client.key } : undefined;
  }

  proxyName(member: string, kind: 'client' | 'peer'): string {
    return `${this.init.session.shortId}-${this.init.clusterName}-${member}-${kind}`;
  }

  /** Provisions members; on failure releases what it made. `indexBase` positions fixed client ports. */
  async provision(names: readonly string[], indexBase = 0): Promise<ProcessMemberPlan[]> {
    const { plane, toxiproxy, session, clusterDir } = this.init;
    const networks: MemberNetwork[] = [];
    const mounts: DataDirMount[] = [];
    const proxyNames: string[] = [];
    try {
      for (const name of names) networks.push(await plane.attachMember(`${this.init.clusterName}${name}`));
      const clientListens = await this.clientListens(names, indexBase);
      const requests = names.flatMap((name, index) => {
        const net = networks[index]!;
        return [
          {
            name: this.proxyName(name, 'client'),
            listen: clientListens[index]!,
            upstream: `${net.host}:${net.ports.client}`,
          },
          {
            name: this.proxyName(name, 'peer'),
            listen: `${plane.peerProxyHost}:0`,
            upstream: `${net.host}:${net.ports.peer}`,
          },
        ];
      });
      proxyNames.push(...requests.map((request) => request.name));
      const proxies = await toxiproxy.createProxies(requests);
      const byName = new Map(proxies.map((proxy) => [proxy.name, proxy]));
      const plans: ProcessMemberPlan[] = [];
      for (const [index, name] of names.entries()) {
        const net = networks[index]!;
        const memberDir = join(clusterDir, name);
        await mkdir(memberDir, { recursive: true });
        const dataDir = join(memberDir, 'data');
        const mount =
          this.init.dataDirSizeLimitBytes === undefined
            ? undefined
            : await mountSizeLimitedDir(dataDir, this.init.dataDirSizeLimitBytes, session.journal);
        if (mount) mounts.push(mount);
        const certs = await this.init.tls?.issueMember(name, [net.host, ...plane.sourceAddresses]);
        const client = byName.get(this.proxyName(name, 'client'))!;
        const peer = byName.get(this.proxyName(name, 'peer'))!;
        const scheme = this.scheme;
        plans.push({
          name,
          net,
          proxies: { client, peer },
          urls: {
            client: `${scheme}://${client.listen}`,
            clientDirect: `${scheme}://${net.host}:${net.ports.client}`,
            peer: `${scheme}://${peer.listen}`,
            peerDirect: `${scheme}://${net.host}:${net.ports.peer}`,
            metrics: `http://${net.host}:${net.ports.metrics}`,
          },
          memberDir,
          dataDir,
          logPath: join(memberDir, 'etcd.log'),
          certs,
          mount,
        });
      }
      return plans;
    } catch (error) {
      await toxiproxy.removeProxies(proxyNames).catch(() => undefined);
      await Promise.all(networks.map((net) => net.release().catch(() => undefined)));
      await Promise.all(mounts.map((mount) => mount.unmount().catch(() => undefined)));
      throw error;
    }
  }

  /** The etcd arguments for a planned member: topology (managed) first, then the user's flags. */
  args(plan: ProcessMemberPlan, args: MemberArgs, binaries: EtcdBinaries = this.init.binaries): string[] {
    const tls = this.init.tls;
    const topology = [
      `--name=${plan.name}`,
      `--data-dir=${plan.dataDir}`,
      `--listen-client-urls=${plan.urls.clientDirect}`,
      `--advertise-client-urls=${plan.urls.client}`,
      `--listen-peer-urls=${plan.urls.peerDirect}`,
      `--initial-advertise-peer-urls=${plan.urls.peer}`,
      `--initial-cluster=${args.initialCluster}`,
      `--initial-cluster-state=${args.state}`,
      `--initial-cluster-token=${args.token}`,
      `--listen-metrics-urls=${plan.urls.metrics}`,
      ...capabilitiesOf(binaries.version).logFlags,
    ];
    if (tls && plan.certs) {
      topology.push(
        `--cert-file=${plan.certs.cert}`,
        `--key-file=${plan.certs.key}`,
        `--trusted-ca-file=${tls.caFile}`,
        '--client-cert-auth=true',
        `--peer-cert-file=${plan.certs.cert}`,
        `--peer-key-file=${plan.certs.key}`,
        `--peer-trusted-ca-file=${tls.caFile}`,
        '--peer-client-cert-auth=true',
      );
    }
    return [...topology, ...renderFlags(args.flags)];
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
    await this.init.toxiproxy
      .removeProxies([plan.proxies.client.name, plan.proxies.peer.name])
      .catch(() => undefined);
    await plan.net.release().catch(() => undefined);
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
