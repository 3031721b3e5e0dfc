// The run journal: an append-only JSON-lines file per run listing every process, dir and network object it created,
// so that `etcd-chaos cleanup` or the next run can reap what a killed harness left behind.
import { appendFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from '../paths.js';
import { processStartTime } from './proc.js';

export type JournalEntry =
  | {
      readonly kind: 'owner';
      readonly pid: number;
      readonly startTime: string;
      readonly argv: readonly string[];
      readonly createdAt: string;
    }
  | {
      readonly kind: 'process';
      readonly pid: number;
      readonly startTime: string;
      readonly role: string;
      readonly label: string;
    }
  | { readonly kind: 'dir'; readonly path: string }
  | { readonly kind: 'netns'; readonly name: string }
  | { readonly kind: 'link'; readonly name: string }
  | { readonly kind: 'container'; readonly id: string; readonly label: string }
  | { readonly kind: 'network'; readonly id: string; readonly label: string }
  | { readonly kind: 'volume'; readonly name: string }
  | { readonly kind: 'mount'; readonly path: string };

export const JOURNAL_SUFFIX = '.jsonl';

export function journalsDir(root: string = stateDir()): string {
  return join(root, 'runs');
}

export class RunJournal {
  readonly path: string;
  private closed = false;

  private constructor(
    readonly runId: string,
    root: string,
  ) {
    const dir = journalsDir(root);
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, `${runId}${JOURNAL_SUFFIX}`);
  }

  /** Creates the journal and records this process as its owner. */
  static open(runId: string, root: string = stateDir()): RunJournal {
    const journal = new RunJournal(runId, root);
    const owner: JournalEntry = {
      kind: 'owner',
      pid: process.pid,
      startTime: processStartTime(process.pid) ?? '0',
      argv: process.argv.slice(1),
      createdAt: new Date().toISOString(),
    };
    // Written aside and renamed into place: a reaper in another process must never read this journal without its
    // owner line (an ownerless journal is a dead run's, and its resources would be reaped while we use them).
    const staging = `${journal.path}.${process.pid}.tmp`;
    writeFileSync(staging, `${JSON.stringify(owner)}\n`);
    renameSync(staging, journal.path);
    return journal;
  }

  /** Appends synchronously: the entry must be on disk before the resource can outlive us. */
  record(entry: JournalEntry): void {
    if (this.closed) return;
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
  }

  recordProcess(pid: number, role: string, label: string): void {
    const startTime = processStartTime(pid);
    if (startTime) this.record({ kind: 'process', pid, startTime, role, label });
  }

  /** Everything was torn down normally: forget the run. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    rmSync(this.path, { force: true });
  }
}

/** Parses a journal's text, skipping a torn last line (the harness may have died mid-write). */
export function parseJournal(text: string): JournalEntry[] {
  const entries: JournalEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch {
      // torn write: ignore
    }
  }
  return entries;
}
