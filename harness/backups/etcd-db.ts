// etcd's data in a bbolt file (a snapshot body or a member's `member/snap/db`), read without etcd: the meta and cluster
// buckets (consistent index, term, storage version, cluster version, compaction), and one pass over the `key` bucket
// that yields the revision, the live keys with their sizes, and the KV hash exactly as etcd's HashKV computes it
// (server/storage/mvcc/hash.go: CRC-32C over "key", then each key-bucket entry up to the revision, skipping revisions
// a compaction drops). Bucket and key names: server/storage/schema/bucket.go.
import type { BboltFile } from './bbolt.js';
import { Crc32c } from './crc32c.js';
import { KeyTable } from './key-table.js';

/** A revision as etcd stores it: 8-byte big-endian main, `_`, 8-byte big-endian sub, `t` when a tombstone. */
export interface BucketRevision {
  readonly main: number;
  readonly sub: number;
  readonly tombstone: boolean;
}

export interface EtcdMeta {
  readonly consistentIndex: number | undefined;
  /** Since 3.5. */
  readonly term: number | undefined;
  /** Since 3.5: the raft voters, JSON. */
  readonly confState: string | undefined;
  /** Since 3.6: the storage schema version (`3.6.0`). */
  readonly storageVersion: string | undefined;
  /** Since 3.5 (cluster bucket). */
  readonly clusterVersion: string | undefined;
  readonly scheduledCompactRevision: number | undefined;
  readonly finishedCompactRevision: number | undefined;
  /** Member names and peer URLs of the cluster that wrote the file (members bucket). */
  readonly members: readonly { readonly id: string; readonly name?: string; readonly peerURLs?: string[] }[];
  /** Alarms raised when the snapshot was taken (alarm bucket: etcdserverpb.AlarmMember keys): a restore keeps them. */
  readonly alarms: readonly string[];
  readonly buckets: readonly string[];
}

/** Live keys (the newest revision of each is not a tombstone) at the file's revision. */
export interface LiveKey {
  readonly key: string;
  readonly modRevision: number;
  readonly valueBytes: number;
}

export interface KeyBucketScan {
  /** The highest main revision in the key bucket (what `snapshot status` reports as revision). */
  readonly revision: number;
  /** Entries in the key bucket: every stored revision of every key, tombstones included. */
  readonly entries: number;
  readonly liveKeys: number;
  readonly liveKeyBytes: number;
  readonly liveValueBytes: number;
  /** CRC-32C as etcd's HashKV at `revision`, with the compaction revision it assumed. */
  readonly kvHash: number;
  readonly hashRevision: number;
  readonly compactRevision: number;
  /** Values that did not parse as mvccpb.KeyValue (a healthy file has none). */
  readonly malformedValues: number;
  /** Only when asked (`collectKeys`): every live key with its revision and value size, in key order. */
  readonly keys?: readonly LiveKey[];
  /** Live keys and bytes (key + value) per group (`groupOf`). */
  readonly groups: ReadonlyMap<string, { keys: number; bytes: number }>;
}

export function readEtcdMeta(db: BboltFile): EtcdMeta {
  const number = (bucket: string, key: string): number | undefined => {
    const value = db.get(bucket, key);
    return value && value.length >= 8 ? Number(value.readBigUInt64BE(0)) : undefined;
  };
  const text = (bucket: string, key: string): string | undefined => db.get(bucket, key)?.toString('utf8');
  const members: { id: string; name?: string; peerURLs?: string[] }[] = [];
  db.forEach('members', (entry) => {
    try {
      const parsed = JSON.parse(entry.value.toString('utf8')) as { name?: string; peerURLs?: string[] };
      members.push({ id: entry.key.toString('latin1'), name: parsed.name, peerURLs: parsed.peerURLs });
    } catch {
      members.push({ id: entry.key.toString('latin1') });
    }
    return undefined;
  });
  const alarms: string[] = [];
  db.forEach('alarm', (entry) => {
    // AlarmMember: field 1 memberID (varint), field 2 alarm (varint: 1 NOSPACE, 2 CORRUPT).
    const alarm = entry.key.length >= 2 ? entry.key[entry.key.length - 1] : undefined;
    alarms.push(alarm === 1 ? 'NOSPACE' : alarm === 2 ? 'CORRUPT' : `alarm ${alarm}`);
    return undefined;
  });
  return {
    consistentIndex: number('meta', 'consistent_index'),
    term: number('meta', 'term'),
    confState: text('meta', 'confState'),
    storageVersion: text('meta', 'storageVersion') || undefined,
    clusterVersion: text('cluster', 'clusterVersion'),
    scheduledCompactRevision: number('meta', 'scheduledCompactRev'),
    finishedCompactRevision: number('meta', 'finishedCompactRev'),
    members,
    alarms,
    buckets: db.bucketNames(),
  };
}

export function parseBucketRevision(key: Uint8Array): BucketRevision | undefined {
  if ((key.length !== 17 && key.length !== 18) || key[8] !== 0x5f) return undefined;
  const view = Buffer.from(key.buffer, key.byteOffset, key.length);
  return {
    main: Number(view.readBigUInt64BE(0)),
    sub: Number(view.readBigUInt64BE(9)),
    tombstone: key.length === 18 && key[17] === 0x74,
  };
}

export interface ScanOptions {
  /** Hash up to this revision (default: the file's revision). */
  readonly hashRevision?: number;
  /** The compaction revision etcd will assume (default: the file's scheduled compaction, else none). */
  readonly compactRevision?: number;
  readonly collectKeys?: boolean;
  /** Group of a live key for `groups`, from its bytes (default: one group). Called once per distinct key. */
  readonly groupOf?: (key: Buffer) => string;
}

/**
 * One pass over the `key` bucket (two when a compaction is recorded: the first finds the revisions it keeps). Entries
 * come in revision order, so the newest entry of a key wins.
 */
export function scanKeyBucket(db: BboltFile, meta: EtcdMeta, options: ScanOptions = {}): KeyBucketScan {
  const compactRevision = options.compactRevision ?? meta.scheduledCompactRevision ?? -1;
  const keep = compactRevision > 0 ? keptAtCompaction(db, compactRevision) : undefined;
  const hashRevision = options.hashRevision ?? Number.MAX_SAFE_INTEGER;
  const hasher = new Crc32c().update(Buffer.from('key'));
  const table = new KeyTable();
  const groupNames: string[] = [];
  const groupIds = new Map<string, number>();
  const groupOf = options.groupOf;
  let revision = 0;
  let entries = 0;
  let malformedValues = 0;
  db.forEach('key', (entry) => {
    entries++;
    const rev = parseBucketRevision(entry.key);
    if (!rev) {
      malformedValues++;
      return undefined;
    }
    revision = Math.max(revision, rev.main);
    if (rev.main <= hashRevision) {
      const dropped =
        rev.main <= compactRevision && keep !== undefined && keep.size > 0 && !keep.has(revKey(rev));
      if (!dropped) {
        // A leaf stores the value right after the key: one checksum call over both halves the calls (2M for 1M keys).
        const { key, value } = entry;
        if (value.buffer === key.buffer && value.byteOffset === key.byteOffset + key.length)
          hasher.update(new Uint8Array(key.buffer, key.byteOffset, key.length + value.length));
        else hasher.update(key).update(value);
      }
    }
    const kv = parseKeyValue(entry.value);
    if (!kv) {
      malformedValues++;
      return undefined;
    }
    const { index, added } = table.upsert(entry.value, kv.keyStart, kv.keyEnd);
    if (added && groupOf) {
      const name = groupOf(entry.value.subarray(kv.keyStart, kv.keyEnd));
      let id = groupIds.get(name);
      if (id === undefined) {
        id = groupNames.push(name) - 1;
        groupIds.set(name, id);
      }
      table.group[index] = id;
    }
    table.modRevision[index] = rev.main;
    table.valueBytes[index] = kv.valueBytes;
    table.tombstone[index] = rev.tombstone ? 1 : 0;
    return undefined;
  });
  const groupSums = groupNames.map(() => ({ keys: 0, bytes: 0 }));
  if (groupSums.length === 0) groupSums.push({ keys: 0, bytes: 0 });
  const keys: LiveKey[] = [];
  let liveKeys = 0;
  let liveKeyBytes = 0;
  let liveValueBytes = 0;
  for (let index = 0; index < table.size; index++) {
    if (table.tombstone[index]) continue;
    liveKeys++;
    const keyBytes = table.keyBytesOf(index);
    const valueBytes = table.valueBytes[index] as number;
    liveKeyBytes += keyBytes;
    liveValueBytes += valueBytes;
    const sums = groupSums[table.group[index] as number] as { keys: number; bytes: number };
    sums.keys++;
    sums.bytes += keyBytes + valueBytes;
    if (options.collectKeys)
      keys.push({ key: table.key(index), modRevision: table.modRevision[index] as number, valueBytes });
  }
  if (options.collectKeys) keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const groups = new Map<string, { keys: number; bytes: number }>();
  groupSums.forEach((sums, id) => {
    if (sums.keys > 0) groups.set(groupNames[id] ?? '', sums);
  });
  return {
    revision,
    entries,
    liveKeys,
    liveKeyBytes,
    liveValueBytes,
    kvHash: hasher.digest(),
    hashRevision: Math.min(hashRevision, revision),
    compactRevision,
    malformedValues,
    keys: options.collectKeys ? keys : undefined,
    groups,
  };
}

function revKey(rev: BucketRevision): string {
  return `${rev.main}_${rev.sub}`;
}

/**
 * The revisions a compaction at `compactRevision` keeps (mvcc keyIndex.keep): for each key, its newest revision at
 * or below the compaction, unless that is a tombstone. Entries are in revision order, so the scan stops past it.
 */
function keptAtCompaction(db: BboltFile, compactRevision: number): Set<string> {
  const newest = new Map<string, BucketRevision>();
  db.forEach('key', (entry) => {
    const rev = parseBucketRevision(entry.key);
    if (!rev) return undefined;
    if (rev.main > compactRevision) return false;
    const kv = parseKeyValue(entry.value);
    if (kv) newest.set(entry.value.toString('latin1', kv.keyStart, kv.keyEnd), rev);
    return undefined;
  });
  const keep = new Set<string>();
  for (const rev of newest.values()) if (!rev.tombstone) keep.add(revKey(rev));
  return keep;
}

/** Where the key sits in a serialized mvccpb.KeyValue, and its value's size; undefined when it does not parse. */
export function parseKeyValue(
  bytes: Buffer,
): { keyStart: number; keyEnd: number; valueBytes: number } | undefined {
  let at = 0;
  let keyStart = -1;
  let keyEnd = -1;
  let valueBytes = 0;
  while (at < bytes.length) {
    const tag = readVarint(bytes, at);
    if (!tag) return undefined;
    at = tag.next;
    const field = tag.value >>> 3;
    const wire = tag.value & 7;
    if (wire === 0) {
      const skipped = readVarint(bytes, at);
      if (!skipped) return undefined;
      at = skipped.next;
    } else if (wire === 2) {
      const length = readVarint(bytes, at);
      if (!length || length.next + length.value > bytes.length) return undefined;
      if (field === 1) {
        keyStart = length.next;
        keyEnd = length.next + length.value;
      } else if (field === 5) valueBytes = length.value;
      at = length.next + length.value;
    } else {
      return undefined;
    }
  }
  return keyStart < 0 ? undefined : { keyStart, keyEnd, valueBytes };
}

function readVarint(bytes: Buffer, start: number): { value: number; next: number } | undefined {
  let value = 0;
  let multiplier = 1;
  for (let at = start; at < bytes.length && at < start + 10; at++) {
    const byte = bytes[at] as number;
    value += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return { value, next: at + 1 };
    multiplier *= 128;
  }
  return undefined;
}
