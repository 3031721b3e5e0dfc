// One user-defined bridge network per cluster, labelled with the run (testcontainers' Network takes no labels).
import type Dockerode from 'dockerode';
import { HarnessError } from '../../errors.js';

export interface ClusterNetworkHandle {
  readonly name: string;
  readonly id: string;
  /** The bridge's address inside the network: where published ports and the host reach containers from. */
  readonly gateway: string;
  remove(): Promise<void>;
}

export async function createClusterNetwork(
  docker: Dockerode,
  name: string,
  labels: Record<string, string>,
): Promise<ClusterNetworkHandle> {
  const network = await docker.createNetwork({
    Name: name,
    Driver: 'bridge',
    Labels: labels,
    CheckDuplicate: true,
  });
  const info = (await network.inspect()) as { Id: string; IPAM?: { Config?: { Gateway?: string }[] } };
  const gateway = info.IPAM?.Config?.[0]?.Gateway;
  if (!gateway) {
    // Best effort before the real error: a network left behind carries the run's labels, the reaper removes it.
    await network.remove().catch(() => undefined);
    throw new HarnessError(`docker network ${name} has no gateway address`);
  }
  let removed = false;
  return {
    name,
    id: info.Id,
    gateway,
    remove: async () => {
      if (removed) return;
      removed = true;
      await network.remove().catch((error: { statusCode?: number }) => {
        if (error.statusCode !== 404) throw error;
      });
    },
  };
}
