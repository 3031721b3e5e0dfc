// The process backend: etcd members as local processes behind the run's Toxiproxy server, each member with a client
// proxy and a peer proxy (the advertised peer URL), on the loopback or netns network plane.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveEtcd } from '../../binaries/resolve-etcd.js';
import type { EtcdBinaries } from '../../binaries/types.js';
import { MemberStartError } from '../../errors.js';
import { bootCluster, EtcdCluster } from '../etcd-cluster.js';
import type { NetworkPlane } from '../network/plane.js';
import { retryOnPortRace } from '../port-race.js';
import type { NormalizedClusterSpec, StartContext } from '../start-request.js';
import { TlsAuthority } from '../tls.js';
import type { ToxiproxyServer } from '../toxiproxy-server.js';
import { MemberFactory, type ProcessMemberPlan } from './member-factory.js';
import type { ProcessMember } from './process-member.js';

export type StartedProcessCluster = EtcdCluster<ProcessMemberPlan, ProcessMember>;

export async function startProcessCluster(
  spec: NormalizedClusterSpec,
  context: StartContext,
): Promise<StartedProcessCluster> {
  const binaries =
    spec.binaries ??
    (await resolveEtcd(spec.version, { onProgress: context.onProgress, signal: context.signal }));
  context.signal?.throwIfAborted();
  const plane = await context.session.network(spec.network);
  const toxiproxy = await context.session.toxiproxy();
  const name = spec.name ?? context.session.nextClusterName();
  return retryOnPortRace(
    {
      what: `cluster ${name}`,
      // etcd could not bind a port the kernel chose (fixed ports from --base-port are the user's: no retry).
      isPortRace: (error) =>
        spec.basePort === undefined &&
        error instanceof MemberStartError &&
        /address already in use/i.test(error.logTail),
      signal: context.signal,
    },
    () => startOnce(spec, context, { binaries, plane, toxiproxy, name }),
  );
}

interface StartParts {
  readonly binaries: EtcdBinaries;
  readonly plane: NetworkPlane;
  readonly toxiproxy: ToxiproxyServer;
  readonly name: string;
}

async function startOnce(
  spec: NormalizedClusterSpec,
  context: StartContext,
  parts: StartParts,
): Promise<StartedProcessCluster> {
  const { binaries, plane, toxiproxy, name } = parts;
  const { session } = context;
  const dir = join(session.workDir, name);
  await rm(dir, { recursive: true, force: true });
  const tls = spec.tls ? await TlsAuthority.create(join(dir, 'tls'), spec.tlsKeyType) : undefined;
  const factory = new MemberFactory({
    session,
    clusterName: name,
    clusterDir: dir,
    plane,
    toxiproxy,
    binaries,
    tls,
    basePort: spec.basePort,
    dataDirSizeLimitBytes: spec.dataDirSizeLimitBytes,
  });
  const memberNames = Array.from({ length: spec.members }, (_, index) => `m${index + 1}`);
  const plans = await factory.provision(memberNames);
  const cluster = new EtcdCluster<ProcessMemberPlan, ProcessMember>({
    name,
    backend: 'process',
    session,
    ownsSession: context.ownsSession,
    binaries,
    members: factory,
    tls,
    flags: { ...spec.flags },
    memberFlags: spec.memberFlags,
    network: plane.mode,
    toxiproxy,
    dir,
    token: `${name}-${session.runId}`,
  });
  await bootCluster(cluster, plans, spec, context);
  return cluster;
}
