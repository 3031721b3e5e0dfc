// The etcd command line of a member, the same for every backend: topology (managed by the harness) first, then TLS,
// then the user's flags. Backends differ only in the addresses they listen on and advertise.
import type { EtcdBinaries } from '../binaries/types.js';
import { capabilitiesOf } from '../versions/capabilities.js';
import type { MemberArgs } from './backend.js';
import { renderFlags } from './flags.js';
import type { CertFiles } from './tls.js';

export interface MemberAddresses {
  readonly listenClient: string;
  readonly advertiseClient: string;
  readonly listenPeer: string;
  readonly advertisePeer: string;
  readonly listenMetrics: string;
}

export interface MemberCommand {
  readonly name: string;
  readonly dataDir: string;
  readonly addresses: MemberAddresses;
  /** The member's certificate and the CA (mTLS for client and peer traffic), when TLS is on. */
  readonly tls: { readonly certs: CertFiles; readonly caFile: string } | undefined;
  readonly binaries: EtcdBinaries;
  readonly args: MemberArgs;
}

export function etcdArguments(command: MemberCommand): string[] {
  const { addresses, tls, args } = command;
  const topology = [
    `--name=${command.name}`,
    `--data-dir=${command.dataDir}`,
    `--listen-client-urls=${addresses.listenClient}`,
    `--advertise-client-urls=${addresses.advertiseClient}`,
    `--listen-peer-urls=${addresses.listenPeer}`,
    `--initial-advertise-peer-urls=${addresses.advertisePeer}`,
    `--initial-cluster=${args.initialCluster}`,
    `--initial-cluster-state=${args.state}`,
    `--initial-cluster-token=${args.token}`,
    `--listen-metrics-urls=${addresses.listenMetrics}`,
    ...capabilitiesOf(command.binaries.version).logFlags,
  ];
  if (tls) {
    topology.push(
      `--cert-file=${tls.certs.cert}`,
      `--key-file=${tls.certs.key}`,
      `--trusted-ca-file=${tls.caFile}`,
      '--client-cert-auth=true',
      `--peer-cert-file=${tls.certs.cert}`,
      `--peer-key-file=${tls.certs.key}`,
      `--peer-trusted-ca-file=${tls.caFile}`,
      '--peer-client-cert-auth=true',
    );
  }
  return [...topology, ...renderFlags(args.flags)];
}
