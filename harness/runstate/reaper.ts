// Reaps what killed runs left behind: for every journal whose owner process is gone, kill its recorded processes
// (only when pid *and* start time match), delete its network namespaces and links, remove its temp dirs.
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type DockerReapReport, NO_ENGINE, reapDockerLeftovers } from '../docker/reaper.js';
import { describeError } from '../errors.js';
import { logger } from '../log.js';
import { stateDir, TEMP_DIR_PREFIX } from '../paths.js';
import { findOnPath, runCommand } from '../util/exec.js';
import { JOURNAL_SUFFIX, type JournalEntry, journalsDir, parseJournal } from './journal.js';
import { isSameProcess, waitForExit } from './proc.js';

const log = logger('reaper');

/** Reaps one kind of journal entry; the docker backend supplies one for containers, networks and volumes. */
export interface ResourceReaper {
  readonly kinds: readonly JournalEntry['kind'][];
  reap(entries: readonly JournalEntry[]): Promise<ReapCount>;
}

export interface ReapCount {
  readonly reaped: number;
  readonly errors: readonly string[];
}

export interface ReapedRun {
  readonly runId: string;
  readonly ownerPid: number | undefined;
  readonly processes: number;
  readonly dirs: number;
  readonly networkObjects: number;
  readonly other: number;
  readonly errors: readonly string[];
}

export interface ReapReport {
  readonly reaped: readonly ReapedRun[];
  /** Runs whose owner is still alive (left alone). */
  readonly live: readonly string[];
  /** Containers, networks and volumes of dead runs, found by label on the Docker engine (when one answers). */
  readonly docker: DockerReapReport;
}

export interface ReapOptions {
  root?: string;
  /** Reapers for kinds beyond processes, dirs and network namespaces (e.g. docker). */
  extraReapers?: readonly ResourceReaper[];
  /** Never reap this run (the caller's own). */
  exceptRunId?: string;
  /** Also reap labelled docker objects of dead runs (default true; skipped at once when no engine is there). */
  docker?: boolean;
}

export async function reapOrphans(options: ReapOptions = {}): Promise<ReapReport> {
  const dir = journalsDir(options.root ?? stateDir());
  const names = await readdir(dir).catch(() => [] as string[]);
  const reaped: ReapedRun[] = [];
  const live: string[] = [];
  for (const name of names) {
    if (!name.endsWith(JOURNAL_SUFFIX)) continue;
    const runId = name.slice(0, -JOURNAL_SUFFIX.length);
    if (runId === options.exceptRunId) continue;
    const path = join(dir, name);
    const entries = parseJournal(await readFile(path, 'utf8').catch(() => ''));
    const owner = entries.find((entry) => entry.kind === 'owner');
    if (owner?.kind === 'owner' && isSameProcess(owner.pid, owner.startTime)) {
      live.push(runId);
      continue;
    }
    const result = await reapRun(
      runId,
      owner?.kind === 'owner' ? owner.pid : undefined,
      entries,
      options.extraReapers ?? [],
    );
    reaped.push(result);
    log('reaped run %o', result);
    if (result.errors.length === 0) await rm(path, { force: true });
  }
  const docker =
    options.docker === false ? NO_ENGINE : await reapDockerLeftovers({ exceptRunId: options.exceptRunId });
  return { reaped, live, docker };
}

async function reapRun(
  runId: string,
  ownerPid: number | undefined,
  entries: readonly JournalEntry[],
  extraReapers: readonly ResourceReaper[],
): Promise<ReapedRun> {
  const errors: string[] = [];
  const processes = await reapProcesses(
    entries.filter((entry) => entry.kind === 'process'),
    errors,
  );
  let other = 0;
  for (const reaper of extraReapers) {
    const mine = entries.filter((entry) => reaper.kinds.includes(entry.kind));
    if (mine.length === 0) continue;
    const count = await reaper.reap(mine);
    other += count.reaped;
    errors.push(...count.errors);
  }
  const networkObjects = await reapNetworkObjects(entries, errors);
  await reapMounts(entries, errors);
  let dirs = 0;
  for (const entry of entries) {
    if (entry.kind !== 'dir') continue;
    if (!entry.path.includes(`/${TEMP_DIR_PREFIX}`)) {
      errors.push(`refused to delete ${entry.path}: not a harness temp dir`);
      continue;
    }
    try {
      await rm(entry.path, { recursive: true, force: true });
      dirs++;
    } catch (error) {
      errors.push(`could not remove ${entry.path}: ${describeError(error)}`);
    }
  }
  return { runId, ownerPid, processes, dirs, networkObjects, other, errors };
}

async function reapProcesses(entries: readonly JournalEntry[], errors: string[]): Promise<number> {
  let killed = 0;
  for (const entry of entries) {
    if (entry.kind !== 'process') continue;
    if (!isSameProcess(entry.pid, entry.startTime)) continue; // gone, or the pid now belongs to someone else
    try {
      process.kill(entry.pid, 'SIGKILL');
      killed++;
    } catch (error) {
      errors.push(`could not kill ${entry.role} ${entry.label} (pid ${entry.pid}): ${describeError(error)}`);
    }
  }
  for (const entry of entries) {
    if (entry.kind === 'process' && !(await waitForExit(entry.pid, entry.startTime, 5_000))) {
      errors.push(`${entry.role} ${entry.label} (pid ${entry.pid}) survived SIGKILL`);
    }
  }
  return killed;
}

async function reapMounts(entries: readonly JournalEntry[], errors: string[]): Promise<void> {
  const mounts = entries.filter((entry) => entry.kind === 'mount');
  if (mounts.length === 0) return;
  const umount = await findOnPath('umount');
  for (const entry of mounts) {
    if (entry.kind !== 'mount' || !entry.path.includes(`/${TEMP_DIR_PREFIX}`)) continue;
    if (!umount) {
      errors.push(`cannot unmount ${entry.path}: umount not found`);
      continue;
    }
    const result = await runCommand(umount, ['-l', entry.path], { allowFailure: true });
    if (result.exitCode !== 0 && !/not mounted|no mount point|not found/i.test(result.stderr)) {
      errors.push(`umount ${entry.path}: ${result.stderr.trim()}`);
    }
  }
}

async function reapNetworkObjects(entries: readonly JournalEntry[], errors: string[]): Promise<number> {
  const netns = entries.filter((entry) => entry.kind === 'netns');
  const links = entries.filter((entry) => entry.kind === 'link');
  if (netns.length === 0 && links.length === 0) return 0;
  const ip = await findOnPath('ip');
  if (!ip) {
    errors.push('network namespaces were recorded but `ip` is not available to delete them');
    return 0;
  }
  let count = 0;
  for (const entry of [...netns, ...links]) {
    const name = entry.kind === 'netns' || entry.kind === 'link' ? entry.name : '';
    if (!name.startsWith('ec')) continue;
    const args = entry.kind === 'netns' ? ['netns', 'delete', name] : ['link', 'delete', name];
    const result = await runCommand(ip, args, { allowFailure: true });
    if (result.exitCode === 0) count++;
    else if (!/No such|Cannot find|does not exist/i.test(result.stderr))
      errors.push(`ip ${args.join(' ')}: ${result.stderr.trim()}`);
  }
  return count;
}
