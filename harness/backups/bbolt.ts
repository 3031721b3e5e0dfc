// A read-only reader of bbolt files (etcd's backend, and the body of a snapshot), after go.etcd.io/bbolt's on-disk
// format: two meta pages, a B+tree of buckets, nested and inline buckets, overflow pages, the freelist. Pages are read
// with positional reads, so a file of any size is walked in little memory; the file is opened read-only.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { HarnessError } from '../errors.js';

const PAGE_HEADER_BYTES = 16;
const ELEMENT_BYTES = 16;
const BRANCH_PAGE = 0x01;
const LEAF_PAGE = 0x02;
const META_PAGE = 0x04;
const FREELIST_PAGE = 0x10;
const BUCKET_LEAF_FLAG = 0x01;
const BOLT_MAGIC = 0xed0cdaed;
const BOLT_VERSION = 2;
const META_BYTES = 64;
const NO_FREELIST = 0xffffffffffffffffn;
const MAX_DEPTH = 64;
const READ_AHEAD_BYTES = 1024 * 1024;
const READ_AHEAD_BLOCKS = 4;
/** Problems listed by `check()` before it stops counting details (bbolt's Check reports them all; nobody reads 10k). */
const MAX_PROBLEMS = 50;

/** The file is not a readable bbolt database (no valid meta page, a page out of the file, a broken tree). */
export class BboltFormatError extends HarnessError {
  override readonly name: string = 'BboltFormatError';
}

export interface BboltMeta {
  /** Which meta page won (the valid one with the higher transaction id). */
  readonly metaPage: 0 | 1;
  readonly pageSizeBytes: number;
  readonly rootPage: number;
  /** undefined when the freelist is not stored (NoFreelistSync). */
  readonly freelistPage: number | undefined;
  /** First page id past the end of the data: the file holds at least this many pages. */
  readonly highWaterMark: number;
  readonly txid: bigint;
  /** Why a meta page was rejected (both are checked). */
  readonly rejected: readonly string[];
}

/** A page as read: its header and the bytes of its whole span (with overflow pages). */
interface Page {
  readonly id: number;
  readonly flags: number;
  readonly count: number;
  readonly overflow: number;
  readonly bytes: Buffer;
  /** Where the page header starts in `bytes` (0, or 16 for an inline bucket's page inside a value). */
  readonly start: number;
}

export interface LeafEntry {
  readonly key: Buffer;
  readonly value: Buffer;
  /** A nested bucket rather than a value. */
  readonly isBucket: boolean;
}

/** What `check()` found, in bbolt's own words where it has them (`page 12: multiple references`). */
export interface ConsistencyReport {
  readonly problems: readonly string[];
  /** Problems beyond the first 50 are counted, not listed. */
  readonly moreProblems: number;
  readonly pagesReachable: number;
  readonly pagesFree: number | undefined;
  readonly highWaterMark: number;
}

export class BboltFile implements Disposable {
  private constructor(
    private readonly fd: number,
    readonly path: string,
    readonly meta: BboltMeta,
    /** Bytes of the database: the file without etcd's snapshot trailer, when told to leave it out. */
    readonly dataBytes: number,
  ) {}

  /**
   * Opens `path` read-only and picks the meta page as bbolt does. `dataBytes` limits reads to the database part (a
   * snapshot's last 32 bytes are etcd's SHA-256, not pages). Throws BboltFormatError when neither meta page is valid.
   */
  static open(path: string, options: { dataBytes?: number } = {}): BboltFile {
    const fd = openSync(path, 'r');
    try {
      const dataBytes = options.dataBytes ?? fstatSync(fd).size;
      const meta = readMeta(fd, dataBytes);
      return new BboltFile(fd, path, meta, dataBytes);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }

  /** Names of the top-level buckets. */
  bucketNames(): string[] {
    const names: string[] = [];
    this.walkLeaves(this.readPage(this.meta.rootPage), 0, (entry) => {
      if (entry.isBucket) names.push(entry.key.toString('latin1'));
      return undefined;
    });
    return names;
  }

  /** Calls `visit` for every entry of a top-level bucket in key order; false when the bucket does not exist. */
  forEach(bucket: string, visit: (entry: LeafEntry) => boolean | undefined): boolean {
    const root = this.bucketRoot(bucket);
    if (!root) return false;
    this.walkLeaves(root, 0, visit);
    return true;
  }

  /** One value of a top-level bucket (small buckets: meta, cluster); undefined when absent. */
  get(bucket: string, key: string): Buffer | undefined {
    let found: Buffer | undefined;
    this.forEach(bucket, (entry) => {
      if (entry.key.toString('latin1') !== key) return undefined;
      found = Buffer.from(entry.value);
      return false;
    });
    return found;
  }

  /**
   * bbolt's consistency check (`tx.Check`), on the pages: every page reachable from the root once, inside the high
   * water mark, of a tree type; freed pages unreachable; and, when a freelist is stored, every page either reachable
   * or free.
   */
  check(): ConsistencyReport {
    const { highWaterMark } = this.meta;
    const reachable = new Uint8Array(highWaterMark);
    const problems: string[] = [];
    let moreProblems = 0;
    const problem = (text: string) => {
      if (problems.length < MAX_PROBLEMS) problems.push(text);
      else moreProblems++;
    };
    const mark = (id: number, span: number, what: string) => {
      for (let page = id; page < id + span; page++) {
        if (page >= highWaterMark) {
          problem(`page ${page}: out of bounds: high water mark ${highWaterMark} (${what})`);
          return false;
        }
        if (reachable[page]) {
          problem(`page ${page}: multiple references (${what})`);
          return false;
        }
        reachable[page] = 1;
      }
      return true;
    };
    mark(0, 2, 'meta');
    let free: Set<number> | undefined;
    if (this.meta.freelistPage !== undefined) {
      try {
        const freelist = this.readPage(this.meta.freelistPage);
        mark(freelist.id, freelist.overflow + 1, 'freelist');
        free = new Set(freelistIds(freelist));
        for (const id of free)
          if (id >= highWaterMark) problem(`page ${id}: freed page beyond high water mark`);
      } catch (error) {
        problem(`freelist page ${this.meta.freelistPage}: ${(error as Error).message}`);
      }
    }
    const visitTree = (page: Page, depth: number, what: string) => {
      if (page.start === 0 && !mark(page.id, page.overflow + 1, what)) return;
      if (free?.has(page.id)) problem(`page ${page.id}: reachable freed (${what})`);
      if (depth > MAX_DEPTH) {
        problem(`page ${page.id}: tree deeper than ${MAX_DEPTH} levels (a cycle?)`);
        return;
      }
      if (page.flags & BRANCH_PAGE) {
        let previous: Buffer | undefined;
        for (let index = 0; index < page.count; index++) {
          const element = page.start + PAGE_HEADER_BYTES + index * ELEMENT_BYTES;
          const key = branchKey(page, element);
          if (previous && Buffer.compare(previous, key) >= 0)
            problem(`page ${page.id}: keys out of order at element ${index}`);
          previous = key;
          const child = Number(page.bytes.readBigUInt64LE(element + 8));
          try {
            visitTree(this.readPage(child), depth + 1, what);
          } catch (error) {
            problem(`page ${child} (child of ${page.id}): ${(error as Error).message}`);
          }
        }
      } else if (page.flags & LEAF_PAGE) {
        let previous: Buffer | undefined;
        for (let index = 0; index < page.count; index++) {
          let entry: LeafEntry;
          try {
            entry = leafEntry(page, index);
          } catch (error) {
            problem(`page ${page.id}: ${(error as Error).message}`);
            return;
          }
          if (previous && Buffer.compare(previous, entry.key) >= 0)
            problem(`page ${page.id}: keys out of order at element ${index}`);
          previous = entry.key;
          if (!entry.isBucket) continue;
          try {
            visitTree(this.nestedRoot(entry.value), depth + 1, `bucket ${printable(entry.key)}`);
          } catch (error) {
            problem(`bucket ${printable(entry.key)} on page ${page.id}: ${(error as Error).message}`);
          }
        }
      } else {
        problem(`page ${page.id}: invalid type: ${pageType(page.flags)} (${what})`);
      }
    };
    try {
      visitTree(this.readPage(this.meta.rootPage), 0, 'root bucket');
    } catch (error) {
      problem(`root page ${this.meta.rootPage}: ${(error as Error).message}`);
    }
    let pagesReachable = 0;
    for (let id = 0; id < highWaterMark; id++) {
      if (reachable[id]) pagesReachable++;
      else if (free && !free.has(id)) problem(`page ${id}: unreachable unfreed`);
    }
    return {
      problems,
      moreProblems,
      pagesReachable,
      pagesFree: free?.size,
      highWaterMark,
    };
  }

  private bucketRoot(bucket: string): Page | undefined {
    let root: Page | undefined;
    this.walkLeaves(this.readPage(this.meta.rootPage), 0, (entry) => {
      if (!entry.isBucket || entry.key.toString('latin1') !== bucket) return undefined;
      root = this.nestedRoot(entry.value);
      return false;
    });
    return root;
  }

  /** The root page of a bucket from its 16-byte header: a page of its own, or inline after the header. */
  private nestedRoot(value: Buffer): Page {
    if (value.length < 16) throw new BboltFormatError(`bucket header of ${value.length} bytes`);
    const root = value.readBigUInt64LE(0);
    if (root !== 0n) return this.readPage(Number(root));
    if (value.length < 16 + PAGE_HEADER_BYTES) throw new BboltFormatError('inline bucket without a page');
    return {
      id: -1,
      flags: value.readUInt16LE(16 + 8),
      count: value.readUInt16LE(16 + 10),
      overflow: 0,
      bytes: value,
      start: 16,
    };
  }

  /** In-order walk of the leaves under `page`; `visit` returning false stops the walk. */
  private walkLeaves(page: Page, depth: number, visit: (entry: LeafEntry) => boolean | undefined): boolean {
    if (depth > MAX_DEPTH)
      throw new BboltFormatError(`tree deeper than ${MAX_DEPTH} levels at page ${page.id}`);
    if (page.flags & BRANCH_PAGE) {
      for (let index = 0; index < page.count; index++) {
        const element = page.start + PAGE_HEADER_BYTES + index * ELEMENT_BYTES;
        const child = Number(page.bytes.readBigUInt64LE(element + 8));
        if (!this.walkLeaves(this.readPage(child), depth + 1, visit)) return false;
      }
      return true;
    }
    if (page.flags & LEAF_PAGE) {
      for (let index = 0; index < page.count; index++) {
        if (visit(leafEntry(page, index)) === false) return false;
      }
      return true;
    }
    throw new BboltFormatError(`page ${page.id} is a ${pageType(page.flags)} page inside a tree`);
  }

  /** Reads page `id` with its overflow pages. */
  private readPage(id: number): Page {
    const { pageSizeBytes } = this.meta;
    if (!Number.isSafeInteger(id) || id < 2 || id >= this.meta.highWaterMark)
      throw new BboltFormatError(`page id ${id} outside 2..${this.meta.highWaterMark - 1}`);
    const offset = id * pageSizeBytes;
    if (offset + pageSizeBytes > this.dataBytes)
      throw new BboltFormatError(
        `page ${id} lies beyond the end of the file (byte ${offset} of ${this.dataBytes}): the file is truncated`,
      );
    let bytes = this.readCached(offset, pageSizeBytes);
    const overflow = bytes.readUInt32LE(12);
    if (overflow > 0) {
      const spanBytes = (overflow + 1) * pageSizeBytes;
      if (offset + spanBytes > this.dataBytes)
        throw new BboltFormatError(
          `page ${id} spans ${overflow + 1} pages past the end of the file: the file is truncated`,
        );
      bytes = this.readCached(offset, spanBytes);
    }
    const headerId = Number(bytes.readBigUInt64LE(0));
    if (headerId !== id) throw new BboltFormatError(`page ${id}: header says page ${headerId}`);
    return { id, flags: bytes.readUInt16LE(8), count: bytes.readUInt16LE(10), overflow, bytes, start: 0 };
  }

  /** The most recently used read-ahead blocks, newest last. */
  private readonly blocks: { offset: number; bytes: Buffer }[] = [];

  /**
   * `length` bytes at `offset`, through a few read-ahead blocks: bbolt allocates pages mostly in order, so a tree walk
   * reads the file nearly sequentially and one 1 MiB read serves hundreds of pages. More than one block, because the
   * walk goes back to a branch page between runs of leaves: with one block, each such visit threw the leaves' block
   * away and read it again (measured on a 1.3 GiB snapshot: 1.18 s in reads against 0.54 s for the file once).
   */
  private readCached(offset: number, length: number): Buffer {
    const blocks = this.blocks;
    for (let index = blocks.length - 1; index >= 0; index--) {
      const block = blocks[index] as { offset: number; bytes: Buffer };
      if (offset >= block.offset && offset + length <= block.offset + block.bytes.length) {
        if (index !== blocks.length - 1) blocks.push(...blocks.splice(index, 1));
        return block.bytes.subarray(offset - block.offset, offset - block.offset + length);
      }
    }
    const blockBytes = Math.min(Math.max(length, READ_AHEAD_BYTES), this.dataBytes - offset);
    const bytes = Buffer.allocUnsafe(blockBytes);
    readFully(this.fd, bytes, offset);
    blocks.push({ offset, bytes });
    if (blocks.length > READ_AHEAD_BLOCKS) blocks.shift();
    return bytes.subarray(0, length);
  }
}

function readFully(fd: number, buffer: Buffer, position: number): void {
  let done = 0;
  while (done < buffer.length) {
    const read = readSync(fd, buffer, done, buffer.length - done, position + done);
    if (read === 0) throw new BboltFormatError(`unexpected end of file at byte ${position + done}`);
    done += read;
  }
}

function leafEntry(page: Page, index: number): LeafEntry {
  const element = page.start + PAGE_HEADER_BYTES + index * ELEMENT_BYTES;
  const { bytes } = page;
  if (element + ELEMENT_BYTES > bytes.length)
    throw new BboltFormatError(`leaf element ${index} outside page ${page.id}`);
  const flags = bytes.readUInt32LE(element);
  const keyStart = element + bytes.readUInt32LE(element + 4);
  const keyBytes = bytes.readUInt32LE(element + 8);
  const valueBytes = bytes.readUInt32LE(element + 12);
  const valueStart = keyStart + keyBytes;
  if (valueStart + valueBytes > bytes.length)
    throw new BboltFormatError(`leaf element ${index} of page ${page.id} points outside the page`);
  return {
    key: bytes.subarray(keyStart, valueStart),
    value: bytes.subarray(valueStart, valueStart + valueBytes),
    isBucket: (flags & BUCKET_LEAF_FLAG) !== 0,
  };
}

function branchKey(page: Page, element: number): Buffer {
  const start = element + page.bytes.readUInt32LE(element);
  const length = page.bytes.readUInt32LE(element + 4);
  if (start + length > page.bytes.length)
    throw new BboltFormatError(`branch element of page ${page.id} points outside the page`);
  return page.bytes.subarray(start, start + length);
}

function freelistIds(page: Page): number[] {
  if (!(page.flags & FREELIST_PAGE))
    throw new BboltFormatError(
      `page ${page.id} should be the freelist but is a ${pageType(page.flags)} page`,
    );
  let count = page.count;
  let at = PAGE_HEADER_BYTES;
  // A count of 0xFFFF means the real count is the first 8 bytes of the data.
  if (count === 0xffff) {
    count = Number(page.bytes.readBigUInt64LE(at));
    at += 8;
  }
  if (at + count * 8 > page.bytes.length)
    throw new BboltFormatError(`freelist of ${count} ids does not fit its page`);
  const ids: number[] = [];
  for (let index = 0; index < count; index++) ids.push(Number(page.bytes.readBigUInt64LE(at + index * 8)));
  return ids;
}

function readMeta(fd: number, dataBytes: number): BboltMeta {
  const rejected: string[] = [];
  const candidates: Omit<BboltMeta, 'rejected'>[] = [];
  if (dataBytes < PAGE_HEADER_BYTES + META_BYTES)
    throw new BboltFormatError(`not a bbolt file: ${dataBytes} bytes is smaller than one meta page`, {
      context: { dataBytes },
    });
  const first = Buffer.alloc(PAGE_HEADER_BYTES + META_BYTES);
  readFully(fd, first, 0);
  // The page size is in the meta itself; meta 1 sits one page after meta 0.
  const guessedPageSize = first.readUInt32LE(PAGE_HEADER_BYTES + 8);
  for (const metaPage of [0, 1] as const) {
    const offset = metaPage * guessedPageSize;
    if (metaPage === 1 && (guessedPageSize < 512 || offset + PAGE_HEADER_BYTES + META_BYTES > dataBytes)) {
      rejected.push(`meta page 1: not readable (page size ${guessedPageSize}, file ${dataBytes} bytes)`);
      continue;
    }
    const bytes = metaPage === 0 ? first : Buffer.alloc(PAGE_HEADER_BYTES + META_BYTES);
    if (metaPage === 1) readFully(fd, bytes, offset);
    const reason = invalidMeta(bytes);
    if (reason) {
      rejected.push(`meta page ${metaPage}: ${reason}`);
      continue;
    }
    const meta = PAGE_HEADER_BYTES;
    const freelist = bytes.readBigUInt64LE(meta + 32);
    candidates.push({
      metaPage,
      pageSizeBytes: bytes.readUInt32LE(meta + 8),
      rootPage: Number(bytes.readBigUInt64LE(meta + 16)),
      freelistPage: freelist === NO_FREELIST ? undefined : Number(freelist),
      highWaterMark: Number(bytes.readBigUInt64LE(meta + 40)),
      txid: bytes.readBigUInt64LE(meta + 48),
    });
  }
  const newest = candidates.sort((a, b) => (a.txid < b.txid ? 1 : a.txid > b.txid ? -1 : 0))[0];
  if (!newest)
    throw new BboltFormatError(`not a bbolt file: no valid meta page (${rejected.join('; ')})`, {
      context: { rejected },
    });
  return { ...newest, rejected };
}

function invalidMeta(bytes: Buffer): string | undefined {
  if ((bytes.readUInt16LE(8) & META_PAGE) === 0)
    return `page flags ${bytes.readUInt16LE(8)} are not a meta page`;
  const meta = PAGE_HEADER_BYTES;
  if (bytes.readUInt32LE(meta) !== BOLT_MAGIC) return 'no bbolt magic number';
  if (bytes.readUInt32LE(meta + 4) !== BOLT_VERSION) return `format version ${bytes.readUInt32LE(meta + 4)}`;
  if (fnv1a64(bytes.subarray(meta, meta + 56)) !== bytes.readBigUInt64LE(meta + 56))
    return 'checksum mismatch';
  const pageSize = bytes.readUInt32LE(meta + 8);
  if (pageSize < 512 || pageSize > 1 << 20 || (pageSize & (pageSize - 1)) !== 0)
    return `implausible page size ${pageSize}`;
  return undefined;
}

/** bbolt's meta checksum: FNV-1a, 64 bit, over the meta's first 56 bytes. */
function fnv1a64(bytes: Uint8Array): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of bytes) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash;
}

function pageType(flags: number): string {
  if (flags & BRANCH_PAGE) return 'branch';
  if (flags & LEAF_PAGE) return 'leaf';
  if (flags & META_PAGE) return 'meta';
  if (flags & FREELIST_PAGE) return 'freelist';
  return `unknown<${flags.toString(16)}>`;
}

function printable(bytes: Buffer): string {
  const text = bytes.toString('latin1');
  return /^[\x20-\x7e]*$/.test(text) ? text : `0x${bytes.toString('hex')}`;
}
