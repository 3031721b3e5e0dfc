// Free disk space, checked before a production-size step writes gigabytes: a step that would fill the disk is
// skipped with the reason instead (the disk is shared with the other runs on the machine).
import { statfs } from 'node:fs/promises';
import { HarnessError } from '../errors.js';

/** Bytes available to this user on the file system holding `path`. */
export async function freeBytes(path: string): Promise<number> {
  const stats = await statfs(path);
  return Number(stats.bavail) * Number(stats.bsize);
}

/** Not enough free disk for a step: what it needs, what there is, where. */
export class InsufficientDiskError extends HarnessError {
  override readonly name: string = 'InsufficientDiskError';
  readonly neededBytes: number;
  readonly freeBytes: number;
  constructor(what: string, path: string, neededBytes: number, available: number) {
    super(
      `${what} needs ${gib(neededBytes)} free on the file system of ${path}, which has ${gib(available)}: skipped so as not to fill a shared disk.`,
      {
        hint: 'Free some disk space, point TMPDIR at a larger file system, or choose a smaller --scale.',
        context: { path, neededBytes, freeBytes: available },
      },
    );
    this.neededBytes = neededBytes;
    this.freeBytes = available;
  }
}

/** Throws InsufficientDiskError unless `path`'s file system has `neededBytes` free. */
export async function requireFreeDisk(what: string, path: string, neededBytes: number): Promise<void> {
  const available = await freeBytes(path);
  if (available < neededBytes) throw new InsufficientDiskError(what, path, neededBytes, available);
}

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}
