// The resource kinds a dead run's journal lists, each reaped only where it is provably the run's own: processes when
// pid *and* start time match (a reused pid is never hit), network objects named with the harness prefix, mounts and
// temp dirs carrying the harness prefix.
import { rm } from 'node:fs/promises';
import { describeError } from '../errors.js';
import { TEMP_DIR_PREFIX } from '../paths.js';
import { findOnPath, runCommand } from '../util/exec.js';
import type { JournalEntry } from './journal.js';
import { isSameProcess, waitForExit } from './proc.js';
import type { KindReap, ReapContext, ResourceKind } from './resource-kind.js';

type Entry<K extends JournalEntry['kind']> = Extract<JournalEntry, { kind: K }>;

/** Every entry of `kinds` in the dead runs' journals, with the run it belongs to. */
function entriesOf<K extends JournalEntry['kind']>(
  context: ReapContext,
  ...kinds: K[]
): { runId: string; entry: Entry<K> }[] {
  return context.deadRuns.flatMap((run) =>
    run.entries
      .filter((entry): entry is Entry<K> => (kinds as string[]).includes(entry.kind))
      .map((entry) => ({ runId: run.runId, entry })),
  );
}

class Tally {
  readonly removed: { runId: string; type: string }[] = [];
  readonly errors: { runId: string | undefined; message: string }[] = [];
  done(): KindReap {
    return { checked: true, removed: this.removed, errors: this.errors };
  }
}

export const processesKind: ResourceKind = {
  name: 'processes',
  source: 'journal',
  async reap(context) {
    const tally = new Tally();
    const processes = entriesOf(context, 'process');
    for (const { runId, entry } of processes) {
      if (!isSameProcess(entry.pid, entry.startTime)) continue; // gone, or the pid now belongs to someone else
      try {
        process.kill(entry.pid, 'SIGKILL');
        tally.removed.push({ runId, type: 'process' });
      } catch (error) {
        tally.errors.push({
          runId,
          message: `could not kill ${entry.role} ${entry.label} (pid ${entry.pid}): ${describeError(error)}`,
        });
      }
    }
    for (const { runId, entry } of processes) {
      if (!(await waitForExit(entry.pid, entry.startTime, 5_000)))
        tally.errors.push({
          runId,
          message: `${entry.role} ${entry.label} (pid ${entry.pid}) survived SIGKILL`,
        });
    }
    return tally.done();
  },
};

export const networkObjectsKind: ResourceKind = {
  name: 'network namespaces and links',
  source: 'journal',
  reap: (context) =>
    removeWithTool(
      entriesOf(context, 'netns', 'link').filter(({ entry }) => entry.name.startsWith('ec')),
      {
        tool: 'ip',
        args: (entry) => [entry.kind === 'netns' ? 'netns' : 'link', 'delete', entry.name],
        alreadyGone: /No such|Cannot find|does not exist/i,
        type: (entry) => entry.kind,
      },
    ),
};

export const mountsKind: ResourceKind = {
  name: 'mounts',
  source: 'journal',
  reap: (context) =>
    removeWithTool(
      entriesOf(context, 'mount').filter(({ entry }) => entry.path.includes(`/${TEMP_DIR_PREFIX}`)),
      {
        tool: 'umount',
        args: (entry) => ['-l', entry.path],
        alreadyGone: /not mounted|no mount point|not found/i,
        type: () => 'mount',
      },
    ),
};

/** Removes each object with a system tool (`ip`, `umount`); an object the tool says is gone already is fine. */
async function removeWithTool<E extends JournalEntry>(
  objects: readonly { runId: string; entry: E }[],
  how: {
    readonly tool: string;
    readonly args: (entry: E) => string[];
    readonly alreadyGone: RegExp;
    readonly type: (entry: E) => string;
  },
): Promise<KindReap> {
  const tally = new Tally();
  if (objects.length === 0) return tally.done();
  const tool = await findOnPath(how.tool);
  for (const { runId, entry } of objects) {
    const args = how.args(entry);
    if (!tool) {
      tally.errors.push({
        runId,
        message: `cannot run \`${how.tool} ${args.join(' ')}\`: ${how.tool} not found`,
      });
      continue;
    }
    const result = await runCommand(tool, args, { allowFailure: true });
    if (result.exitCode === 0) tally.removed.push({ runId, type: how.type(entry) });
    else if (!how.alreadyGone.test(result.stderr))
      tally.errors.push({ runId, message: `${how.tool} ${args.join(' ')}: ${result.stderr.trim()}` });
  }
  return tally.done();
}

export const dirsKind: ResourceKind = {
  name: 'temp dirs',
  source: 'journal',
  async reap(context) {
    const tally = new Tally();
    for (const { runId, entry } of entriesOf(context, 'dir')) {
      if (!entry.path.includes(`/${TEMP_DIR_PREFIX}`)) {
        tally.errors.push({ runId, message: `refused to delete ${entry.path}: not a harness temp dir` });
        continue;
      }
      try {
        await rm(entry.path, { recursive: true, force: true });
        tally.removed.push({ runId, type: 'dir' });
      } catch (error) {
        tally.errors.push({ runId, message: `could not remove ${entry.path}: ${describeError(error)}` });
      }
    }
    return tally.done();
  },
};
