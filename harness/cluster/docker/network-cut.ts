// Cutting a container off from the host (Linux, root): commands run in the container's network namespace with
// `nsenter -t <pid> -n`, using the host's iproute2 (the images have no tools). Outbound raft traffic is dropped with
// a policy rule on the peer proxies' ports (client traffic to the same Toxiproxy container keeps flowing); the whole
// link goes down for a full cut, and the default route is put back when it comes up.
import { UnsupportedError } from '../../errors.js';
import { findOnPath, isRoot, runCommand } from '../../util/exec.js';
import type { NetworkCut } from '../backend.js';

const RULE_PREFERENCE = '100';

export interface ContainerNetworkCutInit {
  /** The container's init process on this host (changes when the container restarts). */
  readonly pid: () => number | undefined;
  readonly member: string;
  /** Toxiproxy's address on the cluster network and the range of peer proxy ports. */
  readonly peerProxies: { readonly ip: string; readonly firstPort: number; readonly lastPort: number };
  readonly gateway: string;
}

export interface NetworkCutTools {
  readonly nsenter: string;
  readonly ip: string;
}

/** The tools for cutting containers off, or why it cannot be done here. */
export async function networkCutTools(): Promise<NetworkCutTools | { readonly unavailable: string }> {
  if (process.platform !== 'linux') return { unavailable: 'needs a Linux host (network namespaces)' };
  if (!isRoot()) return { unavailable: "needs root (it enters the container's network namespace)" };
  const [nsenter, ip] = await Promise.all([findOnPath('nsenter'), findOnPath('ip')]);
  if (!nsenter) return { unavailable: '`nsenter` (util-linux) is not installed' };
  if (!ip) return { unavailable: '`ip` (iproute2) is not installed' };
  return { nsenter, ip };
}

export function containerNetworkCut(
  tools: NetworkCutTools | { readonly unavailable: string },
  init: ContainerNetworkCutInit,
): NetworkCut {
  if ('unavailable' in tools) {
    return {
      canIsolate: false,
      cannotIsolate: {
        reason: `cutting a container off ${tools.unavailable}`,
        hint: 'Run etcd-chaos as root on a Linux Docker host, or use the process backend as root.',
      },
      blockOutboundPeers: () => Promise.reject(new UnsupportedError(tools.unavailable)),
      unblockOutboundPeers: async () => {},
      cutLink: () => Promise.reject(new UnsupportedError(tools.unavailable)),
      restoreLink: async () => {},
    };
  }
  const inNamespace = async (args: readonly string[], allowFailure = false) => {
    const pid = init.pid();
    if (pid === undefined) throw new UnsupportedError(`member ${init.member} is not running`);
    return runCommand(tools.nsenter, ['-t', String(pid), '-n', tools.ip, ...args], { allowFailure });
  };
  const { ip, firstPort, lastPort } = init.peerProxies;
  const rule = ['to', `${ip}/32`, 'ipproto', 'tcp', 'dport', `${firstPort}-${lastPort}`];
  return {
    canIsolate: true,
    blockOutboundPeers: async () => {
      await inNamespace(['rule', 'add', ...rule, 'blackhole', 'pref', RULE_PREFERENCE]);
    },
    unblockOutboundPeers: async () => {
      await inNamespace(['rule', 'del', 'pref', RULE_PREFERENCE], true);
    },
    cutLink: async () => {
      await inNamespace(['link', 'set', 'eth0', 'down']);
    },
    restoreLink: async () => {
      await inNamespace(['link', 'set', 'eth0', 'up'], true);
      await inNamespace(['route', 'replace', 'default', 'via', init.gateway, 'dev', 'eth0'], true);
    },
  };
}
