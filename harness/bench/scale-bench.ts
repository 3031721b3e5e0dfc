// `etcd-chaos bench scale`: the production-size procedures by db size (100 MiB, 1 GiB, 4 GiB): how fast the
// Kubernetes-shaped generator writes, how long `snapshot save`, `snapshot restore` and a defrag after compaction take.
// The baseline, measured in the same run on the same file system, is the disk itself: writing the same number of
// bytes sequentially with one fsync, and copying the snapshot file (read, write, fsync). Sizes whose disk need
// exceeds the free space are skipped with the reason.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ClusterSpec } from '../cluster/spec.js';
import { HarnessError } from '../errors.js';
import { compact } from '../procedures/maintenance.js';
import { restoreInitializer } from '../procedures/snapshot.js';
import { SCALE_PROFILES, type ScaleProfile } from '../scale/profiles.js';
import { SEED_DISK_FACTOR, seedSnapshot } from '../scale/seed.js';
import { Session } from '../session.js';
import { freeBytes } from '../util/disk.js';
import { tookMs } from '../util/go-duration.js';
import { resolveVersion } from '../versions/version.js';
import { GrpcKvClient } from '../workload/grpc-kv/client.js';
import { round } from './stats.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/** The sizes the bench measures, as profiles: 100 MiB with the production mix, then the 1GiB and 4GiB profiles. */
export const BENCH_SIZES: Readonly<Record<string, ScaleProfile>> = {
  '100MiB': { ...SCALE_PROFILES.production, name: '100MiB', keys: 25_000, dbBytes: 100 * MiB },
  '1GiB': SCALE_PROFILES['1GiB'],
  '4GiB': SCALE_PROFILES['4GiB'],
};

export interface ScaleBenchRow {
  readonly size: string;
  readonly keys: number;
  readonly puts: number;
  readonly bytesWritten: number;
  readonly dbSizeBytes: number;
  readonly generateSeconds: number;
  readonly generateMiBPerSecond: number;
  readonly keysPerSecond: number;
  readonly snapshotBytes: number;
  readonly snapshotSaveSeconds: number;
  readonly restoreSeconds: number;
  readonly compactSeconds: number;
  /** The defrag call as etcdctl timed it ("took"). */
  readonly defragSeconds: number;
  readonly dbSizeAfterDefragBytes: number;
  /** Baselines: the same bytes written sequentially with one fsync; the snapshot file copied and fsynced. */
  readonly diskWriteMiBPerSecond: number;
  readonly copySeconds: number;
  readonly generateVsDisk: number;
  readonly restoreVsCopy: number;
  readonly defragVsCopy: number;
}

export interface ScaleBenchOptions {
  readonly sizes?: readonly string[];
  readonly version?: string;
  readonly onRow?: (row: ScaleBenchRow) => void;
  readonly onSkip?: (size: string, reason: string) => void;
  readonly onProgress?: (message: string) => void;
  readonly signal?: AbortSignal;
}

export async function benchScale(options: ScaleBenchOptions): Promise<ScaleBenchRow[]> {
  const version = resolveVersion(options.version ?? 'default');
  const rows: ScaleBenchRow[] = [];
  for (const size of options.sizes ?? Object.keys(BENCH_SIZES)) {
    const profile = BENCH_SIZES[size];
    if (!profile)
      throw new HarnessError(
        `unknown bench size \`${size}\` (known: ${Object.keys(BENCH_SIZES).join(', ')})`,
      );
    options.signal?.throwIfAborted();
    // One session per size: its temp dir (seed snapshot, data dirs) is removed before the next size starts.
    await using session = await Session.open();
    // Seed (db, WAL, snapshot), then a restored member and the baseline copy at the same time.
    const needed = profile.dbBytes * (SEED_DISK_FACTOR + 2.5) + GiB;
    const available = await freeBytes(session.workDir);
    if (available < needed) {
      options.onSkip?.(
        size,
        `needs ${(needed / GiB).toFixed(1)} GiB free on the file system of ${session.workDir}, which has ${(available / GiB).toFixed(1)} GiB`,
      );
      continue;
    }
    options.onProgress?.(`${size}: generating ${profile.keys.toLocaleString('en-US')} keys`);
    const seed = await seedSnapshot(session, version, profile, {
      signal: options.signal,
      onProgress: (message) => options.onProgress?.(`${size}: ${message}`),
    });
    const scratch = await mkdtemp(join(session.workDir, 'bench-'));
    const diskWriteMiBPerSecond = await sequentialWrite(
      join(scratch, 'write-baseline'),
      seed.generation.bytesWritten,
    );
    const copyFrom = performance.now();
    await copyWithFsync(seed.path, join(scratch, 'copy-baseline.db'));
    const copySeconds = (performance.now() - copyFrom) / 1000;
    await rm(scratch, { recursive: true, force: true });

    options.onProgress?.(`${size}: restoring into a one-member cluster, compacting, defragmenting`);
    let restoreMs = 0;
    const restore = restoreInitializer(seed.path, {
      extraArgs: { timeoutMs: Math.max(120_000, (seed.snapshotBytes / (5 * MiB)) * 1000) },
    });
    const cluster = await ClusterSpec.etcd(version)
      .withMembers(1)
      .withFlags({ 'quota-backend-bytes': String(Math.max(8 * GiB, seed.snapshotBytes * 2)) })
      .withDataDirInitializer(async (init) => {
        const startedAt = performance.now();
        await restore(init);
        restoreMs = performance.now() - startedAt;
      })
      .withStartTimeout(Math.max(60_000, (seed.snapshotBytes / (20 * MiB)) * 1000))
      .start({ session, signal: options.signal });
    try {
      const member = cluster.members[0]!;
      const client = new GrpcKvClient({ endpoint: member.urls.clientDirect, callTimeoutMs: 600_000 });
      let dbSizeAfterDefragBytes: number;
      let compactSeconds: number;
      let defragSeconds: number;
      try {
        const revision = (await client.status()).header.revision;
        const compactFrom = performance.now();
        const compacted = await compact(cluster, revision);
        if (compacted.exitCode !== 0)
          throw new HarnessError(`compact failed: ${compacted.stderr.slice(-500)}`);
        compactSeconds = (performance.now() - compactFrom) / 1000;
        const timeoutS = Math.max(120, Math.ceil(seed.snapshotBytes / (2 * MiB)));
        const defragFrom = performance.now();
        const defragged = await cluster.etcdctl(['defrag', `--command-timeout=${timeoutS}s`], {
          allowFailure: true,
          timeoutMs: (timeoutS + 30) * 1000,
        });
        if (defragged.exitCode !== 0)
          throw new HarnessError(`defrag failed: ${defragged.stderr.slice(-500)}`);
        defragSeconds = (tookMs(defragged.stdout) ?? performance.now() - defragFrom) / 1000;
        dbSizeAfterDefragBytes = (await client.status()).dbSizeBytes;
      } finally {
        client.close();
      }
      const generation = seed.generation;
      const row: ScaleBenchRow = {
        size,
        keys: generation.keys,
        puts: generation.puts,
        bytesWritten: generation.bytesWritten,
        dbSizeBytes: generation.dbSizeBytes,
        generateSeconds: round(generation.durationMs / 1000, 1),
        generateMiBPerSecond: round(generation.mibPerSecond, 1),
        keysPerSecond: Math.round(generation.keysPerSecond),
        snapshotBytes: seed.snapshotBytes,
        snapshotSaveSeconds: round(seed.saveMs / 1000, 1),
        restoreSeconds: round(restoreMs / 1000, 1),
        compactSeconds: round(compactSeconds, 1),
        defragSeconds: round(defragSeconds, 1),
        dbSizeAfterDefragBytes,
        diskWriteMiBPerSecond: round(diskWriteMiBPerSecond, 1),
        copySeconds: round(copySeconds, 1),
        generateVsDisk: round(generation.mibPerSecond / diskWriteMiBPerSecond, 2),
        restoreVsCopy: round(restoreMs / 1000 / copySeconds, 2),
        defragVsCopy: round(defragSeconds / copySeconds, 2),
      };
      rows.push(row);
      options.onRow?.(row);
    } finally {
      await cluster[Symbol.asyncDispose]();
    }
  }
  return rows;
}

/** Writes `bytes` sequentially in 4 MiB blocks and fsyncs once; MiB/s. */
async function sequentialWrite(path: string, bytes: number): Promise<number> {
  const block = Buffer.alloc(4 * MiB, 0x6b);
  const startedAt = performance.now();
  const file = await open(path, 'w');
  try {
    for (let written = 0; written < bytes; written += block.length)
      await file.write(block, 0, Math.min(block.length, bytes - written));
    await file.sync();
  } finally {
    await file.close();
  }
  const seconds = (performance.now() - startedAt) / 1000;
  await rm(path, { force: true });
  return bytes / MiB / seconds;
}

async function copyWithFsync(from: string, to: string): Promise<void> {
  await pipeline(
    createReadStream(from, { highWaterMark: 4 * MiB }),
    createWriteStream(to, { highWaterMark: 4 * MiB }),
  );
  const file = await open(to, 'r+');
  try {
    await file.sync();
  } finally {
    await file.close();
  }
}
