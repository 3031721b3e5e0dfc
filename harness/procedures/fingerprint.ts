// A content fingerprint of a directory tree (path, size, sha256 per file): proves a procedure left a dir untouched.
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

export interface FileFingerprint {
  readonly path: string;
  readonly sizeBytes: number;
  readonly sha256: string;
}

export async function fingerprintDir(root: string): Promise<FileFingerprint[]> {
  const files: FileFingerprint[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) {
        const content = await readFile(path);
        files.push({
          path: relative(root, path),
          sizeBytes: (await stat(path)).size,
          sha256: createHash('sha256').update(content).digest('hex'),
        });
      }
    }
  };
  await walk(root);
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** Paths whose content differs (added, removed or changed). */
export function fingerprintChanges(
  before: readonly FileFingerprint[],
  after: readonly FileFingerprint[],
): string[] {
  const beforeMap = new Map(before.map((file) => [file.path, file.sha256]));
  const afterMap = new Map(after.map((file) => [file.path, file.sha256]));
  const changed: string[] = [];
  for (const [path, hash] of beforeMap) if (afterMap.get(path) !== hash) changed.push(path);
  for (const path of afterMap.keys()) if (!beforeMap.has(path)) changed.push(path);
  return changed.sort();
}
