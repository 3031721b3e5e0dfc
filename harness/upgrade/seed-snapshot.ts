// The user's own data as a rehearsal's keyspace: `--seed-snapshot FILE` is checked before anything starts (its
// integrity, the release that wrote it), restored into every member with the tools of that release, then read once
// (paged) into a digest of every key, so the closing checks prove every key kept its value. The file is only read,
// never written: its SHA-256 is taken before and after, both in the evidence.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { describeError, InputError } from '../errors.js';
import type { EtcdVersion } from '../versions/version.js';
import { digestOfKeys, type SeededKeyspace } from './keyspace.js';

/** What the harness learned from the file before anything started. */
export interface SeedSnapshotFile {
  readonly path: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  /** `snapshot save` appends the SHA-256 of the db; a db file copied out of a data dir has none. */
  readonly integrity: 'sha256-trailer' | 'none (a copied db file)';
}

const BOLT_MAGIC = 0xed0cdaed;
const SHA256_BYTES = 32;

/**
 * Checks a snapshot file the way etcd's restore does, before anything starts: a bbolt file (its meta page's magic),
 * and, when `snapshot save` appended its SHA-256 (size % 512 == 32, etcdutl's test), that the hash matches. A
 * truncated or corrupted file is an InputError (exit 2) naming what is wrong.
 */
export async function inspectSeedSnapshot(path: string): Promise<SeedSnapshotFile> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a regular file');
    size = info.size;
  } catch (error) {
    throw new InputError(`Cannot read \`--seed-snapshot ${path}\`: ${describeError(error)}.`, {
      cause: error,
    });
  }
  const corrupt = (what: string) =>
    new InputError(`\`--seed-snapshot ${path}\` is not a usable etcd snapshot: ${what}.`, {
      hint: 'Take a fresh one with `etcdctl snapshot save FILE` and check it with `etcdutl snapshot status FILE`.',
      context: { path, sizeBytes: size },
    });
  if (size < 4096 + SHA256_BYTES) throw corrupt(`${size} bytes is smaller than one bbolt page`);
  const handle = await open(path, 'r');
  try {
    const header = Buffer.alloc(32);
    await handle.read(header, 0, 32, 0);
    if (header.readUInt32LE(16) !== BOLT_MAGIC)
      throw corrupt(
        'no bbolt meta page at its start (magic 0xED0CDAED missing): not a snapshot, or its head is damaged',
      );
  } finally {
    await handle.close();
  }
  const hasTrailer = size % 512 === SHA256_BYTES;
  if (!hasTrailer && size % 4096 !== 0)
    throw corrupt(
      `${size} bytes is neither whole bbolt pages nor pages plus the 32-byte SHA-256 \`snapshot save\` appends: the file is truncated`,
    );
  const whole = createHash('sha256');
  const body = createHash('sha256');
  const trailer: Buffer[] = [];
  let offset = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    whole.update(chunk);
    const bodyEnd = hasTrailer ? size - SHA256_BYTES : size;
    const inBody = Math.max(0, Math.min(chunk.length, bodyEnd - offset));
    if (inBody > 0) body.update(chunk.subarray(0, inBody));
    if (inBody < chunk.length) trailer.push(chunk.subarray(inBody));
    offset += chunk.length;
  }
  if (hasTrailer) {
    const expected = Buffer.concat(trailer).toString('hex');
    const actual = body.digest('hex');
    if (expected !== actual)
      throw corrupt(
        `its SHA-256 does not match the one \`snapshot save\` appended (${actual.slice(0, 16)}… vs ${expected.slice(0, 16)}…): the file was changed after it was taken (etcdutl snapshot restore refuses it: "snapshot file integrity check failed")`,
      );
  }
  return {
    path,
    sizeBytes: size,
    sha256: whole.digest('hex'),
    integrity: hasTrailer ? 'sha256-trailer' : 'none (a copied db file)',
  };
}

/** SHA-256 of a whole file (the before/after evidence that the user's snapshot was not modified). */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * The release line that wrote a snapshot, from `etcdutl snapshot status` of 3.6+ (its `version` field is the storage
 * version: empty for 3.5 and older, `3.6.0` for 3.6). A snapshot of a newer line than `from` cannot seed it.
 */
export function checkWriterLine(storageVersion: string | undefined, from: EtcdVersion, path: string): string {
  if (storageVersion === undefined) return `unknown (no etcdutl 3.6+ to read the storage version)`;
  if (storageVersion === '') {
    if (from.atLeast('3.6.0'))
      throw new InputError(
        `\`--seed-snapshot ${path}\` was written by etcd 3.5 or older (its storage version is empty), but the rehearsal starts on ${from}.`,
        {
          hint: 'Rehearse from the release that wrote it: --from 3.5 (the snapshot is restored with its tools).',
        },
      );
    return '3.5 or older (no storage version)';
  }
  const [major, minor] = storageVersion.split('.').map(Number);
  if (major !== from.major || minor !== from.minor)
    throw new InputError(
      `\`--seed-snapshot ${path}\` was written by etcd ${major}.${minor} (storage version ${storageVersion}), but the rehearsal starts on ${from}.`,
      { hint: `Rehearse from the release that wrote it: --from ${major}.${minor}.` },
    );
  return `${major}.${minor} (storage version ${storageVersion})`;
}

/** `/registry/<resource>/...` → resource (`apiextensions.k8s.io/customresourcedefinitions` stays whole). */
export function resourceOfKey(key: string): string {
  if (!key.startsWith('/registry/')) return '(outside /registry/)';
  const parts = key.slice('/registry/'.length).split('/');
  return parts[0]?.includes('.') ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? '');
}

/** Keys and bytes per resource: the report's summary of the user's keyspace. */
export function keyspaceByResource(
  bytes: ReadonlyMap<string, number>,
): { resource: string; keys: number; bytes: number }[] {
  const rows = new Map<string, { keys: number; bytes: number }>();
  for (const [key, size] of bytes) {
    const resource = resourceOfKey(key);
    const row = rows.get(resource) ?? { keys: 0, bytes: 0 };
    row.keys += 1;
    row.bytes += size;
    rows.set(resource, row);
  }
  return [...rows].map(([resource, row]) => ({ resource, ...row })).sort((a, b) => b.keys - a.keys);
}

/** The seed a rehearsal compares against: every key of the restored snapshot with its value's digest. */
export function snapshotSeed(
  digests: Map<string, string>,
  bytes: ReadonlyMap<string, number>,
  durationMs: number,
): SeededKeyspace {
  return {
    prefix: '',
    keys: digests.size,
    bytes: [...bytes.values()].reduce((sum, size) => sum + size, 0),
    digest: digestOfKeys(digests),
    byResource: Object.fromEntries(keyspaceByResource(bytes).map((row) => [row.resource, row.keys])),
    durationMs,
    keyDigests: digests,
  };
}
