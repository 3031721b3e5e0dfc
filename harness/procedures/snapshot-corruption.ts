// Corrupt copies of a snapshot for integrity checks: a truncated copy (an interrupted upload), and a copy with one bit
// flipped inside a *live* value of etcd's `key` bucket. The flip is placed by walking the bbolt B+tree from its newest
// meta page, because a snapshot also carries freed pages holding stale copies of the same bytes: flipping the first
// match in the file can hit a page nothing reads (measured on 3.5.35), and a flip in the 32-byte SHA-256 trailer etcd
// appends would only test the trailer.
import { copyFile, readFile, truncate, writeFile } from 'node:fs/promises';
import { HarnessError } from '../errors.js';

const PAGE_HEADER_BYTES = 16;
const ELEMENT_BYTES = 16;
const BRANCH_PAGE = 0x01;
const LEAF_PAGE = 0x02;
const META_PAGE = 0x04;
const BUCKET_LEAF_FLAG = 0x01;
const BOLT_MAGIC = 0xed0cdaed;
const META_CHECKSUM_OFFSET = 56;
const MAX_DEPTH = 32;

/** Where a byte sits in a bbolt file. */
export interface BboltLocation {
  /** Byte offset in the file. */
  readonly offset: number;
  /** The page it belongs to (the page of the leaf element holding the value). */
  readonly page: number;
  readonly pageSizeBytes: number;
}

/** The newest valid meta page: page size and the root bucket's page. */
function newestMeta(db: Buffer): { pageSize: number; rootPage: bigint } {
  const candidates: { txid: bigint; pageSize: number; rootPage: bigint }[] = [];
  // Page size is in the meta itself; meta 0 sits at offset 0, meta 1 one page further.
  const firstPageSize = db.length >= PAGE_HEADER_BYTES + 12 ? db.readUInt32LE(PAGE_HEADER_BYTES + 8) : 0;
  for (const page of [0, 1]) {
    const start = page * firstPageSize;
    const meta = start + PAGE_HEADER_BYTES;
    if (firstPageSize === 0 || meta + 64 > db.length) continue;
    if ((db.readUInt16LE(start + 8) & META_PAGE) === 0) continue;
    if (db.readUInt32LE(meta) !== BOLT_MAGIC) continue;
    if (fnv1a64(db.subarray(meta, meta + META_CHECKSUM_OFFSET)) !== db.readBigUInt64LE(meta + 56)) continue;
    candidates.push({
      pageSize: db.readUInt32LE(meta + 8),
      rootPage: db.readBigUInt64LE(meta + 16),
      txid: db.readBigUInt64LE(meta + 48),
    });
  }
  const newest = candidates.sort((a, b) => (a.txid < b.txid ? 1 : -1))[0];
  if (!newest) throw new HarnessError('not a bbolt file: no valid meta page');
  return newest;
}

/** bbolt's meta checksum: FNV-1a, 64 bit. */
function fnv1a64(bytes: Uint8Array): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of bytes) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash;
}

interface Walk {
  readonly db: Buffer;
  readonly pageSize: number;
}

interface Leaf {
  readonly page: number;
  readonly flags: number;
  readonly key: Buffer;
  readonly valueOffset: number;
  readonly valueBytes: number;
}

/** The first non-undefined `pick(leaf)` over the leaf elements of the tree at `pageStart`, in key order. */
function findLeaf<T>(
  walk: Walk,
  pageStart: number,
  depth: number,
  pick: (leaf: Leaf) => T | undefined,
): T | undefined {
  const { db } = walk;
  if (depth > MAX_DEPTH) throw new HarnessError('bbolt tree deeper than expected: not a sane file');
  if (pageStart < 0 || pageStart + PAGE_HEADER_BYTES > db.length)
    throw new HarnessError(`bbolt page at offset ${pageStart} lies outside the file`);
  const page = Number(db.readBigUInt64LE(pageStart));
  const flags = db.readUInt16LE(pageStart + 8);
  const count = db.readUInt16LE(pageStart + 10);
  for (let index = 0; index < count; index++) {
    const element = pageStart + PAGE_HEADER_BYTES + index * ELEMENT_BYTES;
    let picked: T | undefined;
    if (flags & BRANCH_PAGE) {
      const child = Number(db.readBigUInt64LE(element + 8));
      picked = findLeaf(walk, child * walk.pageSize, depth + 1, pick);
    } else if (flags & LEAF_PAGE) {
      const keyOffset = element + db.readUInt32LE(element + 4);
      const keyBytes = db.readUInt32LE(element + 8);
      const valueBytes = db.readUInt32LE(element + 12);
      const valueOffset = keyOffset + keyBytes;
      if (valueOffset + valueBytes > db.length)
        throw new HarnessError(`bbolt leaf element on page ${page} points outside the file`);
      picked = pick({
        page,
        flags: db.readUInt32LE(element),
        key: db.subarray(keyOffset, valueOffset),
        valueOffset,
        valueBytes,
      });
    }
    if (picked !== undefined) return picked;
  }
  return undefined;
}

/**
 * The file offset of `needle` inside a value of the live tree of top-level bucket `bucket` (etcd keeps its keyspace
 * in `key`: revision → mvccpb.KeyValue, so a key's value bytes appear verbatim), or undefined when it is not there.
 */
export function locateLiveValue(db: Buffer, bucket: string, needle: Buffer): BboltLocation | undefined {
  const { pageSize, rootPage } = newestMeta(db);
  const walk = { db, pageSize };
  const bucketStart = findLeaf(walk, Number(rootPage) * pageSize, 0, (leaf) => {
    if (!(leaf.flags & BUCKET_LEAF_FLAG) || leaf.key.toString('latin1') !== bucket) return undefined;
    const root = db.readBigUInt64LE(leaf.valueOffset);
    // root 0: an inline bucket, its page follows the 16-byte bucket header inside the value.
    return root === 0n ? leaf.valueOffset + 16 : Number(root) * pageSize;
  });
  if (bucketStart === undefined) return undefined;
  return findLeaf(walk, bucketStart, 0, (leaf) => {
    const at = db.subarray(leaf.valueOffset, leaf.valueOffset + leaf.valueBytes).indexOf(needle);
    return at === -1
      ? undefined
      : { offset: leaf.valueOffset + at, page: leaf.page, pageSizeBytes: pageSize };
  });
}

export interface BitFlip {
  readonly path: string;
  readonly location: BboltLocation;
  readonly bit: number;
  readonly byteBefore: number;
  readonly byteAfter: number;
  readonly sizeBytes: number;
}

/**
 * Copies `source` to `destination` with one bit flipped in the middle of `needle`, where it sits in a live value of
 * the `key` bucket. Throws when the needle is not in the live tree (nothing would test what the scenario means).
 */
export async function writeBitFlippedCopy(
  source: string,
  destination: string,
  needle: Buffer,
  bit = 0,
): Promise<BitFlip> {
  const db = await readFile(source);
  const location = locateLiveValue(db, 'key', needle);
  if (!location)
    throw new HarnessError(
      `the marker value is not in the live key bucket of ${source}: cannot place the flip`,
    );
  const target = location.offset + Math.floor(needle.length / 2);
  const byteBefore = db[target] as number;
  db[target] = byteBefore ^ (1 << bit);
  await writeFile(destination, db);
  return {
    path: destination,
    location: { ...location, offset: target },
    bit,
    byteBefore,
    byteAfter: db[target] as number,
    sizeBytes: db.length,
  };
}

export interface Truncation {
  readonly path: string;
  readonly originalBytes: number;
  readonly keptBytes: number;
}

/** Copies `source` to `destination` cut to `keptBytes` (an upload or copy that stopped early). */
export async function writeTruncatedCopy(
  source: string,
  destination: string,
  keptBytes: number,
  originalBytes: number,
): Promise<Truncation> {
  if (!Number.isInteger(keptBytes) || keptBytes < 0 || keptBytes >= originalBytes)
    throw new HarnessError(`cannot truncate a ${originalBytes}-byte snapshot to ${keptBytes} bytes`);
  await copyFile(source, destination);
  await truncate(destination, keptBytes);
  return { path: destination, originalBytes, keptBytes };
}
