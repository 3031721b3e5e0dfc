// Production-size starting data for scenarios: the profile's Kubernetes-shaped keyspace is generated once per run
// (and per version) on a throwaway one-member cluster, saved as a snapshot in the run's temp dir, and every cluster
// that needs it starts from a restore of that snapshot. A restore gives each measured cluster the same db, a fresh
// WAL and nothing of the generator's batching in its raft log or memory; the file goes when the run's temp dir does.
import { join } from 'node:path';
import { ClusterSpec } from '../cluster/spec.js';
import { saveSnapshot } from '../procedures/snapshot.js';
import type { Session } from '../session.js';
import { requireFreeDisk } from '../util/disk.js';
import { capabilitiesOf } from '../versions/capabilities.js';
import type { EtcdVersion } from '../versions/version.js';
import { GrpcKvClient } from '../workload/grpc-kv/client.js';
import { generateKubeData, type KubeDataRecord } from './kube-data.js';
import type { ScaleProfile } from './profiles.js';

export interface SeededSnapshot {
  readonly path: string;
  readonly profile: ScaleProfile;
  readonly version: string;
  readonly generation: KubeDataRecord;
  readonly snapshotBytes: number;
  readonly saveMs: number;
}

export interface SeedOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (message: string) => void;
}

const GiB = 1024 ** 3;

/** What generating a profile writes at most, relative to its db size: the seed db, its WAL, the snapshot. */
export const SEED_DISK_FACTOR = 2.6;

// One generation per run, profile and version: scenarios of the same run share it.
const seeds = new WeakMap<Session, Map<string, Promise<SeededSnapshot>>>();

/** The snapshot of `profile` on `version`, generated on first use in this session. */
export function seedSnapshot(
  session: Session,
  version: EtcdVersion,
  profile: ScaleProfile,
  options: SeedOptions = {},
): Promise<SeededSnapshot> {
  const key = `${version}|${profile.name}|${profile.keys}|${profile.dbBytes}|${profile.seed}`;
  let cache = seeds.get(session);
  if (!cache) {
    cache = new Map();
    seeds.set(session, cache);
  }
  let pending = cache.get(key);
  if (!pending) {
    pending = generateSeed(session, version, profile, options);
    cache.set(key, pending);
    // A failed generation (interrupted, disk short) is not remembered: the next scenario may try again.
    pending.catch(() => cache.delete(key));
  }
  return pending;
}

async function generateSeed(
  session: Session,
  version: EtcdVersion,
  profile: ScaleProfile,
  options: SeedOptions,
): Promise<SeededSnapshot> {
  await requireFreeDisk(
    `generating the ${profile.name} keyspace`,
    session.workDir,
    profile.dbBytes * SEED_DISK_FACTOR + GiB,
  );
  const capabilities = capabilitiesOf(version);
  // Generation only: a quota above the target, frequent snapshots so that WAL files are purged as the data goes
  // in, and (3.6+) few raft entries kept in memory after each snapshot (the batches are up to 512 KiB each).
  const flags: Record<string, string> = {
    'quota-backend-bytes': String(Math.max(2 * GiB, Math.ceil(profile.dbBytes * 1.5 + GiB))),
    'snapshot-count': '500',
    ...(capabilities.snapshotCatchupEntriesFlag ? { [capabilities.snapshotCatchupEntriesFlag]: '100' } : {}),
  };
  const cluster = await ClusterSpec.etcd(version)
    .withMembers(1)
    .withName(`seed${session.nextClusterName().slice(1)}`)
    .withFlags(flags)
    .start({ session, signal: options.signal });
  try {
    const member = cluster.members[0]!;
    const client = new GrpcKvClient({ endpoint: member.urls.clientDirect, connections: 1 });
    let generation: KubeDataRecord;
    try {
      generation = await generateKubeData(client, profile, {
        dbSize: async () => (await client.status()).dbSizeBytes,
        signal: options.signal,
        onProgress: options.onProgress,
      });
    } finally {
      client.close();
    }
    options.onProgress?.(
      `generated ${profile.name}: ${generation.keys.toLocaleString('en-US')} keys, ${generation.puts.toLocaleString('en-US')} puts, ${(generation.bytesWritten / 1048576).toFixed(0)} MiB in ${(generation.durationMs / 1000).toFixed(1)} s (${generation.mibPerSecond.toFixed(1)} MiB/s); saving the snapshot`,
    );
    const path = join(session.workDir, `seed-${profile.name.replace(/[^A-Za-z0-9.-]/g, '_')}-${version}.db`);
    const saved = await saveSnapshot(cluster, member, path, {
      timeoutMs: Math.max(120_000, (profile.dbBytes / (5 * 1024 * 1024)) * 1000),
    });
    return {
      path,
      profile,
      version: version.toString(),
      generation,
      snapshotBytes: saved.sizeBytes,
      saveMs: saved.finishedAt - saved.startedAt,
    };
  } finally {
    await cluster[Symbol.asyncDispose]();
  }
}
