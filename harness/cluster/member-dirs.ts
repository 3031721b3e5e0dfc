// A member's files on this host, the same for every backend: `<cluster>/<member>/` with the data dir (optionally
// on a size-limited tmpfs, for disk-full faults) and the log.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunJournal } from '../runstate/journal.js';
import { type DataDirMount, mountSizeLimitedDir } from './data-dir-mount.js';

export interface MemberDirs {
  readonly memberDir: string;
  readonly dataDir: string;
  readonly logPath: string;
  readonly mount: DataDirMount | undefined;
}

export async function prepareMemberDirs(
  clusterDir: string,
  member: string,
  dataDirSizeLimitBytes: number | undefined,
  journal: RunJournal,
): Promise<MemberDirs> {
  const memberDir = join(clusterDir, member);
  await mkdir(memberDir, { recursive: true });
  const dataDir = join(memberDir, 'data');
  const mount =
    dataDirSizeLimitBytes === undefined
      ? undefined
      : await mountSizeLimitedDir(dataDir, dataDirSizeLimitBytes, journal);
  return { memberDir, dataDir, logPath: join(memberDir, 'etcd.log'), mount };
}
