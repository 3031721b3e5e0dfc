// Removes containers, networks and volumes that killed runs left on the Docker engine, found by label: an object
// whose owner process (pid + start time in its labels) is gone belongs to a dead run. Live runs are never touched,
// whichever state dir their journal is in. Cheap when there is no engine: it is not even dialled.
import { describeError } from '../errors.js';
import { logger } from '../log.js';
import { isSameProcess } from '../runstate/proc.js';
import { quickDockerClient } from './engine.js';
import { LABEL } from './labels.js';

const log = logger('reaper');

export interface DockerReapReport {
  /** Whether an engine answered (nothing was checked otherwise). */
  readonly engine: boolean;
  readonly runs: readonly string[];
  readonly containers: number;
  readonly networks: number;
  readonly volumes: number;
  readonly errors: readonly string[];
}

export const NO_ENGINE: DockerReapReport = {
  engine: false,
  runs: [],
  containers: 0,
  networks: 0,
  volumes: 0,
  errors: [],
};

export async function reapDockerLeftovers(options: { exceptRunId?: string } = {}): Promise<DockerReapReport> {
  const docker = await quickDockerClient();
  if (!docker) return NO_ENGINE;
  const filters = JSON.stringify({ label: [LABEL.run] });
  const errors: string[] = [];
  const runs = new Set<string>();
  const dead = (labels: Record<string, string> | undefined): boolean => {
    const run = labels?.[LABEL.run];
    if (!run || run === options.exceptRunId) return false;
    const pid = Number(labels?.[LABEL.ownerPid]);
    const start = labels?.[LABEL.ownerStart] ?? '';
    if (Number.isInteger(pid) && pid > 0 && start && isSameProcess(pid, start)) return false;
    runs.add(run);
    return true;
  };
  let containers = 0;
  let networks = 0;
  let volumes = 0;
  try {
    for (const info of await docker.listContainers({ all: true, filters })) {
      if (!dead(info.Labels)) continue;
      containers += await removeObject(
        () => docker.getContainer(info.Id).remove({ force: true }),
        `container ${info.Names[0] ?? info.Id}`,
        errors,
      );
    }
    for (const info of await docker.listNetworks({ filters })) {
      if (!dead(info.Labels)) continue;
      networks += await removeObject(
        () => docker.getNetwork(info.Id).remove(),
        `network ${info.Name}`,
        errors,
      );
    }
    const { Volumes } = await docker.listVolumes({ filters });
    for (const info of Volumes ?? []) {
      if (!dead(info.Labels as Record<string, string> | undefined)) continue;
      // A bind volume: removing it unregisters it; the host dir is a temp dir the journal reaper removes.
      volumes += await removeObject(
        () => docker.getVolume(info.Name).remove(),
        `volume ${info.Name}`,
        errors,
      );
    }
  } catch (error) {
    errors.push(`listing docker objects: ${describeError(error)}`);
  }
  const report = { engine: true, runs: [...runs], containers, networks, volumes, errors };
  if (runs.size > 0) log('reaped docker leftovers %o', report);
  return report;
}

async function removeObject(remove: () => Promise<unknown>, what: string, errors: string[]): Promise<number> {
  try {
    await remove();
    return 1;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return 0;
    errors.push(`could not remove ${what}: ${describeError(error)}`);
    return 0;
  }
}
