// Corrupt snapshot copies: the bit flip lands in the live key bucket (not in a freed page holding a stale copy of the
// same bytes, nor in the SHA-256 trailer), flips exactly one bit, and truncation keeps exactly what it says.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  locateLiveValue,
  writeBitFlippedCopy,
  writeTruncatedCopy,
} from '../../harness/procedures/snapshot-corruption.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'snapshots');
const V36 = join(FIXTURES, 'etcd-3.6.16-50-keys.db');
const V35 = join(FIXTURES, 'etcd-3.5.35-50-keys.db');
const dirs: string[] = [];

async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'etcd-chaos-corruption-'));
  dirs.push(dir);
  return dir;
}

function occurrences(buffer: Buffer, needle: Buffer): number[] {
  const found: number[] = [];
  for (let at = buffer.indexOf(needle); at !== -1; at = buffer.indexOf(needle, at + 1)) found.push(at);
  return found;
}

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('locateLiveValue', () => {
  it('finds a value in the live key bucket', async () => {
    const db = await readFile(V36);
    const location = locateLiveValue(db, 'key', Buffer.from('value25'));
    expect(location?.offset).toBe(occurrences(db, Buffer.from('value25'))[0]);
    expect(location?.pageSizeBytes).toBe(4096);
    expect(location?.offset).toBeLessThan(db.length - 32);
  });

  it('skips a stale copy in a freed page (measured on 3.5.35: the first match in the file is not the live one)', async () => {
    const db = await readFile(V35);
    const all = occurrences(db, Buffer.from('value25'));
    expect(all.length).toBe(2);
    const location = locateLiveValue(db, 'key', Buffer.from('value25'));
    expect(location?.offset).toBe(all[1]);
  });

  it('returns undefined for bytes that are in no live value, or a bucket that does not exist', async () => {
    const db = await readFile(V36);
    expect(locateLiveValue(db, 'key', Buffer.from('no-such-value'))).toBeUndefined();
    expect(locateLiveValue(db, 'no-such-bucket', Buffer.from('value25'))).toBeUndefined();
  });

  it('refuses a file that is not bbolt', () => {
    expect(() => locateLiveValue(Buffer.alloc(8192, 7), 'key', Buffer.from('x'))).toThrow(/bbolt/);
  });
});

describe('writeBitFlippedCopy', () => {
  it('flips exactly one bit, inside the live value', async () => {
    const dir = await scratch();
    const original = await readFile(V35);
    const flip = await writeBitFlippedCopy(V35, join(dir, 'flipped.db'), Buffer.from('value25'));
    const copy = await readFile(flip.path);
    expect(copy.length).toBe(original.length);
    const differing = [...copy.keys()].filter((index) => copy[index] !== original[index]);
    expect(differing).toEqual([flip.location.offset]);
    expect(flip.byteBefore ^ flip.byteAfter).toBe(1);
    const live = occurrences(original, Buffer.from('value25'))[1]!;
    expect(flip.location.offset).toBeGreaterThanOrEqual(live);
    expect(flip.location.offset).toBeLessThan(live + 'value25'.length);
  });

  it('throws when the marker is not in the live tree', async () => {
    const dir = await scratch();
    await expect(writeBitFlippedCopy(V36, join(dir, 'x.db'), Buffer.from('absent-marker'))).rejects.toThrow(
      /marker value is not in the live key bucket/,
    );
  });
});

describe('writeTruncatedCopy', () => {
  it('keeps the first bytes only', async () => {
    const dir = await scratch();
    const original = await readFile(V36);
    const cut = await writeTruncatedCopy(V36, join(dir, 'cut.db'), 12_304, original.length);
    const copy = await readFile(cut.path);
    expect(copy.equals(original.subarray(0, 12_304))).toBe(true);
  });

  it('refuses a length that would not truncate', async () => {
    const dir = await scratch();
    await expect(writeTruncatedCopy(V36, join(dir, 'x.db'), 24_608, 24_608)).rejects.toThrow(
      /cannot truncate/,
    );
  });
});
