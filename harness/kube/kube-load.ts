// Kubernetes-shaped load: autocannon against kube-apiserver (create, update, get and list of ConfigMaps across
// namespaces, each with its own connections so every kind is timed on its own), with the latency the API server
// sees from etcd (etcd_request_duration_seconds) next to etcd's own (WAL fsync and backend commit on the leader).
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import type { StartedCluster } from '../cluster/types.js';
import { HarnessError } from '../errors.js';
import { histogramDelta, histogramQuantile } from '../observe/histogram.js';
import { METRIC, type MetricsSnapshot, parseMetrics, scrapeMetrics } from '../observe/metrics.js';
import { type LatencyStats, latencyStats } from '../workload/windows.js';
import type { StartedApiServer } from './apiserver.js';
import { CONFIGMAPS, NAMESPACES } from './client.js';
import { configMapObject, namespaceObject } from './objects.js';

export type KubeRequestKind = 'create' | 'update' | 'get' | 'list';

export interface KubeLoadOptions {
  readonly durationMs: number;
  /** Connections per request kind (default 4). */
  readonly connectionsPerKind?: number;
  readonly namespaces?: number;
  /** ConfigMaps per namespace written first (what update, get and list work on; default 20). */
  readonly objectsPerNamespace?: number;
  readonly valueBytes?: number;
  readonly signal?: AbortSignal;
}

export interface KubeLoadKindResult {
  readonly kind: KubeRequestKind;
  readonly requests: number;
  readonly errors: number;
  readonly perSecond: number;
  readonly latencyMs: LatencyStats;
}

export interface KubeLoadResult {
  readonly durationMs: number;
  readonly kinds: readonly KubeLoadKindResult[];
  /** etcd_request_duration_seconds over the run, by operation: p50/p99 in ms. */
  readonly apiserverEtcdLatencyMs: Readonly<Record<string, { p50: number; p99: number; count: number }>>;
  /** The leader's own: WAL fsync and backend commit p99 in ms over the run. */
  readonly etcdWalFsyncP99Ms: number;
  readonly etcdBackendCommitP99Ms: number;
}

const SCENARIO = 'kube-load';

export async function runKubeLoad(
  apiserver: StartedApiServer,
  cluster: StartedCluster,
  options: KubeLoadOptions,
): Promise<KubeLoadResult> {
  const namespaces = Array.from({ length: options.namespaces ?? 4 }, (_, index) => `load-${index}`);
  const perNamespace = options.objectsPerNamespace ?? 20;
  const value = 'x'.repeat(options.valueBytes ?? 256);
  for (const namespace of namespaces) {
    if (!(await apiserver.client.find(NAMESPACES, namespace)))
      await apiserver.client.create(NAMESPACES, namespaceObject(namespace, SCENARIO));
    for (let index = 0; index < perNamespace; index++) {
      if (!(await apiserver.client.find(CONFIGMAPS, `seed-${index}`, namespace)))
        await apiserver.client.create(
          CONFIGMAPS,
          configMapObject(namespace, `seed-${index}`, { value }, SCENARIO),
        );
    }
  }
  const leader = (await cluster.leader({ timeoutMs: 5_000 })) ?? cluster.members[0]!;
  const etcdBefore = await scrapeMetrics(leader);
  const apiBefore = parseMetrics('kube-apiserver', await apiserver.client.metrics());
  const started = Date.now();
  let sequence = 0;
  const pick = <T>(list: readonly T[]) => list[sequence++ % list.length] as T;
  const requestFor = (kind: KubeRequestKind): autocannon.Request => {
    switch (kind) {
      case 'create':
        return {
          method: 'POST',
          setupRequest: (request) => {
            const namespace = pick(namespaces);
            request.path = `/api/v1/namespaces/${namespace}/configmaps`;
            request.body = JSON.stringify(
              configMapObject(namespace, `load-${process.pid}-${sequence++}`, { value }, SCENARIO),
            );
            return request;
          },
        };
      case 'update':
        return {
          method: 'PATCH',
          headers: { 'content-type': 'application/merge-patch+json' },
          setupRequest: (request) => {
            request.path = `/api/v1/namespaces/${pick(namespaces)}/configmaps/seed-${sequence++ % perNamespace}`;
            request.body = JSON.stringify({
              data: { value: `${value.slice(0, -8)}${String(sequence).padStart(8, '0')}` },
            });
            return request;
          },
        };
      case 'get':
        return {
          method: 'GET',
          setupRequest: (request) => {
            request.path = `/api/v1/namespaces/${pick(namespaces)}/configmaps/seed-${sequence++ % perNamespace}`;
            return request;
          },
        };
      case 'list':
        return {
          method: 'GET',
          setupRequest: (request) => {
            request.path = `/api/v1/namespaces/${pick(namespaces)}/configmaps?limit=100`;
            return request;
          },
        };
    }
  };
  const ca = readFileSync(apiserver.caFile);
  const kinds: KubeRequestKind[] = ['create', 'update', 'get', 'list'];
  const results = await Promise.all(
    kinds.map(
      (kind) =>
        new Promise<KubeLoadKindResult>((resolve, reject) => {
          const latencies: number[] = [];
          let errors = 0;
          let requests = 0;
          const instance = autocannon(
            {
              url: apiserver.url,
              connections: options.connectionsPerKind ?? 4,
              duration: options.durationMs / 1000,
              timeout: 10,
              headers: { authorization: `Bearer ${apiserver.token}`, 'content-type': 'application/json' },
              tlsOptions: { ca },
              requests: [requestFor(kind)],
            },
            (error) => {
              if (error)
                reject(
                  new HarnessError(`autocannon (${kind}) against kube-apiserver failed: ${error}`, {
                    cause: error,
                  }),
                );
              else
                resolve({
                  kind,
                  requests,
                  errors,
                  perSecond: Math.round(((requests - errors) * 1000) / Math.max(1, Date.now() - started)),
                  latencyMs: latencyStats(latencies),
                });
            },
          );
          instance.on('response', (_client, status, _bytes, latencyMs) => {
            requests++;
            if (status >= 200 && status < 300) latencies.push(latencyMs);
            else errors++;
          });
          instance.on('reqError', () => {
            requests++;
            errors++;
          });
          options.signal?.addEventListener('abort', () => instance.stop(), { once: true });
        }),
    ),
  );
  const durationMs = Date.now() - started;
  const apiAfter = parseMetrics('kube-apiserver', await apiserver.client.metrics());
  const etcdAfter = await scrapeMetrics(leader);
  const apiserverEtcdLatencyMs: Record<string, { p50: number; p99: number; count: number }> = {};
  for (const operation of ['create', 'update', 'get', 'listWithCount', 'list']) {
    const delta = window(apiAfter, apiBefore, 'etcd_request_duration_seconds', { operation });
    if (delta && delta.count > 0)
      apiserverEtcdLatencyMs[operation] = {
        p50: round(histogramQuantile(0.5, delta) * 1000),
        p99: round(histogramQuantile(0.99, delta) * 1000),
        count: delta.count,
      };
  }
  const wal = window(etcdAfter, etcdBefore, METRIC.walFsync, {});
  const commit = window(etcdAfter, etcdBefore, METRIC.backendCommit, {});
  return {
    durationMs,
    kinds: results,
    apiserverEtcdLatencyMs,
    etcdWalFsyncP99Ms: wal ? round(histogramQuantile(0.99, wal) * 1000) : Number.NaN,
    etcdBackendCommitP99Ms: commit ? round(histogramQuantile(0.99, commit) * 1000) : Number.NaN,
  };
}

function window(
  after: MetricsSnapshot,
  before: MetricsSnapshot,
  name: string,
  labels: Record<string, string>,
) {
  const a = after.histogram(name, labels);
  const b = before.histogram(name, labels);
  return a && b ? histogramDelta(a, b) : a;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
