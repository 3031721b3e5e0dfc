// The user's own data as a rehearsal's keyspace: `--seed-snapshot FILE` is checked before anything starts, the way
// `verify-backup` checks a backup (its SHA-256 trailer, bbolt consistency and completeness: the backup.intact check;
// which release wrote it, from its meta buckets), restored into every member with the tools of that release, then read
// once (paged) into a digest of every key, so the closing checks prove every key kept its value. The file is only
// read, never written: its SHA-256 is taken before and after, both in the evidence.
import { stat } from 'node:fs/promises';
import { inspectSnapshotDb, kubernetesGroupOf } from '../backups/inspect.js';
import { writerOf } from '../backups/restore-drill.js';
import { digestSnapshot, hasTrailer, TRAILER_BYTES } from '../backups/snapshot-file.js';
import { bboltFacts, STATUS_MAX_BYTES, trailerState } from '../backups/verify-file.js';
import { checkIntegrity } from '../checks/backup-files.js';
import { describeError, InputError } from '../errors.js';
import type { SeedSnapshot } from '../result/format.js';
import type { EtcdVersion } from '../versions/version.js';
import { digestOfKeys, type SeededKeyspace } from './keyspace.js';

/**
 * Reads a snapshot file as `verify-backup` does, before anything starts: an InputError (exit 2) names what is wrong
 * with a truncated, altered or non-snapshot file, or says which release to rehearse from when `from` did not write it.
 * A db file copied out of a data dir (no SHA-256 trailer) is accepted and restored with `--skip-hash-check`.
 */
export async function inspectSeedSnapshot(path: string, from: EtcdVersion): Promise<SeedSnapshot> {
  try {
    if (!(await stat(path)).isFile()) throw new Error('not a regular file');
  } catch (error) {
    throw new InputError(`Cannot read \`--seed-snapshot ${path}\`: ${describeError(error)}.`, {
      cause: error,
    });
  }
  const digest = await digestSnapshot(path);
  const dataBytes = hasTrailer(digest.sizeBytes) ? digest.sizeBytes - TRAILER_BYTES : digest.sizeBytes;
  const inspected = inspectSnapshotDb({
    path,
    dataBytes,
    consistency: digest.sizeBytes <= STATUS_MAX_BYTES,
  });
  const trailer = trailerState(digest, inspected);
  const integrity = checkIntegrity({
    file: path,
    sizeBytes: digest.sizeBytes,
    // Read once here; the SHA-256 after the rehearsal is compared with this one in the evidence.
    sha256Before: digest.sha256,
    sha256After: digest.sha256,
    trailer,
    allowNoHash: true,
    bbolt: bboltFacts(inspected, dataBytes),
  });
  if (integrity.verdict !== 'pass' || !inspected.opened)
    throw new InputError(`\`--seed-snapshot ${path}\` is not a usable etcd snapshot: ${integrity.reason}.`, {
      hint: 'Take a fresh one with `etcdctl snapshot save FILE`; `etcd-chaos verify-backup FILE` says what is wrong with this one.',
      context: { path, sizeBytes: digest.sizeBytes },
    });
  const writer = writerOf(inspected.meta);
  if (writer.line !== from.line)
    throw new InputError(
      `\`--seed-snapshot ${path}\` was written by etcd ${writer.line ?? '(unknown)'} (${writer.evidence}), but the rehearsal starts on ${from}.`,
      {
        hint: `Rehearse from the release that wrote it: --from ${writer.line ?? 'its line'} (the snapshot is restored with its tools).`,
      },
    );
  return {
    path,
    sizeBytes: digest.sizeBytes,
    sha256: digest.sha256,
    integrity: trailer === 'match' ? 'sha256-trailer' : 'none (a copied db file)',
    writer: `${writer.line} (${writer.evidence})`,
    ...(inspected.scan ? { revision: inspected.scan.revision, totalKeys: inspected.scan.liveKeys } : {}),
  };
}

/** Keys and bytes per `/registry/<resource>` (verify-backup's grouping): the report's summary of the user's keyspace. */
export function keyspaceByResource(
  bytes: ReadonlyMap<string, number>,
): { resource: string; keys: number; bytes: number }[] {
  const rows = new Map<string, { keys: number; bytes: number }>();
  for (const [key, size] of bytes) {
    const resource = kubernetesGroupOf(Buffer.from(key, 'utf8'));
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
