// The docker backend's reapable kind: containers, networks and volumes carrying the run label, removed when the owner
// the labels name (pid + start time) is gone; a live run's objects are never touched. Needs no journal (objects
// survive a lost state dir) and costs nothing without an engine: the socket is checked, not even dialled.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { describeError } from '../../errors.js';
import { logger } from '../../log.js';
import { withFileLock } from '../../runstate/file-lock.js';
import { isOwnerAlive } from '../../runstate/proc.js';
import type { KindReap, ResourceKind } from '../../runstate/resource-kind.js';
import { quickDockerClient } from './engine.js';
import { LABEL } from './labels.js';

const log = logger('reaper');

type Labels = Record<string, string> | undefined;

export const dockerObjectsKind: ResourceKind = {
  name: 'docker containers, networks and volumes',
  source: 'labels',
  async reap(context): Promise<KindReap> {
    const docker = await quickDockerClient();
    if (!docker) return { checked: false, removed: [], errors: [] };
    const removed: { runId: string; type: string }[] = [];
    const errors: { runId: string | undefined; message: string }[] = [];
    /** The run that owns an object whose owner is gone, or undefined (live, the caller's own, or not ours). */
    const deadRunOf = (labels: Labels): string | undefined => {
      const run = labels?.[LABEL.run];
      if (!run || run === context.exceptRunId) return undefined;
      if (isOwnerAlive(Number(labels?.[LABEL.ownerPid]), labels?.[LABEL.ownerStart] ?? '')) return undefined;
      return run;
    };
    const remove = async (runId: string, type: string, what: string, action: () => Promise<unknown>) => {
      try {
        await action();
        removed.push({ runId, type });
      } catch (error) {
        // Gone meanwhile (removed with its container, or by another cleanup): nothing left to do.
        // 409 "removal … already in progress": a non-etcd-chaos actor (or a reaper that ignored the lock) has it.
        const status = (error as { statusCode?: number }).statusCode;
        if (status === 404 || (status === 409 && /already in progress/i.test(describeError(error)))) return;
        errors.push({ runId, message: `could not remove ${what}: ${describeError(error)}` });
      }
    };
    try {
      // The engine is machine-wide and so are its labels: reapers of other state dirs (another user, another
      // checkout's tests) see the same dead runs, so they take turns.
      await withFileLock(join(tmpdir(), 'etcd-chaos-docker-reap'), { staleMs: 30_000, waitMs: 120_000 }, () =>
        reapObjects(docker, deadRunOf, remove),
      );
    } catch (error) {
      errors.push({ runId: undefined, message: `listing docker objects: ${describeError(error)}` });
    }
    if (removed.length > 0) log('reaped docker leftovers %o', { removed: removed.length, errors });
    return { checked: true, removed, errors };
  },
};

async function reapObjects(
  docker: Dockerode,
  deadRunOf: (labels: Labels) => string | undefined,
  remove: (runId: string, type: string, what: string, action: () => Promise<unknown>) => Promise<void>,
): Promise<void> {
  const filters = JSON.stringify({ label: [LABEL.run] });
  // Containers first: a network or volume in use cannot be removed.
  for (const info of await docker.listContainers({ all: true, filters })) {
    const runId = deadRunOf(info.Labels);
    if (runId)
      await remove(runId, 'container', `container ${info.Names[0] ?? info.Id}`, () =>
        docker.getContainer(info.Id).remove({ force: true }),
      );
  }
  for (const info of await docker.listNetworks({ filters })) {
    const runId = deadRunOf(info.Labels);
    if (runId)
      await remove(runId, 'network', `network ${info.Name}`, () => docker.getNetwork(info.Id).remove());
  }
  const { Volumes } = await docker.listVolumes({ filters });
  for (const info of Volumes ?? []) {
    const runId = deadRunOf(info.Labels as Labels);
    // A bind volume: removing it unregisters it; the host dir is a temp dir the dirs kind removes.
    if (runId)
      await remove(runId, 'volume', `volume ${info.Name}`, () => docker.getVolume(info.Name).remove());
  }
}
