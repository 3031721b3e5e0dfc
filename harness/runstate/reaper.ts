// Reaps what killed runs left behind: one mechanism, pluggable resource kinds. A run is dead when its owner process
// (pid *and* start time) is gone; each kind removes what dead runs left of it and never touches a live run's. Journal
// kinds (processes, network namespaces and links, mounts, temp dirs) act on what a dead run's journal lists; the
// docker kind finds labelled objects on the engine, whose labels name their owner.
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { dockerObjectsKind } from '../cluster/docker/leftovers.js';
import { logger } from '../log.js';
import { stateDir } from '../paths.js';
import { withFileLock } from './file-lock.js';
import { JOURNAL_SUFFIX, journalsDir, parseJournal } from './journal.js';
import { dirsKind, mountsKind, networkObjectsKind, processesKind } from './kinds.js';
import { isSameProcess } from './proc.js';
import type { DeadRun, KindReap, ReapContext, ResourceKind } from './resource-kind.js';

const log = logger('reaper');

export interface ReapedRun {
  readonly runId: string;
  readonly ownerPid: number | undefined;
  readonly processes: number;
  readonly dirs: number;
  readonly networkObjects: number;
  /** Other journaled objects (mounts, or kinds a caller added). */
  readonly other: number;
  readonly errors: readonly string[];
}

/** Labelled docker objects of dead runs. */
export interface DockerReapReport {
  /** Whether an engine answered (nothing was checked otherwise). */
  readonly engine: boolean;
  readonly runs: readonly string[];
  readonly containers: number;
  readonly networks: number;
  readonly volumes: number;
  readonly errors: readonly string[];
}

export interface ReapReport {
  /** Dead runs found through their journals, with what was removed for each. */
  readonly reaped: readonly ReapedRun[];
  /** Runs whose owner is still alive (left alone). */
  readonly live: readonly string[];
  /** Containers, networks and volumes of dead runs, found by label on the Docker engine (when one answers). */
  readonly docker: DockerReapReport;
}

export interface ReapOptions {
  root?: string;
  /** The kinds to reap, in order (default: processes, docker objects, network objects, mounts, temp dirs). */
  kinds?: readonly ResourceKind[];
  /** Never reap this run (the caller's own). */
  exceptRunId?: string;
  /** With the default kinds: also reap labelled docker objects (default true; skipped at once without an engine). */
  docker?: boolean;
}

/** The built-in kinds, in reaping order: what holds a resource goes before the resource (processes before dirs). */
export function defaultKinds(options: { docker?: boolean } = {}): ResourceKind[] {
  return [
    processesKind,
    ...(options.docker === false ? [] : [dockerObjectsKind]),
    networkObjectsKind,
    mountsKind,
    dirsKind,
  ];
}

export async function reapOrphans(options: ReapOptions = {}): Promise<ReapReport> {
  const dir = journalsDir(options.root ?? stateDir());
  // One reaper per state dir at a time: two (a `cleanup` and a starting run) would race to remove the same objects.
  return withFileLock(join(dir, '.reap'), { staleMs: 30_000, waitMs: 120_000 }, () =>
    reapLocked(dir, options),
  );
}

async function reapLocked(dir: string, options: ReapOptions): Promise<ReapReport> {
  const { dead, live } = await readJournals(dir, options.exceptRunId);
  const context: ReapContext = { deadRuns: dead, exceptRunId: options.exceptRunId };
  const results: { kind: ResourceKind; reap: KindReap }[] = [];
  for (const kind of options.kinds ?? defaultKinds({ docker: options.docker })) {
    results.push({ kind, reap: await kind.reap(context) });
  }
  const fromJournals = results.filter((result) => result.kind.source === 'journal').map(({ reap }) => reap);
  const reaped: ReapedRun[] = [];
  for (const run of dead) {
    const removed = fromJournals.flatMap((reap) => reap.removed.filter((entry) => entry.runId === run.runId));
    const count = (...types: string[]) => removed.filter((entry) => types.includes(entry.type)).length;
    const errors = fromJournals.flatMap((reap) =>
      reap.errors.filter((error) => error.runId === run.runId).map((error) => error.message),
    );
    const result: ReapedRun = {
      runId: run.runId,
      ownerPid: run.ownerPid,
      processes: count('process'),
      dirs: count('dir'),
      networkObjects: count('netns', 'link'),
      other: removed.length - count('process', 'dir', 'netns', 'link'),
      errors,
    };
    reaped.push(result);
    log('reaped run %o', result);
    // A run with errors keeps its journal: the next cleanup tries again.
    if (errors.length === 0) await rm(join(dir, `${run.runId}${JOURNAL_SUFFIX}`), { force: true });
  }
  return {
    reaped,
    live,
    docker: dockerSummary(results.find((result) => result.kind === dockerObjectsKind)?.reap),
  };
}

async function readJournals(
  dir: string,
  exceptRunId: string | undefined,
): Promise<{ dead: DeadRun[]; live: string[] }> {
  // No journal dir yet: nothing ever ran here.
  const names = await readdir(dir).catch(() => [] as string[]);
  const dead: DeadRun[] = [];
  const live: string[] = [];
  for (const name of names) {
    if (!name.endsWith(JOURNAL_SUFFIX)) continue;
    const runId = name.slice(0, -JOURNAL_SUFFIX.length);
    if (runId === exceptRunId) continue;
    // A journal removed meanwhile (its run closed, or another cleanup reaped it) has nothing left to reap.
    const entries = parseJournal(await readFile(join(dir, name), 'utf8').catch(() => ''));
    const owner = entries.find((entry) => entry.kind === 'owner');
    if (owner?.kind === 'owner' && isSameProcess(owner.pid, owner.startTime)) {
      live.push(runId);
      continue;
    }
    dead.push({ runId, ownerPid: owner?.kind === 'owner' ? owner.pid : undefined, entries });
  }
  return { dead, live };
}

function dockerSummary(reap: KindReap | undefined): DockerReapReport {
  const count = (type: string) => reap?.removed.filter((entry) => entry.type === type).length ?? 0;
  return {
    engine: reap?.checked ?? false,
    runs: [...new Set(reap?.removed.map((entry) => entry.runId) ?? [])],
    containers: count('container'),
    networks: count('network'),
    volumes: count('volume'),
    errors: reap?.errors.map((error) => error.message) ?? [],
  };
}
