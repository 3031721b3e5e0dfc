// Starts a normalized cluster spec on the backend it names (the one place that knows every backend), in the caller's
// session or in one of its own.
import type { ProgressListener } from '../binaries/types.js';
import { Session } from '../session.js';
import { startDockerCluster } from './docker/docker-cluster.js';
import type { EtcdCluster } from './etcd-cluster.js';
import { startProcessCluster } from './process/process-cluster.js';
import type { NormalizedClusterSpec, StartContext } from './start-request.js';

export interface StartOptions {
  /** Run the cluster in this session (shared Toxiproxy, journal, temp dir); by default the cluster opens its own. */
  session?: Session;
  onProgress?: ProgressListener;
  /** Abandons the start (and tears down what was started) when aborted. */
  signal?: AbortSignal;
}

/** Starts the cluster and waits until every member reports healthy. */
export async function startCluster(
  spec: NormalizedClusterSpec,
  options: StartOptions = {},
): Promise<EtcdCluster> {
  const ownsSession = options.session === undefined;
  const session = options.session ?? (await Session.open({ onProgress: options.onProgress }));
  const context: StartContext = {
    session,
    ownsSession,
    onProgress: options.onProgress,
    signal: options.signal,
  };
  try {
    return spec.backend === 'docker'
      ? await startDockerCluster(spec, context)
      : await startProcessCluster(spec, context);
  } catch (error) {
    if (ownsSession) await session.close();
    throw error;
  }
}
