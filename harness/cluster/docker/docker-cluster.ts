// The docker backend: a labelled network per cluster, the cluster's Toxiproxy as a container on it, and each member
// a container behind a client and a peer proxy (advertised peer URL = `toxiproxy:<port>`), ports published on
// 127.0.0.1 only. Everything carries the run's labels, so cleanup finds what a killed run left, Ryuk or not.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { resolveEtcd } from '../../binaries/resolve-etcd.js';
import type { EtcdBinaries } from '../../binaries/types.js';
import { describeError, HarnessError } from '../../errors.js';
import { logger } from '../../log.js';
import type { EtcdVersion } from '../../versions/version.js';
import { bootCluster, EtcdCluster } from '../etcd-cluster.js';
import { retryOnPortRace } from '../port-race.js';
import type { NormalizedClusterSpec, StartContext } from '../start-request.js';
import { TlsAuthority } from '../tls.js';
import type { DockerMember } from './docker-member.js';
import { type DockerMemberPlan, DockerMembers } from './docker-members.js';
import { createClusterNetwork } from './docker-network.js';
import { dockerEngine } from './engine.js';
import { etcdImageFor, toxiproxyImageFor } from './images.js';
import { objectLabels } from './labels.js';
import { networkCutTools } from './network-cut.js';
import { ToxiproxyContainer } from './toxiproxy-container.js';

const log = logger('docker');

export type StartedDockerCluster = EtcdCluster<DockerMemberPlan, DockerMember>;

export async function startDockerCluster(
  spec: NormalizedClusterSpec,
  context: StartContext,
): Promise<StartedDockerCluster> {
  const { session, onProgress, signal } = context;
  const engine = await dockerEngine();
  const docker = engine.container.dockerode;
  const binaries = spec.binaries ?? (await resolveEtcd(spec.version, { onProgress, signal }));
  // One resolution per version and run: members of a swapped release ask again.
  const images = new Map<string, Promise<string>>();
  const imageFor = (version: EtcdVersion): Promise<string> => {
    const key = String(version);
    let image = images.get(key);
    if (!image) {
      image = etcdImageFor(version, { override: spec.images.etcd, onProgress, signal }).then((choice) => {
        log('etcd %s image %s (%s)', key, choice.ref, choice.how);
        return choice.ref;
      });
      images.set(key, image);
    }
    return image;
  };
  const [toxiproxyImage] = await Promise.all([
    toxiproxyImageFor({ override: spec.images.toxiproxy, onProgress, signal }),
    imageFor(binaries.version),
  ]);
  signal?.throwIfAborted();
  const name = spec.name ?? session.nextClusterName();
  const parts: StartParts = { docker, binaries, imageFor, toxiproxyImage: toxiproxyImage.ref, name };
  try {
    return await retryOnPortRace(
      {
        what: `cluster ${name}`,
        // Docker could not publish a host port we probed as free.
        isPortRace: (error) => /port is already allocated|address already in use/i.test(describeError(error)),
        signal,
      },
      () => startOnce(spec, context, parts),
    );
  } catch (error) {
    if (error instanceof HarnessError || signal?.aborted) throw error;
    throw new HarnessError(`The Docker engine refused to start cluster ${name}: ${describeError(error)}`, {
      hint: 'Check `docker info` and free disk space; `etcd-chaos cleanup` removes what earlier runs left.',
      cause: error,
    });
  }
}

interface StartParts {
  readonly docker: Dockerode;
  readonly binaries: EtcdBinaries;
  readonly imageFor: (version: EtcdVersion) => Promise<string>;
  readonly toxiproxyImage: string;
  readonly name: string;
}

async function startOnce(
  spec: NormalizedClusterSpec,
  context: StartContext,
  parts: StartParts,
): Promise<StartedDockerCluster> {
  const { session } = context;
  const { docker, binaries, imageFor, name } = parts;
  const takenPorts = new Set<number>();
  const dir = join(session.workDir, name);
  await rm(dir, { recursive: true, force: true });
  const objectPrefix = `ec-${session.shortId}-${name}`;
  session.journal.record({ kind: 'network', id: objectPrefix, label: objectPrefix });
  const network = await createClusterNetwork(
    docker,
    objectPrefix,
    objectLabels(session.runId, name, 'network'),
  );
  let toxiproxy: ToxiproxyContainer | undefined;
  let ownedByCluster = false;
  try {
    toxiproxy = await ToxiproxyContainer.start({
      docker,
      image: parts.toxiproxyImage,
      takenPorts,
      name: `${objectPrefix}-toxiproxy`,
      network: network.name,
      labels: objectLabels(session.runId, name, 'toxiproxy'),
      onCreated: async (id) =>
        session.journal.record({ kind: 'container', id, label: `${objectPrefix}-toxiproxy` }),
    });
    const tls = spec.tls ? await TlsAuthority.create(join(dir, 'tls'), spec.tlsKeyType) : undefined;
    const members = new DockerMembers({
      docker,
      session,
      clusterName: name,
      clusterDir: dir,
      network,
      toxiproxy,
      tls,
      dataDirSizeLimitBytes: spec.dataDirSizeLimitBytes,
      networkCutTools: await networkCutTools(),
      imageFor,
      holderImage: parts.toxiproxyImage,
      takenPorts,
    });
    const plans = await members.provision(
      Array.from({ length: spec.members }, (_, index) => `m${index + 1}`),
    );
    const cluster = new EtcdCluster<DockerMemberPlan, DockerMember>({
      name,
      backend: 'docker',
      session,
      ownsSession: context.ownsSession,
      binaries,
      members,
      tls,
      flags: { ...spec.flags },
      memberFlags: spec.memberFlags,
      network: 'docker',
      toxiproxy,
      dir,
      token: `${name}-${session.runId}`,
    });
    // From here the cluster owns the network and the Toxiproxy container (its teardown releases them).
    ownedByCluster = true;
    await bootCluster(cluster, plans, spec, context);
    return cluster;
  } catch (error) {
    if (!ownedByCluster) {
      // Best effort before the real error: both carry the run's labels, the reaper removes what is left.
      await toxiproxy?.remove().catch(() => undefined);
      await network.remove().catch(() => undefined);
    }
    throw error;
  }
}
