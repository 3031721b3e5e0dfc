// `etcd-chaos bench kube-apiserver`: what Kubernetes in the loop costs and where it works: the kube-apiserver build
// (once per cache: the time is read from the cache entry, or measured when this run builds it), start-to-ready over
// repeated starts against one etcd, and the kube-apiserver × etcd compatibility matrix.
import { stat } from 'node:fs/promises';
import { BinaryCache } from '../binaries/cache.js';
import { resolveKubeApiServer } from '../binaries/resolve-kube-apiserver.js';
import { ClusterSpec } from '../cluster/spec.js';
import { ApiServerSpec } from '../kube/apiserver.js';
import { type MatrixCell, measureMatrixCell } from '../kube/version-matrix.js';
import { Session } from '../session.js';
import { parseKubernetesVersion } from '../versions/kubernetes-release.js';
import { resolveVersion } from '../versions/version.js';
import { median, percentile, round } from './stats.js';

export interface KubeBuildRow {
  readonly kubernetes: string;
  /** `cache` (built by an earlier run) or `go-build` (built now). */
  readonly source: string;
  /** The build's wall time: measured now, or as recorded in the cache entry. */
  readonly buildSeconds: number | undefined;
  readonly binaryBytes: number;
  readonly provenance: string;
}

export interface StartToReadyRow {
  readonly kubernetes: string;
  readonly etcd: string;
  readonly starts: number;
  readonly minMs: number;
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly maxMs: number;
  readonly samplesMs: readonly number[];
}

export interface KubeBenchResult {
  readonly builds: readonly KubeBuildRow[];
  readonly startToReady: readonly StartToReadyRow[];
  readonly matrix: readonly MatrixCell[];
}

export interface KubeBenchOptions {
  readonly kubernetes: readonly string[];
  readonly etcd: readonly string[];
  readonly starts: number;
  readonly matrix: boolean;
  readonly signal?: AbortSignal;
  readonly onBuild?: (row: KubeBuildRow) => void;
  readonly onStartToReady?: (row: StartToReadyRow) => void;
  readonly onCell?: (cell: MatrixCell) => void;
}

export async function benchKube(options: KubeBenchOptions): Promise<KubeBenchResult> {
  const cache = new BinaryCache();
  const kubernetes = options.kubernetes.map((value) => parseKubernetesVersion(value));
  const etcd = options.etcd.map((value) => resolveVersion(value));
  const builds: KubeBuildRow[] = [];
  for (const version of kubernetes) {
    const startedAt = performance.now();
    const binary = await resolveKubeApiServer(version, { signal: options.signal });
    const manifest = await cache.readManifest('kube-apiserver', version.toString());
    const recorded = /built in (\d+) s/.exec(manifest?.provenance ?? '')?.[1];
    const row: KubeBuildRow = {
      kubernetes: version.toString(),
      source: binary.source,
      buildSeconds:
        binary.source === 'go-build'
          ? round((performance.now() - startedAt) / 1000)
          : recorded === undefined
            ? undefined
            : Number(recorded),
      binaryBytes: (await stat(binary.path)).size,
      provenance: manifest?.provenance ?? binary.source,
    };
    builds.push(row);
    options.onBuild?.(row);
  }
  const startToReady: StartToReadyRow[] = [];
  const matrix: MatrixCell[] = [];
  await using session = await Session.open();
  if (options.starts > 0) {
    const target = etcd.find((version) => version.line === '3.6') ?? etcd[0] ?? resolveVersion('default');
    for (const version of kubernetes) {
      options.signal?.throwIfAborted();
      const cluster = await ClusterSpec.etcd(target)
        .withTls()
        .withMembers(1)
        .start({ session, signal: options.signal });
      try {
        const spec = ApiServerSpec.forCluster(cluster, version);
        const samples: number[] = [];
        for (let index = 0; index < options.starts; index++) {
          const server = await spec.start({ session, signal: options.signal });
          samples.push(server.readyAfterMs ?? Number.NaN);
          await server.kill();
        }
        const row: StartToReadyRow = {
          kubernetes: version.toString(),
          etcd: target.toString(),
          starts: samples.length,
          minMs: Math.min(...samples),
          medianMs: round(median(samples)),
          p90Ms: percentile(samples, 0.9),
          maxMs: Math.max(...samples),
          samplesMs: samples,
        };
        startToReady.push(row);
        options.onStartToReady?.(row);
      } finally {
        await (await cluster.stop()).remove();
      }
    }
  }
  if (options.matrix) {
    for (const version of kubernetes) {
      for (const etcdVersion of etcd) {
        options.signal?.throwIfAborted();
        const cell = await measureMatrixCell({
          kubernetes: version,
          etcd: etcdVersion,
          session,
          signal: options.signal,
        });
        matrix.push(cell);
        options.onCell?.(cell);
      }
    }
  }
  return { builds, startToReady, matrix };
}
