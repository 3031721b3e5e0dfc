// The reaper against real processes: orphans of a dead run are killed, a reused pid is never hit, live runs are left.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type JournalEntry, journalsDir, RunJournal } from '../../harness/runstate/journal.js';
import { processStartTime } from '../../harness/runstate/proc.js';
import { reapOrphans } from '../../harness/runstate/reaper.js';
import type { ReapContext, ResourceKind } from '../../harness/runstate/resource-kind.js';
import { isAlive, waitUntil } from '../helpers/proc.js';

const root = mkdtempSync(join(tmpdir(), 'etcd-chaos-reaper-test-'));
const sleepers: number[] = [];

function startSleeper(): { pid: number; startTime: string } {
  const child = spawn('sleep', ['120'], { detached: true, stdio: 'ignore' });
  child.unref();
  const pid = child.pid!;
  sleepers.push(pid);
  return { pid, startTime: processStartTime(pid)! };
}

function writeJournal(runId: string, entries: JournalEntry[]): string {
  mkdirSync(journalsDir(root), { recursive: true });
  const path = join(journalsDir(root), `${runId}.jsonl`);
  writeFileSync(path, `${entries.map((entry) => JSON.stringify(entry)).join('\n')}\n{"kind":"proc`); // torn last line
  return path;
}

const deadOwner: JournalEntry = { kind: 'owner', pid: 999_999_999, startTime: '1', argv: [], createdAt: '' };

afterAll(() => {
  for (const pid of sleepers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already reaped
    }
  }
  rmSync(root, { recursive: true, force: true });
});

describe('reaper', () => {
  it('kills the processes of a dead run, removes its temp dirs and forgets it', async () => {
    const sleeper = startSleeper();
    const dir = mkdtempSync(join(tmpdir(), 'etcd-chaos-reaper-victim-'));
    const journal = writeJournal('dead-run', [
      deadOwner,
      { kind: 'process', pid: sleeper.pid, startTime: sleeper.startTime, role: 'etcd', label: 'm1' },
      { kind: 'dir', path: dir },
    ]);
    const report = await reapOrphans({ root, docker: false });
    const run = report.reaped.find((entry) => entry.runId === 'dead-run');
    expect(run).toMatchObject({ processes: 1, dirs: 1, errors: [] });
    expect(await waitUntil(() => !isAlive(sleeper.pid), 5_000)).toBe(true);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(journal)).toBe(false);
  });

  it('never kills a pid whose start time differs (the pid was reused)', async () => {
    const sleeper = startSleeper();
    writeJournal('reused-pid', [
      deadOwner,
      {
        kind: 'process',
        pid: sleeper.pid,
        startTime: String(Number(sleeper.startTime) - 1),
        role: 'etcd',
        label: 'm1',
      },
    ]);
    const report = await reapOrphans({ root, docker: false });
    expect(report.reaped.find((entry) => entry.runId === 'reused-pid')?.processes).toBe(0);
    expect(isAlive(sleeper.pid)).toBe(true);
  });

  it('leaves a live run alone', async () => {
    const sleeper = startSleeper();
    const journal = RunJournal.open('live-run', root);
    journal.recordProcess(sleeper.pid, 'etcd', 'm1');
    const report = await reapOrphans({ root, docker: false });
    expect(report.live).toContain('live-run');
    expect(isAlive(sleeper.pid)).toBe(true);
    journal.close();
    expect(readdirSync(journalsDir(root))).not.toContain('live-run.jsonl');
  });

  it('refuses to delete a recorded dir that is not a harness temp dir, and keeps the journal', async () => {
    const precious = mkdtempSync(join(tmpdir(), 'precious-user-data-'));
    const journal = writeJournal('suspicious', [deadOwner, { kind: 'dir', path: precious }]);
    const report = await reapOrphans({ root, docker: false });
    expect(report.reaped.find((entry) => entry.runId === 'suspicious')?.errors[0]).toMatch(
      /refused to delete/,
    );
    expect(existsSync(precious)).toBe(true);
    expect(existsSync(journal)).toBe(true);
    rmSync(precious, { recursive: true, force: true });
    rmSync(journal);
  });

  it("hands a pluggable kind only dead runs, never the caller's own, and keeps a journal its kind could not clear", async () => {
    const seen: string[] = [];
    const kind: ResourceKind = {
      name: 'test objects',
      source: 'journal',
      async reap(context: ReapContext) {
        seen.push(...context.deadRuns.map((run) => run.runId));
        return {
          checked: true,
          removed: context.deadRuns.map((run) => ({ runId: run.runId, type: 'test-object' })),
          errors: context.deadRuns
            .filter((run) => run.runId === 'stuck')
            .map((run) => ({ runId: run.runId, message: 'still busy' })),
        };
      },
    };
    const live = RunJournal.open('live-owner', root);
    writeJournal('gone', [deadOwner]);
    const stuck = writeJournal('stuck', [deadOwner]);
    writeJournal('mine', [deadOwner]);
    const report = await reapOrphans({ root, kinds: [kind], exceptRunId: 'mine' });
    expect(seen.sort()).toEqual(['gone', 'stuck']);
    expect(report.reaped.find((run) => run.runId === 'gone')).toMatchObject({ other: 1, errors: [] });
    expect(report.reaped.find((run) => run.runId === 'stuck')?.errors).toEqual(['still busy']);
    expect(existsSync(stuck)).toBe(true);
    expect(report.live).toContain('live-owner');
    live.close();
    rmSync(stuck);
    rmSync(join(journalsDir(root), 'mine.jsonl'));
  });
});
