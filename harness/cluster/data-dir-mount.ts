// Size-limited data dirs: a tmpfs of a fixed size mounted on a member's data dir (root only), so a disk-full fault
// can fill it for real. Mounts are journaled so the reaper unmounts what a killed run left.
import { mkdir } from 'node:fs/promises';
import { InputError } from '../errors.js';
import type { RunJournal } from '../runstate/journal.js';
import { findOnPath, isRoot, runCommand } from '../util/exec.js';

/** etcd preallocates 64 MiB WAL segments (and a .tmp one): below this it cannot start at all. */
export const MIN_DATA_DIR_BYTES = 192 * 1024 * 1024;

export interface DataDirMount {
  readonly path: string;
  readonly sizeBytes: number;
  unmount(): Promise<void>;
}

export async function mountSizeLimitedDir(
  path: string,
  sizeBytes: number,
  journal: RunJournal,
): Promise<DataDirMount> {
  if (!isRoot()) {
    throw new InputError(
      'A size-limited data dir needs root (it mounts a tmpfs of that size on the data dir).',
    );
  }
  const mount = await findOnPath('mount');
  const umount = await findOnPath('umount');
  if (!mount || !umount)
    throw new InputError('A size-limited data dir needs `mount` and `umount` (util-linux).');
  await mkdir(path, { recursive: true, mode: 0o700 });
  journal.record({ kind: 'mount', path });
  await runCommand(mount, ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0700`, 'etcd-chaos-data', path]);
  let mounted = true;
  return {
    path,
    sizeBytes,
    unmount: async () => {
      if (!mounted) return;
      mounted = false;
      const result = await runCommand(umount, [path], { allowFailure: true });
      if (result.exitCode !== 0) await runCommand(umount, ['-l', path], { allowFailure: true });
    },
  };
}

/** True when `path` is itself a mount point (used to tell whether a data dir is size-limited). */
export async function isMountPoint(path: string): Promise<boolean> {
  const { readFile } = await import('node:fs/promises');
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  return mounts.split('\n').some((line) => line.split(' ')[1] === path);
}
