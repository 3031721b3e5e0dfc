// The snapshot reader: CRC-32C, bbolt pages and meta, etcd's meta buckets, and the KV hash, checked against what
// etcd's own tools print for the fixture snapshots (`etcdutl hashkv` 3.6.16 on copies of them: 611479444 for both,
// revision 51; `etcdutl snapshot status`: version 3.6.0 for the 3.6 one, none for the 3.5 one).
import { copyFile, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BboltFile, BboltFormatError } from '../../harness/backups/bbolt.js';
import { CRC32C_IMPLEMENTATION, Crc32c, crc32c } from '../../harness/backups/crc32c.js';
import { parseBucketRevision, readEtcdMeta, scanKeyBucket } from '../../harness/backups/etcd-db.js';
import { KeyTable } from '../../harness/backups/key-table.js';
import { digestSnapshot, hasTrailer } from '../../harness/backups/snapshot-file.js';
import { writeBitFlippedCopy } from '../../harness/procedures/snapshot-corruption.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'snapshots');
const V36 = join(FIXTURES, 'etcd-3.6.16-50-keys.db');
const V35 = join(FIXTURES, 'etcd-3.5.35-50-keys.db');
const ETCDUTL_HASHKV = 611479444;
const dirs: string[] = [];

async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'etcd-chaos-reader-'));
  dirs.push(dir);
  return dir;
}

function openSnapshot(path: string, sizeBytes: number): BboltFile {
  return BboltFile.open(path, { dataBytes: hasTrailer(sizeBytes) ? sizeBytes - 32 : sizeBytes });
}

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('crc32c', () => {
  it('matches the standard check value and is the same fed in pieces', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    const bytes = Buffer.from('the quick brown fox jumps over the lazy dog, twice over');
    expect(new Crc32c().update(bytes, 0, 7).update(bytes, 7).digest()).toBe(crc32c(bytes));
  });

  it('uses the native implementation here, and it agrees with the JavaScript one on every length and split', () => {
    expect(CRC32C_IMPLEMENTATION).toBe('native (@node-rs/crc32)');
    const bytes = Buffer.from(Array.from({ length: 1_000 }, (_, index) => (index * 7919 + 13) % 256));
    for (const [start, cut, end] of [
      [0, 0, 0],
      [0, 1, 1],
      [3, 10, 11],
      [5, 333, 1_000],
      [0, 999, 1_000],
    ] as const) {
      const native = new Crc32c().update(bytes, start, cut).update(bytes, cut, end).digest();
      const js = new Crc32c().updateInJs(bytes, start, cut).updateInJs(bytes, cut, end).digest();
      expect(native).toBe(js);
    }
  });
});

describe('KeyTable', () => {
  it('finds keys byte for byte across growth and keeps their state', () => {
    const table = new KeyTable();
    for (let index = 0; index < 20_000; index++) {
      const key = Buffer.from(`/registry/pods/ns/pod-${index}`);
      const { index: at, added } = table.upsert(key, 0, key.length);
      expect(added).toBe(true);
      table.modRevision[at] = index + 1;
    }
    const again = Buffer.from('xx/registry/pods/ns/pod-123');
    expect(table.upsert(again, 2, again.length)).toEqual({ index: 123, added: false });
    expect(table.modRevision[table.find(again, 2, again.length)]).toBe(124);
    expect(table.key(19_999)).toBe('/registry/pods/ns/pod-19999');
    expect(table.find(Buffer.from('/registry/pods/ns/pod-20000'), 0, 27)).toBe(-1);
    expect(table.size).toBe(20_000);
  });
});

describe('snapshot files', () => {
  it('reads the trailer and both digests in one pass, and copies byte for byte', async () => {
    const dir = await scratch();
    const digest = await digestSnapshot(V36, { copyTo: join(dir, 'copy.db') });
    expect(digest.sizeBytes).toBe(24_608);
    expect(hasTrailer(digest.sizeBytes)).toBe(true);
    expect(digest.bodySha256).toBe(digest.lastBytes);
    expect((await digestSnapshot(join(dir, 'copy.db'))).sha256).toBe(digest.sha256);
    await expect(digestSnapshot(V36, { copyTo: join(dir, 'copy.db') })).rejects.toThrow(/EEXIST/);
  });

  it('reads meta, versions and members the way etcd stores them', () => {
    using v36 = openSnapshot(V36, 24_608);
    using v35 = openSnapshot(V35, 24_608);
    const meta36 = readEtcdMeta(v36);
    const meta35 = readEtcdMeta(v35);
    expect(meta36.storageVersion).toBe('3.6.0');
    expect(meta36.clusterVersion).toBe('3.6.0');
    expect(meta35.storageVersion).toBeUndefined();
    expect(meta35.clusterVersion).toBe('3.5.0');
    expect(meta35.term).toBeGreaterThan(0);
    expect(meta35.buckets).toContain('key');
    expect(meta35.members.map((member) => member.name)).toEqual(['default']);
  });

  it("computes etcd's KV hash, revision and live keys", () => {
    for (const path of [V35, V36]) {
      using db = openSnapshot(path, 24_608);
      const scan = scanKeyBucket(db, readEtcdMeta(db), {
        collectKeys: true,
        groupOf: (key) => key.toString('latin1').split('/')[1] ?? '',
      });
      expect(scan.kvHash).toBe(ETCDUTL_HASHKV);
      expect(scan.revision).toBe(51);
      expect(scan.liveKeys).toBe(50);
      expect(scan.malformedValues).toBe(0);
      expect(scan.keys?.[0]).toEqual({ key: '/k1', modRevision: 2, valueBytes: 6 });
      expect([...scan.groups.values()].reduce((sum, group) => sum + group.keys, 0)).toBe(50);
      expect(db.check().problems).toEqual([]);
    }
  });

  it('hashes only up to a revision, as HashKV at an older revision does', () => {
    using db = openSnapshot(V36, 24_608);
    const meta = readEtcdMeta(db);
    expect(scanKeyBucket(db, meta, { hashRevision: 10 }).kvHash).not.toBe(ETCDUTL_HASHKV);
    expect(scanKeyBucket(db, meta, { hashRevision: 51 }).kvHash).toBe(ETCDUTL_HASHKV);
  });

  it('parses revisions and tombstones', () => {
    const key = Buffer.alloc(18);
    key.writeBigUInt64BE(7n, 0);
    key[8] = 0x5f;
    key.writeBigUInt64BE(1n, 9);
    key[17] = 0x74;
    expect(parseBucketRevision(key)).toEqual({ main: 7, sub: 1, tombstone: true });
    expect(parseBucketRevision(key.subarray(0, 17))).toEqual({ main: 7, sub: 1, tombstone: false });
    expect(parseBucketRevision(Buffer.from('not-a-revision'))).toBeUndefined();
  });

  it('a bit flip in a value changes the KV hash but not the bbolt structure', async () => {
    const dir = await scratch();
    const flipped = join(dir, 'flipped.db');
    await writeBitFlippedCopy(V36, flipped, Buffer.from('value25'));
    using db = openSnapshot(flipped, 24_608);
    expect(db.check().problems).toEqual([]);
    expect(scanKeyBucket(db, readEtcdMeta(db)).kvHash).not.toBe(ETCDUTL_HASHKV);
    const digest = await digestSnapshot(flipped);
    expect(digest.bodySha256).not.toBe(digest.lastBytes);
  });

  it('names a truncated file, a file that is not bbolt, and an empty one', async () => {
    const dir = await scratch();
    const truncated = join(dir, 'truncated.db');
    await copyFile(V36, truncated);
    await truncate(truncated, 12_288);
    using cut = BboltFile.open(truncated);
    expect(cut.meta.highWaterMark * cut.meta.pageSizeBytes).toBeGreaterThan(12_288);
    expect(() => scanKeyBucket(cut, readEtcdMeta(cut))).toThrow(/truncated/);
    expect(cut.check().problems.join('\n')).toMatch(/truncated/);
    const text = join(dir, 'text.db');
    await writeFile(text, 'not a snapshot at all\n'.repeat(300));
    expect(() => BboltFile.open(text)).toThrow(BboltFormatError);
    expect(() => BboltFile.open(text)).toThrow(/no valid meta page/);
    const empty = join(dir, 'empty.db');
    await writeFile(empty, '');
    expect(() => BboltFile.open(empty)).toThrow(/smaller than one meta page/);
  });
});
