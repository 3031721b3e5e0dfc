// Where members live on the network. `loopback`: every member on 127.0.0.1 with its own ports (works unprivileged,
// but cannot cut a member off: etcd's peer pipeline dials the *other* members' proxies, so disabling a member's own
// peer proxy leaves it connected, as measured). `netns`: each member in its own network namespace on a per-run
// bridge, so a member can be isolated for real (root only).

export type NetworkMode = 'loopback' | 'netns';
export type NetworkModeRequest = NetworkMode | 'auto';

export interface MemberPorts {
  readonly client: number;
  readonly peer: number;
  readonly metrics: number;
}

/** One member's place on the network. */
export interface MemberNetwork {
  /** Address etcd binds its listeners to. */
  readonly host: string;
  readonly ports: MemberPorts;
  /** Prefix `argv` so the process runs inside the member's namespace. */
  wrapCommand(argv: readonly string[]): string[];
  /** True when this plane can cut the member's traffic at the network layer. */
  readonly canIsolate: boolean;
  /** Drops every packet the member sends to peer proxies (its outbound raft traffic). */
  blockOutboundPeers(): Promise<void>;
  unblockOutboundPeers(): Promise<void>;
  /** Takes the member's link down: nothing in or out. */
  cutLink(): Promise<void>;
  restoreLink(): Promise<void>;
  /** The namespace name, when there is one (for `nsenter`/`ip netns exec` by users and faults). */
  readonly namespace: string | undefined;
  release(): Promise<void>;
}

export interface NetworkPlane {
  readonly mode: NetworkMode;
  /** Where client proxies listen (reachable by the harness and the user). */
  readonly clientProxyHost: string;
  /** Where peer proxies listen (reachable from every member). */
  readonly peerProxyHost: string;
  /**
   * Every address traffic to a member can come from (proxies dial members from these). They go into the
   * certificates' IP SANs: etcd's peer listener checks the connecting IP against the client certificate.
   */
  readonly sourceAddresses: readonly string[];
  attachMember(label: string): Promise<MemberNetwork>;
  dispose(): Promise<void>;
}

/** Why isolation is impossible on the loopback plane, for fault availability and error messages. */
export const LOOPBACK_ISOLATION_REASON =
  "member isolation needs network namespaces (run as root with iproute2): on the loopback plane etcd's peer pipeline " +
  'keeps an "isolated" member connected through the other members\' proxies';
