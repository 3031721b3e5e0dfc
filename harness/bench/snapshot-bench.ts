// `bench snapshot`: a production-sized, Kubernetes-shaped snapshot for rehearsals and benchmarks (`rehearse-upgrade
// --seed-snapshot`): the rehearsal keyspace layout under /registry/ written into a one-member cluster, then
// `etcdctl snapshot save`. Large snapshots belong here, not in `npm test`.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ClusterSpec } from '../cluster/spec.js';
import { saveSnapshot } from '../procedures/snapshot.js';
import { procedureError } from '../procedures/tool-run.js';
import { seedKeyspace } from '../upgrade/keyspace.js';
import { resolveVersion } from '../versions/version.js';

export interface SnapshotBenchRow {
  readonly path: string;
  readonly etcdVersion: string;
  readonly keys: number;
  readonly valueBytes: number;
  readonly seedMs: number;
  readonly putsPerSecond: number;
  readonly saveMs: number;
  readonly sizeBytes: number;
}

export async function benchSnapshot(options: {
  readonly keys: number;
  readonly valueBytes: number;
  readonly version: string;
  readonly out: string;
  readonly signal?: AbortSignal;
  readonly onStep?: (message: string) => void;
}): Promise<SnapshotBenchRow> {
  const version = resolveVersion(options.version);
  const path = resolve(options.out);
  options.onStep?.(`starting a one-member etcd ${version} cluster`);
  await using cluster = await ClusterSpec.etcd(version)
    .withMembers(1)
    // The seed is one burst of writes: a bigger quota than the 2 GiB default is not needed below ~1 M keys.
    .withFlags({ 'snapshot-count': 10_000 })
    .start({ signal: options.signal });
  options.onStep?.(
    `writing ${options.keys} Kubernetes-like keys under /registry/ (mean value ${options.valueBytes} bytes)`,
  );
  const seeded = await seedKeyspace(cluster.client(), {
    keys: options.keys,
    valueBytes: options.valueBytes,
    concurrency: 64,
  });
  options.onStep?.(`snapshot save → ${path}`);
  const saved = await saveSnapshot(cluster, cluster.members[0]!, path);
  if (saved.run.exitCode !== 0) throw procedureError('snapshot save', saved.run);
  return {
    path,
    etcdVersion: version.toString(),
    keys: seeded.keys,
    valueBytes: options.valueBytes,
    seedMs: seeded.durationMs,
    putsPerSecond: Math.round((seeded.keys * 1000) / Math.max(1, seeded.durationMs)),
    saveMs: saved.finishedAt - saved.startedAt,
    sizeBytes: (await stat(path)).size,
  };
}
