// A snapshot file as bytes: its SHA-256 (before and after, as evidence that nothing touched it), and the 32-byte
// SHA-256 trailer etcd's snapshot API appends to the database (etcdutl/snapshot/v3_snapshot.go: a file has a trailer
// when its size modulo 512 is 32; restore compares it with the SHA-256 of everything before it). One streaming read
// computes both digests and, optionally, writes the private working copy.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';

export const TRAILER_BYTES = 32;

export interface SnapshotDigest {
  readonly sizeBytes: number;
  /** SHA-256 of the whole file (hex). */
  readonly sha256: string;
  /** SHA-256 of all but the last 32 bytes (hex): what a trailer must equal. Undefined for files under 32 bytes, or
   * when not asked for. */
  readonly bodySha256: string | undefined;
  /** The last 32 bytes (hex). */
  readonly lastBytes: string | undefined;
  readonly durationMs: number;
}

/** etcd's rule for "this file carries a SHA-256 trailer" (hasChecksum in etcdutl/snapshot/v3_snapshot.go). */
export function hasTrailer(sizeBytes: number): boolean {
  return sizeBytes % 512 === TRAILER_BYTES;
}

/** Reads `source` once; with `copyTo`, writes an identical copy (created 0600, never over an existing file). */
export async function digestSnapshot(
  source: string,
  options: {
    copyTo?: string;
    signal?: AbortSignal;
    /** Also the digest of all but the last 32 bytes (default true): a second SHA-256 pass over the bytes. */
    trailer?: boolean;
  } = {},
): Promise<SnapshotDigest> {
  const startedAt = performance.now();
  const whole = createHash('sha256');
  const body = options.trailer === false ? undefined : createHash('sha256');
  let tail = Buffer.alloc(0);
  let sizeBytes = 0;
  const copy = options.copyTo ? await open(options.copyTo, 'wx', 0o600) : undefined;
  try {
    const stream = createReadStream(source, { highWaterMark: 4 * 1024 * 1024, signal: options.signal });
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      sizeBytes += chunk.length;
      whole.update(chunk);
      // Hold the last 32 bytes back from the body digest until the end of the file is known.
      const joined = tail.length === 0 ? chunk : Buffer.concat([tail, chunk]);
      const cut = Math.max(0, joined.length - TRAILER_BYTES);
      if (cut > 0) body?.update(joined.subarray(0, cut));
      tail = Buffer.from(joined.subarray(cut));
      if (copy) await writeAll(copy, chunk);
    }
    if (copy) await copy.sync();
  } finally {
    await copy?.close();
  }
  const complete = sizeBytes >= TRAILER_BYTES;
  return {
    sizeBytes,
    sha256: whole.digest('hex'),
    bodySha256: complete && body ? body.digest('hex') : undefined,
    lastBytes: complete ? tail.toString('hex') : undefined,
    durationMs: Math.round(performance.now() - startedAt),
  };
}

async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, written, bytes.length - written);
    written += bytesWritten;
  }
}
