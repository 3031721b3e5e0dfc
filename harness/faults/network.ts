// Network faults through Toxiproxy (latency with jitter, bandwidth, blackhole, connection resets) on a member's client
// and/or peer proxy, and isolation/partition at the network layer (netns plane only: see the network plane docs).
//
// Directions, in Toxiproxy's terms on the *member's own* proxies: `upstream` is data flowing to the member on
// connections others dialed to it; `downstream` is data flowing from it. etcd's raft streams are dialed by the
// receiver, so on a peer proxy `downstream` carries the raft messages the member sends (heartbeats and appends
// when it leads), and `upstream` the requests peers POST to it. On a client proxy, `upstream` is requests,
// `downstream` responses.

import { LOOPBACK_ISOLATION_REASON } from '../cluster/network/plane.js';
import type { ToxicRequest } from '../cluster/toxiproxy-control.js';
import type { ClusterMember, Isolation } from '../cluster/types.js';
import { describeError } from '../errors.js';
import { logger } from '../log.js';
import type { EnumSpec, NumberSpec, ParamSpecs, ParsedParams } from '../params.js';
import { type Availability, defineFault, type Fault, type FaultContext, type FaultHandle } from './types.js';

const log = logger('fault');

const PROXY: EnumSpec<ProxyChoice> = {
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

type ProxyChoice = 'peer' | 'client' | 'both';

/** The parameters every toxic fault takes besides its own: which proxies and which direction. */
interface ToxicPlacement {
  readonly proxy: ProxyChoice;
  readonly direction: Direction;
}

/**
 * A fault that adds one Toxiproxy toxic to each target member's proxies in each chosen direction (healing removes
 * exactly those toxics): its own parameters, mapped to the toxic's attributes, plus `proxy` and `direction`.
 */
function toxicFault<S extends ParamSpecs>(definition: {
  readonly name: string;
  readonly toxic: ToxicRequest['type'];
  readonly description: string;
  readonly params: S;
  readonly direction: Direction;
  readonly attributes: (params: ParsedParams<S>) => Record<string, number>;
}): Fault<S & { proxy: EnumSpec<ProxyChoice>; direction: EnumSpec<Direction> }> {
  return defineFault({
    name: definition.name,
    kind: 'network',
    defaultTarget: 'leader',
    description: definition.description,
    params: { ...definition.params, proxy: PROXY, direction: directionParam(definition.direction) },
    available: always,
    inject: (context, params, targets) =>
      addToxics(context, targets, definition.toxic, definition.attributes(params), params),
  });
}

/** Adds the toxic to each target member's proxies in each direction; healing removes exactly those toxics. */
async function addToxics(
  context: FaultContext,
  targets: readonly string[],
  type: ToxicRequest['type'],
  attributes: Record<string, number>,
  placement: ToxicPlacement,
): Promise<FaultHandle> {
  const { cluster } = context;
  const streams =
    placement.direction === 'both' ? (['upstream', 'downstream'] as const) : [placement.direction];
  const added: { proxy: string; toxic: string }[] = [];
  const remove = async () => {
    await Promise.all(added.map(({ proxy, toxic }) => cluster.toxiproxy.removeToxic(proxy, toxic)));
  };
  try {
    for (const name of targets) {
      for (const proxy of proxiesOf(cluster.member(name), placement.proxy)) {
        for (const stream of streams) {
          toxicCounter += 1;
          const toxic = `${type}-${stream}-${toxicCounter}`;
          await cluster.toxiproxy.addToxic(proxy, { name: toxic, type, stream, attributes });
          added.push({ proxy, toxic });
        }
      }
    }
  } catch (error) {
    // Undo what was added before the failure; the failure itself is what the caller needs.
    await remove().catch((cleanupError: unknown) =>
      log('removing toxics after a failed injection: %s', describeError(cleanupError)),
    );
    throw error;
  }
  return { heal: once(remove), details: { toxics: added.map((entry) => `${entry.proxy}/${entry.toxic}`) } };
}

function proxiesOf(member: ClusterMember, which: ProxyChoice): string[] {
  if (which === 'peer') return [member.proxies.peer.name];
  if (which === 'client') return [member.proxies.client.name];
  return [member.proxies.peer.name, member.proxies.client.name];
}

const always = async (): Promise<Availability> => ({ available: true });

/** A duration parameter of a toxic (milliseconds, not negative). */
function msParam(fallback: number, description: string): NumberSpec {
  return { type: 'number', default: fallback, unit: 'ms', min: 0, description };
}

export const networkLatency = toxicFault({
  name: 'network-latency',
  toxic: 'latency',
  description: "adds latency (± jitter, uniform) to a member's proxied traffic (Toxiproxy latency toxic)",
  params: {
    latencyMs: msParam(100, 'added delay per chunk of data'),
    jitterMs: msParam(0, 'random ± variation of the delay'),
  },
  direction: 'downstream',
  attributes: (params) => ({ latency: params.latencyMs, jitter: params.jitterMs }),
});

export const networkBandwidth = toxicFault({
  name: 'network-bandwidth',
  toxic: 'bandwidth',
  description: "limits a member's proxied traffic to a rate (Toxiproxy bandwidth toxic)",
  params: {
    rateKBps: {
      type: 'number',
      default: 100,
      unit: 'KB/s',
      min: 1,
      description: 'maximum rate',
    } as NumberSpec,
  },
  direction: 'both',
  attributes: (params) => ({ rate: params.rateKBps }),
});

export const networkBlackhole = toxicFault({
  name: 'network-blackhole',
  toxic: 'timeout',
  description:
    "stops all data through a member's proxy; with timeoutMs > 0 connections are closed after it (Toxiproxy timeout toxic)",
  params: {
    timeoutMs: msParam(0, '0 holds connections open forever'),
  },
  direction: 'both',
  attributes: (params) => ({ timeout: params.timeoutMs }),
});

export const networkReset = toxicFault({
  name: 'network-reset',
  toxic: 'reset_peer',
  description:
    "resets connections through a member's proxy (TCP RST) after timeoutMs (Toxiproxy reset_peer toxic)",
  params: {
    timeoutMs: msParam(0, 'delay before the reset'),
  },
  direction: 'upstream',
  attributes: (params) => ({ timeout: params.timeoutMs }),
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
