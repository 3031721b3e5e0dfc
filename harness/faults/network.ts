// Network faults through Toxiproxy (latency with jitter, bandwidth, blackhole, connection resets) on a member's client
// and/or peer proxy, and isolation/partition at the network layer (netns plane only: see the network plane docs).
//
// Directions, in Toxiproxy's terms on the *member's own* proxies: `upstream` is data flowing to the member on
// connections others dialed to it; `downstream` is data flowing from it. etcd's raft streams are dialed by the
// receiver, so on a peer proxy `downstream` carries the raft messages the member sends (heartbeats and appends
// when it leads), and `upstream` the requests peers POST to it. On a client proxy, `upstream` is requests,
// `downstream` responses.

import { LOOPBACK_ISOLATION_REASON } from '../cluster/network/plane.js';
import type { ClusterMember, Isolation } from '../cluster/types.js';
import { logger } from '../log.js';
import type { EnumSpec, NumberSpec } from '../params.js';
import { type Availability, defineFault, type FaultContext, type FaultHandle } from './types.js';

const log = logger('fault');

const PROXY: EnumSpec<'peer' | 'client' | 'both'> = {
  type: 'enum',
  choices: ['peer', 'client', 'both'],
  default: 'peer',
  description: "which of the member's proxies: peer (raft traffic), client, or both",
};
type Direction = 'upstream' | 'downstream' | 'both';

function directionParam(fallback: Direction): EnumSpec<Direction> {
  return {
    type: 'enum',
    choices: ['upstream', 'downstream', 'both'],
    default: fallback,
    description:
      'downstream = data the member sends (its raft messages on a peer proxy, responses on a client proxy); upstream = data it receives on those connections',
  };
}

let toxicCounter = 0;

interface ToxicRequest {
  readonly type: 'latency' | 'bandwidth' | 'timeout' | 'reset_peer';
  readonly attributes: Record<string, number>;
  readonly proxy: 'peer' | 'client' | 'both';
  readonly direction: 'upstream' | 'downstream' | 'both';
}

/** Adds the toxic to each target member's proxies in each direction; healing removes exactly those toxics. */
async function addToxics(
  context: FaultContext,
  targets: readonly string[],
  request: ToxicRequest,
): Promise<FaultHandle> {
  const { cluster } = context;
  const streams = request.direction === 'both' ? (['upstream', 'downstream'] as const) : [request.direction];
  const added: { proxy: string; toxic: string }[] = [];
  const remove = async () => {
    await Promise.all(
      added.map(async ({ proxy, toxic }) => {
        const response = await fetch(`${cluster.toxiproxy.apiUrl}/proxies/${proxy}/toxics/${toxic}`, {
          method: 'DELETE',
        });
        if (!response.ok && response.status !== 404)
          log('removing toxic %s/%s: HTTP %d', proxy, toxic, response.status);
      }),
    );
  };
  try {
    for (const name of targets) {
      const member = cluster.member(name);
      for (const proxyName of proxiesOf(member, request.proxy)) {
        const proxy = await cluster.toxiproxy.client.get(proxyName);
        for (const stream of streams) {
          toxicCounter += 1;
          const toxicName = `${request.type}-${stream}-${toxicCounter}`;
          await proxy.addToxic({
            type: request.type,
            name: toxicName,
            stream,
            toxicity: 1,
            attributes: request.attributes,
          } as never);
          added.push({ proxy: proxyName, toxic: toxicName });
        }
      }
    }
  } catch (error) {
    await remove();
    throw error;
  }
  return { heal: once(remove), details: { toxics: added.map((entry) => `${entry.proxy}/${entry.toxic}`) } };
}

function proxiesOf(member: ClusterMember, which: 'peer' | 'client' | 'both'): string[] {
  if (which === 'peer') return [member.proxies.peer.name];
  if (which === 'client') return [member.proxies.client.name];
  return [member.proxies.peer.name, member.proxies.client.name];
}

const always = async (): Promise<Availability> => ({ available: true });

export const networkLatency = defineFault({
  name: 'network-latency',
  kind: 'network',
  defaultTarget: 'leader',
  description: "adds latency (± jitter, uniform) to a member's proxied traffic (Toxiproxy latency toxic)",
  params: {
    latencyMs: {
      type: 'number',
      default: 100,
      unit: 'ms',
      min: 0,
      description: 'added delay per chunk of data',
    } as NumberSpec,
    jitterMs: {
      type: 'number',
      default: 0,
      unit: 'ms',
      min: 0,
      description: 'random ± variation of the delay',
    } as NumberSpec,
    proxy: PROXY,
    direction: directionParam('downstream'),
  },
  available: always,
  inject: (context, params, targets) =>
    addToxics(context, targets, {
      type: 'latency',
      attributes: { latency: params.latencyMs, jitter: params.jitterMs },
      proxy: params.proxy,
      direction: params.direction,
    }),
});

export const networkBandwidth = defineFault({
  name: 'network-bandwidth',
  kind: 'network',
  defaultTarget: 'leader',
  description: "limits a member's proxied traffic to a rate (Toxiproxy bandwidth toxic)",
  params: {
    rateKBps: {
      type: 'number',
      default: 100,
      unit: 'KB/s',
      min: 1,
      description: 'maximum rate',
    } as NumberSpec,
    proxy: PROXY,
    direction: directionParam('both'),
  },
  available: always,
  inject: (context, params, targets) =>
    addToxics(context, targets, {
      type: 'bandwidth',
      attributes: { rate: params.rateKBps },
      proxy: params.proxy,
      direction: params.direction,
    }),
});

export const networkBlackhole = defineFault({
  name: 'network-blackhole',
  kind: 'network',
  defaultTarget: 'leader',
  description:
    "stops all data through a member's proxy; with timeoutMs > 0 connections are closed after it (Toxiproxy timeout toxic)",
  params: {
    timeoutMs: {
      type: 'number',
      default: 0,
      unit: 'ms',
      min: 0,
      description: '0 holds connections open forever',
    } as NumberSpec,
    proxy: PROXY,
    direction: directionParam('both'),
  },
  available: always,
  inject: (context, params, targets) =>
    addToxics(context, targets, {
      type: 'timeout',
      attributes: { timeout: params.timeoutMs },
      proxy: params.proxy,
      direction: params.direction,
    }),
});

export const networkReset = defineFault({
  name: 'network-reset',
  kind: 'network',
  defaultTarget: 'leader',
  description:
    "resets connections through a member's proxy (TCP RST) after timeoutMs (Toxiproxy reset_peer toxic)",
  params: {
    timeoutMs: {
      type: 'number',
      default: 0,
      unit: 'ms',
      min: 0,
      description: 'delay before the reset',
    } as NumberSpec,
    proxy: PROXY,
    direction: directionParam('upstream'),
  },
  available: always,
  inject: (context, params, targets) =>
    addToxics(context, targets, {
      type: 'reset_peer',
      attributes: { timeout: params.timeoutMs },
      proxy: params.proxy,
      direction: params.direction,
    }),
});

async function isolationAvailable(context: FaultContext): Promise<Availability> {
  const member = context.cluster.members[0];
  if (member?.canIsolate) return { available: true };
  return { available: false, reason: LOOPBACK_ISOLATION_REASON };
}

async function isolateAll(
  context: FaultContext,
  targets: readonly string[],
  scope: 'peer' | 'all',
): Promise<FaultHandle> {
  const isolations: Isolation[] = [];
  try {
    for (const name of targets) isolations.push(await context.cluster.member(name).isolate(scope));
  } catch (error) {
    await Promise.all(isolations.map((isolation) => isolation.heal()));
    throw error;
  }
  return {
    heal: once(async () => void (await Promise.all(isolations.map((isolation) => isolation.heal())))),
  };
}

export const isolate = defineFault({
  name: 'isolate',
  kind: 'network',
  defaultTarget: 'leader',
  description:
    'cuts members off: scope peer = raft traffic both ways (peer proxy disabled + outbound route blackholed; clients still reach it), scope all = also client traffic and the link',
  params: {
    scope: {
      type: 'enum',
      choices: ['peer', 'all'],
      default: 'peer',
      description: 'peer: raft traffic only; all: everything',
    } as EnumSpec<'peer' | 'all'>,
  },
  available: isolationAvailable,
  inject: (context, params, targets) => isolateAll(context, targets, params.scope),
});

export const partition = defineFault({
  name: 'partition',
  kind: 'network',
  defaultTarget: 'minority',
  description:
    'splits the cluster: every target member (default: the minority) is isolated from its peers (scope peer)',
  params: {},
  available: isolationAvailable,
  inject: (context, _params, targets) => isolateAll(context, targets, 'peer'),
});

/** Wraps an async function so later calls return the first call's promise (heal is idempotent). */
export function once(fn: () => Promise<void>): () => Promise<void> {
  let pending: Promise<void> | undefined;
  return () => {
    pending ??= fn();
    return pending;
  };
}
