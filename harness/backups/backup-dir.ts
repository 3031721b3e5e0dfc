// A backup directory as the guide's script leaves it: `etcd-YYYYmmdd-HHMMSS.db` files (optionally `.gpg`/`.enc`
// encrypted). A backup's time comes from that name when it matches (the script's `date +%Y%m%d-%H%M%S`, host local
// time), else from the file's mtime, which a `cp` or an upload resets; each entry says which.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export type Encryption = 'none' | 'gpg' | 'openssl';

export interface BackupEntry {
  readonly name: string;
  readonly path: string;
  readonly sizeBytes: number;
  readonly mtimeMs: number;
  /** When the backup was taken, as far as can be told. */
  readonly takenAtMs: number;
  readonly timeSource: 'file name' | 'mtime';
  readonly encryption: Encryption;
}

const GUIDE_NAME = /^etcd-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})\.db(?:\.gpg|\.enc)?$/;
const SNAPSHOT_NAME = /\.(db|snapshot|snap)(\.gpg|\.enc)?$|\.(gpg|enc)$/i;

/** The time the guide's file name encodes (host local time), or undefined when the name does not follow it. */
export function timeFromName(name: string): number | undefined {
  const match = GUIDE_NAME.exec(name);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(year, month - 1, day, hour, minute, second);
  // Reject names like etcd-20261399-...: Date rolls them over instead of failing.
  if (date.getMonth() !== month - 1 || date.getDate() !== day || date.getHours() !== hour) return undefined;
  return date.getTime();
}

export function encryptionOf(name: string): Encryption {
  if (/\.gpg$/i.test(name)) return 'gpg';
  if (/\.enc$/i.test(name)) return 'openssl';
  return 'none';
}

/** Whether a file in a backup directory is taken for a snapshot (`*.db`, `*.snapshot`, `*.snap`, and those encrypted). */
export function isSnapshotName(name: string): boolean {
  return SNAPSHOT_NAME.test(name) && !name.endsWith('.part');
}

/** Snapshot files directly in `dir` (not recursive), oldest first. */
export async function listBackups(dir: string): Promise<BackupEntry[]> {
  const entries: BackupEntry[] = [];
  for (const dirent of await readdir(dir, { withFileTypes: true })) {
    if (!dirent.isFile() || !isSnapshotName(dirent.name)) continue;
    const path = join(dir, dirent.name);
    const info = await stat(path);
    const named = timeFromName(dirent.name);
    entries.push({
      name: dirent.name,
      path,
      sizeBytes: info.size,
      mtimeMs: info.mtimeMs,
      takenAtMs: named ?? info.mtimeMs,
      timeSource: named === undefined ? 'mtime' : 'file name',
      encryption: encryptionOf(dirent.name),
    });
  }
  return entries.sort((a, b) => a.takenAtMs - b.takenAtMs || a.name.localeCompare(b.name));
}
