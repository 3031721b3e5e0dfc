// The contract of a reapable resource kind: what the reaper hands a kind (the dead runs) and what a kind reports.
// The reaper (reaper.ts) and every kind (kinds.ts, the docker backend's leftovers.ts) import this file.
import type { JournalEntry } from './journal.js';

/** A run whose journal's owner is gone, with what the journal recorded. */
export interface DeadRun {
  readonly runId: string;
  readonly ownerPid: number | undefined;
  readonly entries: readonly JournalEntry[];
}

export interface ReapContext {
  readonly deadRuns: readonly DeadRun[];
  /** The caller's own run: never reaped, whatever its objects say. */
  readonly exceptRunId: string | undefined;
}

/** What one kind removed (one entry per object, by run and object type) and what it could not. */
export interface KindReap {
  /** False when the kind could not look at all (no Docker engine): nothing was checked. */
  readonly checked: boolean;
  readonly removed: readonly { readonly runId: string; readonly type: string }[];
  readonly errors: readonly { readonly runId: string | undefined; readonly message: string }[];
}

/** A kind of resource a run can leave behind. `journal` kinds act on dead runs' journals, `labels` kinds find theirs. */
export interface ResourceKind {
  readonly name: string;
  readonly source: 'journal' | 'labels';
  reap(context: ReapContext): Promise<KindReap>;
}
