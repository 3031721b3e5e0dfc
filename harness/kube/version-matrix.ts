// One cell of the kube-apiserver × etcd compatibility matrix, measured: a single-member TLS cluster of the etcd
// release, a kube-apiserver of the Kubernetes release against it; does it start (ready), serve (create + get),
// and watch (an ADDED event for an object created after a LIST)? What its log says about etcd is kept.
import type { ProgressListener } from '../binaries/types.js';
import type { NetworkModeRequest } from '../cluster/network/plane.js';
import { ClusterSpec } from '../cluster/spec.js';
import type { Backend, StartedCluster } from '../cluster/types.js';
import { describeError } from '../errors.js';
import type { Session } from '../session.js';
import type { KubernetesVersion } from '../versions/kubernetes-release.js';
import type { EtcdVersion } from '../versions/version.js';
import { ApiServerSpec, type StartedApiServer } from './apiserver.js';
import { CONFIGMAPS, NAMESPACES } from './client.js';
import { configMapObject, namespaceObject } from './objects.js';

export interface MatrixCell {
  readonly kubernetes: string;
  readonly etcd: string;
  /** Spawn to the first /readyz 200; undefined when it never became ready. */
  readonly readyAfterMs: number | undefined;
  readonly startError: string | undefined;
  readonly serves: boolean;
  readonly serveError: string | undefined;
  /** Time from the create to its ADDED event on a watch opened at the list's resourceVersion. */
  readonly watchEventAfterMs: number | undefined;
  readonly watchError: string | undefined;
  /** Log lines of the API server that mention etcd's version or features (e.g. the feature support checker). */
  readonly etcdNotes: readonly string[];
  readonly logPath: string | undefined;
}

export interface MatrixCellOptions {
  readonly kubernetes: KubernetesVersion;
  readonly etcd: EtcdVersion;
  readonly session: Session;
  readonly network?: NetworkModeRequest;
  readonly backend?: Backend;
  readonly readyTimeoutMs?: number;
  readonly watchTimeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressListener;
  /** Called with the cluster and API server before they are torn down (copy logs as evidence). */
  readonly beforeTeardown?: (
    cluster: StartedCluster,
    apiserver: StartedApiServer | undefined,
  ) => Promise<void>;
}

export async function measureMatrixCell(options: MatrixCellOptions): Promise<MatrixCell> {
  const cell = {
    kubernetes: options.kubernetes.toString(),
    etcd: options.etcd.toString(),
  };
  const cluster = await ClusterSpec.etcd(options.etcd)
    .withTls()
    .withMembers(1)
    .withNetwork(options.network ?? 'auto')
    .withBackend(options.backend ?? 'process')
    .start({ session: options.session, signal: options.signal, onProgress: options.onProgress });
  let apiserver: StartedApiServer | undefined;
  try {
    try {
      apiserver = await ApiServerSpec.forCluster(cluster, options.kubernetes)
        .withReadiness({ timeoutMs: options.readyTimeoutMs ?? 90_000 })
        .start({ session: options.session, signal: options.signal, onProgress: options.onProgress });
    } catch (error) {
      return {
        ...cell,
        readyAfterMs: undefined,
        startError: describeError(error).split('\n')[0]?.slice(0, 300),
        serves: false,
        serveError: 'not started',
        watchEventAfterMs: undefined,
        watchError: 'not started',
        etcdNotes: [],
        logPath: undefined,
      };
    }
    const client = apiserver.client;
    let serves = false;
    let serveError: string | undefined;
    try {
      await client.create(NAMESPACES, namespaceObject('matrix', 'k8s-version-matrix'));
      await client.create(
        CONFIGMAPS,
        configMapObject('matrix', 'served', { value: 'matrix' }, 'k8s-version-matrix'),
      );
      const back = await client.get<{
        apiVersion: string;
        kind: string;
        metadata: { name: string };
        data?: Record<string, string>;
      }>(CONFIGMAPS, 'served', 'matrix');
      serves = back.data?.value === 'matrix';
      if (!serves) serveError = 'the ConfigMap read back differs';
    } catch (error) {
      serveError = describeError(error).slice(0, 300);
    }
    let watchEventAfterMs: number | undefined;
    let watchError: string | undefined;
    if (serves) {
      try {
        const list = await client.list(CONFIGMAPS, { namespace: 'matrix' });
        const controller = new AbortController();
        let createdAt = 0;
        const timer = setTimeout(() => controller.abort(), options.watchTimeoutMs ?? 15_000);
        const watching = client.watch(
          CONFIGMAPS,
          { resourceVersion: list.metadata.resourceVersion, signal: controller.signal },
          (event) => {
            const name = (event.object as { metadata?: { name?: string } }).metadata?.name;
            if (event.type === 'ADDED' && name === 'watched') {
              watchEventAfterMs = Date.now() - createdAt;
              controller.abort();
            }
          },
        );
        createdAt = Date.now();
        await client.create(
          CONFIGMAPS,
          configMapObject('matrix', 'watched', { value: 'w' }, 'k8s-version-matrix'),
        );
        const end = await watching;
        clearTimeout(timer);
        if (watchEventAfterMs === undefined)
          watchError =
            end.refusal?.message ??
            end.error ??
            `no ADDED event within ${options.watchTimeoutMs ?? 15_000} ms`;
      } catch (error) {
        watchError = describeError(error).slice(0, 300);
      }
    }
    const etcdNotes = (await apiserver.tailLog(5_000))
      .split('\n')
      .filter((line) =>
        /etcd.*(version|feature|not supported)|feature_support_checker|RequestWatchProgress/i.test(line),
      )
      .map((line) => line.replace(/^\S+\s+\S+\s+\d+\s+/, '').slice(0, 240))
      .slice(0, 5);
    return {
      ...cell,
      readyAfterMs: apiserver.readyAfterMs,
      startError: undefined,
      serves,
      serveError,
      watchEventAfterMs,
      watchError,
      etcdNotes,
      logPath: apiserver.logPath,
    };
  } finally {
    await options.beforeTeardown?.(cluster, apiserver).catch(() => undefined);
    await apiserver?.kill();
    const stopped = await cluster.stop();
    await stopped.remove();
  }
}
