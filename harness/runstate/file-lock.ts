// One cross-process lock for the harness: proper-lockfile's mkdir lock beside a target path, refreshed while held and
// taken over when its holder died (stale). Used where two etcd-chaos processes must not act at once: filling a cache
// entry, reaping a state dir, reaping the Docker engine's labelled objects.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import lockfile from 'proper-lockfile';
import { logger } from '../log.js';

const log = logger('lock');

export interface FileLockOptions {
  /** A holder that has not refreshed the lock for this long is presumed dead (ms). */
  readonly staleMs: number;
  /** How long to keep trying before giving up (ms, roughly). */
  readonly waitMs: number;
}

/** Runs `fn` holding the lock on `target` (the file need not exist; its directory is created). */
export async function withFileLock<T>(
  target: string,
  options: FileLockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  await mkdir(dirname(target), { recursive: true });
  const maxTimeout = Math.min(2_000, Math.max(100, options.waitMs / 20));
  const release = await lockfile.lock(target, {
    realpath: false,
    stale: options.staleMs,
    update: Math.max(1_000, Math.floor(options.staleMs / 6)),
    retries: { retries: Math.ceil(options.waitMs / maxTimeout) + 10, minTimeout: 50, maxTimeout },
  });
  try {
    return await fn();
  } finally {
    await release().catch((error: unknown) => log('releasing lock failed %o', { target, error }));
  }
}
