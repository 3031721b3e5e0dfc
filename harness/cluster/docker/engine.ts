// The Docker engine, reached through testcontainers' runtime client (which finds the socket the way Docker's own
// tools do: DOCKER_HOST, docker contexts, the default socket). Configures testcontainers for machines without a
// registry: Ryuk only when its image is already here, and no helper-image pull to find the host.
import Dockerode from 'dockerode';
import { type ContainerRuntimeClient, getContainerRuntimeClient, ImageName } from 'testcontainers';
// Not re-exported by the package index; the module honours RYUK_CONTAINER_IMAGE like testcontainers itself.
import { getReaperImage } from 'testcontainers/build/reaper/reaper.js';
import { describeError, HarnessError } from '../../errors.js';
import { logger } from '../../log.js';

const log = logger('docker');

/** The Docker engine is not reachable: says why and what to do. */
export class DockerUnavailableError extends HarnessError {
  override readonly name: string = 'DockerUnavailableError';
}

let engine: Promise<ContainerRuntimeClient> | undefined;

export function dockerEngine(): Promise<ContainerRuntimeClient> {
  if (!engine) {
    engine = connect();
    // The caller gets the failure through the returned promise; forgetting it lets the next call try again.
    engine.catch(() => {
      engine = undefined;
    });
  }
  return engine;
}

async function connect(): Promise<ContainerRuntimeClient> {
  // Our URLs use 127.0.0.1 and published ports; without this testcontainers may pull a helper image to find the host.
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
  let client: ContainerRuntimeClient;
  try {
    client = await getContainerRuntimeClient();
  } catch (error) {
    throw new DockerUnavailableError(`The Docker engine is not reachable: ${describeError(error)}`, {
      hint: 'Start Docker (as root on Debian: `apt-get install docker.io && dockerd &`), or set DOCKER_HOST; or use --backend process.',
      cause: error,
    });
  }
  if (process.env.TESTCONTAINERS_RYUK_DISABLED === undefined) {
    // Ryuk removes a crashed run's containers; use it when its image is here (no pull: registries may be unreachable).
    // Without it, our own labels let the next run and `etcd-chaos cleanup` do the same.
    // Cannot tell: treat Ryuk's image as absent (never pull it); our labels do the cleanup then.
    const ryuk = await client.image.exists(ImageName.fromString(getReaperImage())).catch(() => false);
    process.env.TESTCONTAINERS_RYUK_DISABLED = ryuk ? 'false' : 'true';
    log('ryuk %s', ryuk ? 'available: enabled' : 'image not present: disabled (label-based cleanup)');
  }
  return client;
}

/** Why the docker backend cannot run here, or undefined when it can (a quick probe, no testcontainers setup). */
export async function dockerUnavailableReason(): Promise<string | undefined> {
  try {
    await dockerEngine();
    return undefined;
  } catch (error) {
    return describeError(error);
  }
}

/**
 * A plain dockerode client for the default engine, or undefined when no engine answers within `timeoutMs`. For the
 * reaper, which must stay cheap on machines without Docker.
 */
export async function quickDockerClient(timeoutMs = 1_000): Promise<Dockerode | undefined> {
  if (!process.env.DOCKER_HOST) {
    const { existsSync } = await import('node:fs');
    if (!existsSync('/var/run/docker.sock')) return undefined;
  }
  const docker = new Dockerode({ timeout: timeoutMs });
  try {
    await docker.ping();
    return docker;
  } catch {
    return undefined; // no engine answers: that is the answer
  }
}
