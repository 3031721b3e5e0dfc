// Kubernetes-shaped data at any size: `/registry/<resource>/<namespace>/<name>` keys with per-resource value sizes
// (events small and many, pods several KiB, ConfigMaps and Secrets up to hundreds of KiB), created once and then
// rewritten in update rounds (revision history) until the database reaches the profile's size. Every choice comes
// from a seeded generator, so a profile and seed give the same keys, values and order of writes. Written through
// the fast gRPC path as unconditional transactions of up to 128 puts, several in flight: one raft entry per batch.
import { HarnessError } from '../errors.js';
import type { GrpcKvClient } from '../workload/grpc-kv/client.js';
import type { KvPut } from '../workload/grpc-kv/proto.js';
import type { ResourceMix, ScaleProfile } from './profiles.js';

/** One object of the keyspace: its key, resource and nominal value size. */
export interface KubeObject {
  readonly key: string;
  readonly resource: ResourceMix;
  readonly valueBytes: number;
}

export interface ResourceSummary {
  readonly resource: string;
  readonly keys: number;
  /** Bytes of the objects' current values. */
  readonly liveBytes: number;
}

/** What a generation wrote and how fast. */
export interface KubeDataRecord {
  readonly profile: string;
  readonly seed: number;
  readonly keys: number;
  /** Puts written (creates and updates): the revisions added. */
  readonly puts: number;
  /** Bytes of keys and values written. */
  readonly bytesWritten: number;
  readonly liveBytes: number;
  readonly updateRounds: number;
  /** Factor applied to every value size so that live data fits under the profile's db size (1 = as in the mix). */
  readonly valueScale: number;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly mibPerSecond: number;
  readonly keysPerSecond: number;
  /** The db size measured when generation stopped. */
  readonly dbSizeBytes: number;
  readonly byResource: readonly ResourceSummary[];
}

export interface GenerateOptions {
  /** Reads the db size (bytes), e.g. from the member's status: for progress and the record. */
  readonly dbSize: () => Promise<number>;
  /** Transactions in flight (default 8). */
  readonly inFlight?: number;
  /** Bytes per transaction (default 512 KiB, under etcd's default --max-request-bytes of 1.5 MiB). */
  readonly maxTxnBytes?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (message: string) => void;
}

/** A small, fast, seedable generator (sfc32): the same seed gives the same sequence on every platform. */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    this.a = 0x9e3779b9;
    this.b = seed >>> 0;
    this.c = (stream * 0x85ebca6b) >>> 0;
    this.d = 1;
    for (let index = 0; index < 12; index++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4_294_967_296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

const NAME_WORDS = [
  'api',
  'web',
  'auth',
  'billing',
  'cart',
  'search',
  'ingest',
  'worker',
  'cache',
  'gateway',
  'metrics',
  'logs',
  'orders',
  'users',
  'payments',
  'notify',
] as const;
const HASH_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

function hashSuffix(random: SeededRandom, length: number): string {
  let suffix = '';
  for (let index = 0; index < length; index++) suffix += HASH_CHARS[random.int(HASH_CHARS.length)];
  return suffix;
}

/** Mean of a log-uniform draw between min and max. */
function logUniformMean(min: number, max: number): number {
  return max === min ? min : (max - min) / Math.log(max / min);
}

/**
 * The factor that keeps the live data (one copy of every value) at most 85 % of the profile's db size, so that
 * revision history (updates) makes up at least the rest; 1 when the mix fits as it is.
 */
export function valueScaleOf(profile: ScaleProfile): number {
  const totalShare = profile.mix.reduce((sum, entry) => sum + entry.share, 0);
  const meanValue = profile.mix.reduce(
    (sum, entry) =>
      sum + (entry.share / totalShare) * logUniformMean(entry.minValueBytes, entry.maxValueBytes),
    0,
  );
  const liveEstimate = profile.keys * (meanValue + 120);
  return Math.min(1, (0.85 * profile.dbBytes) / liveEstimate);
}

/** The keyspace of a profile: every object's key, resource and value size, in key order. Deterministic. */
export function planKubeKeyspace(profile: ScaleProfile): KubeObject[] {
  const random = new SeededRandom(profile.seed, 1);
  const scale = valueScaleOf(profile);
  const totalShare = profile.mix.reduce((sum, entry) => sum + entry.share, 0);
  const objects: KubeObject[] = [];
  const used = new Set<string>();
  let assigned = 0;
  for (const [index, resource] of profile.mix.entries()) {
    const last = index === profile.mix.length - 1;
    const count = last ? profile.keys - assigned : Math.round((profile.keys * resource.share) / totalShare);
    assigned += count;
    for (let made = 0; made < count; made++) {
      const word = NAME_WORDS[random.int(NAME_WORDS.length)] as string;
      const name =
        resource.resource === 'pods'
          ? `${word}-${hashSuffix(random, 10)}-${hashSuffix(random, 5)}`
          : resource.resource === 'events'
            ? `${word}-${hashSuffix(random, 5)}.${(random.nextUint32() * 65_536 + random.int(65_536)).toString(16)}`
            : `${word}-${hashSuffix(random, 8)}`;
      const namespace = `ns-${String(random.int(profile.namespaces)).padStart(4, '0')}`;
      const key = resource.namespaced
        ? `/registry/${resource.resource}/${namespace}/${name}`
        : `/registry/${resource.resource}/${name}`;
      const drawn =
        resource.minValueBytes * (resource.maxValueBytes / resource.minValueBytes) ** random.next();
      if (used.has(key)) {
        made--; // a name collision: draw another (rare: 8+ random characters)
        continue;
      }
      used.add(key);
      objects.push({ key, resource, valueBytes: Math.max(64, Math.round(drawn * scale)) });
    }
  }
  objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return objects;
}

/** A pool of seeded bytes that values are cut from: random-looking, reproducible, and cheap to produce per value. */
export function bytePool(seed: number, sizeBytes = 4 * 1024 * 1024): Buffer {
  const random = new SeededRandom(seed, 2);
  const pool = Buffer.allocUnsafe(sizeBytes);
  for (let offset = 0; offset + 4 <= sizeBytes; offset += 4) pool.writeUInt32LE(random.nextUint32(), offset);
  return pool;
}

/**
 * The value of `object` at `generation` (0 = created): Kubernetes' storage prefix (`k8s\0`), a header naming the
 * object and its generation, then bytes from the pool at an offset fixed by the key and generation.
 */
export function kubeValue(object: KubeObject, generation: number, pool: Buffer): Buffer {
  const header = Buffer.from(
    `k8s\u0000{"kind":"${object.resource.resource}","key":"${object.key}","generation":${generation}}`,
  );
  const length = Math.max(object.valueBytes, header.length);
  const value = Buffer.allocUnsafe(length);
  header.copy(value, 0);
  const rest = length - header.length;
  if (rest > 0) {
    let hash = generation * 0x9e3779b1;
    for (let index = 0; index < object.key.length; index++)
      hash = Math.imul(hash ^ object.key.charCodeAt(index), 0x01000193);
    const room = pool.length - rest;
    const offset = room > 0 ? (hash >>> 0) % room : 0;
    pool.copy(value, header.length, offset, offset + Math.min(rest, pool.length));
  }
  return value;
}

/** Writes the profile's data through `client` until the db reaches the profile's size; returns what it wrote. */
export async function generateKubeData(
  client: GrpcKvClient,
  profile: ScaleProfile,
  options: GenerateOptions,
): Promise<KubeDataRecord> {
  const { inFlight = 8, maxTxnBytes = 512 * 1024, signal, onProgress } = options;
  const startedAt = Date.now();
  const objects = planKubeKeyspace(profile);
  const pool = bytePool(profile.seed);
  const liveSizes = new Float64Array(objects.length);
  let puts = 0;
  let bytesWritten = 0;
  let lastReportAt = Date.now();
  // Generation stops between chunks of the write sequence (every 1/64 of the target, all writes of the chunk
  // acknowledged) once the bytes written reach the profile's size: a fixed point of the sequence, so the same
  // profile and seed always write the same data. (Stopping on the measured db size is not reproducible: bbolt's
  // page use depends on how writes fall into its 100 ms commit batches. Measured: the db ends within about 10 % of
  // the bytes written, since bbolt keeps every revision of a value whole.)
  const chunkBytes = Math.max(1024 * 1024, Math.floor(profile.dbBytes / 64));
  let dbSizeBytes = 0;

  const writeChunk = async (indexes: readonly number[], round: number): Promise<void> => {
    let cursor = 0;
    const nextBatch = (): KvPut[] => {
      const batch: KvPut[] = [];
      let batchBytes = 0;
      while (cursor < indexes.length && batch.length < 128) {
        const index = indexes[cursor] as number;
        const object = objects[index] as KubeObject;
        const size = object.valueBytes + object.key.length;
        if (batch.length > 0 && batchBytes + size > maxTxnBytes) break;
        const value = kubeValue(object, round, pool);
        batch.push({ key: object.key, value });
        liveSizes[index] = value.length;
        batchBytes += value.length + object.key.length;
        cursor++;
      }
      return batch;
    };
    const lane = async () => {
      for (let batch = nextBatch(); batch.length > 0; batch = nextBatch()) {
        signal?.throwIfAborted();
        await client.txnPuts(batch, { deadlineAt: Date.now() + 60_000 });
        puts += batch.length;
        for (const put of batch) bytesWritten += (put.value as Buffer).length + (put.key as string).length;
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
  };

  /** Writes `indexes` at `round` chunk by chunk; true once the db reached the profile's size (updates only). */
  const writeRound = async (indexes: readonly number[], round: number): Promise<boolean> => {
    let from = 0;
    while (from < indexes.length) {
      let to = from;
      let bytes = 0;
      while (to < indexes.length && (to === from || bytes < chunkBytes)) {
        bytes += (objects[indexes[to] as number] as KubeObject).valueBytes;
        to++;
      }
      await writeChunk(indexes.slice(from, to), round);
      from = to;
      if (onProgress && Date.now() - lastReportAt >= 2_000) {
        dbSizeBytes = await options.dbSize();
        lastReportAt = Date.now();
        const seconds = (Date.now() - startedAt) / 1000;
        onProgress(
          `${round === 0 ? 'creating' : `update round ${round}:`} ${puts.toLocaleString('en-US')} puts, ${(bytesWritten / 1048576).toFixed(0)} MiB written (${(bytesWritten / 1048576 / seconds).toFixed(1)} MiB/s), db ${(dbSizeBytes / 1048576).toFixed(0)} MiB of ${(profile.dbBytes / 1048576).toFixed(0)} MiB`,
        );
      }
      if (round > 0 && bytesWritten >= profile.dbBytes) return true;
    }
    return false;
  };

  await writeRound(
    objects.map((_, index) => index),
    0,
  );
  let reached = bytesWritten >= profile.dbBytes;
  let round = 0;
  // Update rounds: each object is rewritten with its resource's chance; a round that selects nothing (a mix with
  // no updates) ends the history, as does a bound that no realistic profile reaches.
  while (!reached) {
    round++;
    if (round > 10_000)
      throw new HarnessError(`profile ${profile.name}: 10,000 update rounds did not reach the db size`);
    const random = new SeededRandom(profile.seed, 100 + round);
    const selected: number[] = [];
    for (const [index, object] of objects.entries())
      if (random.next() < object.resource.updateChance) selected.push(index);
    if (selected.length === 0) break;
    reached = await writeRound(selected, round);
  }
  dbSizeBytes = await options.dbSize();
  const durationMs = Date.now() - startedAt;
  const byResource = new Map<string, { keys: number; liveBytes: number }>();
  let liveBytes = 0;
  for (const [index, object] of objects.entries()) {
    const entry = byResource.get(object.resource.resource) ?? { keys: 0, liveBytes: 0 };
    entry.keys++;
    entry.liveBytes += liveSizes[index] as number;
    liveBytes += liveSizes[index] as number;
    byResource.set(object.resource.resource, entry);
  }
  return {
    profile: profile.name,
    seed: profile.seed,
    keys: objects.length,
    puts,
    bytesWritten,
    liveBytes,
    updateRounds: round,
    valueScale: valueScaleOf(profile),
    startedAt,
    durationMs,
    mibPerSecond: bytesWritten / 1048576 / Math.max(0.001, durationMs / 1000),
    keysPerSecond: (puts * 1000) / Math.max(1, durationMs),
    dbSizeBytes,
    byResource: [...byResource.entries()].map(([resource, entry]) => ({ resource, ...entry })),
  };
}
