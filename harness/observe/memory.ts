// A process's resident memory from /proc/<pid>/status: anonymous (heap, stacks) and file-backed (mmap'd files: for
// etcd the bbolt db) apart, since the page cache can take back the second but not the first.
import { readFile } from 'node:fs/promises';
import { HarnessError } from '../errors.js';

export interface ResidentMemory {
  readonly rssBytes: number;
  readonly anonBytes: number;
  readonly fileBytes: number;
  readonly shmemBytes: number;
}

/** Reads VmRSS, RssAnon, RssFile and RssShmem of `pid` (Linux). */
export async function residentMemory(pid: number): Promise<ResidentMemory> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/status`, 'utf8');
  } catch (error) {
    throw new HarnessError(`cannot read the memory of process ${pid}: it is gone or not on this host`, {
      cause: error,
      context: { pid },
    });
  }
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text);
    return match?.[1] === undefined ? Number.NaN : Number(match[1]) * 1024;
  };
  return {
    rssBytes: field('VmRSS'),
    anonBytes: field('RssAnon'),
    fileBytes: field('RssFile'),
    shmemBytes: field('RssShmem'),
  };
}
