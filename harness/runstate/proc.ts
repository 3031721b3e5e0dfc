// Process identity on Linux: a pid plus its start time (field 22 of /proc/<pid>/stat), so a reused pid is never mistaken.
import { readFileSync } from 'node:fs';
import { pollUntil } from '../util/wait.js';

/** Start time of `pid` in clock ticks since boot, or undefined when no such process exists. */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // no such process (any more)
  }
  // `comm` (field 2) may contain spaces and parentheses: fields after it start after the last ')'.
  const afterComm = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // afterComm[0] is field 3 (state); field 22 is therefore index 19.
  const state = afterComm[0];
  if (state === 'Z' || state === 'X') return undefined;
  return afterComm[19];
}

/** True when `pid` is alive and is the same process that was recorded with `startTime`. */
export function isSameProcess(pid: number, startTime: string): boolean {
  return processStartTime(pid) === startTime;
}

/** True when the process recorded as a run's owner (pid + start time) still runs: what it owns is never touched. */
export function isOwnerAlive(pid: number, startTime: string): boolean {
  return Number.isInteger(pid) && pid > 0 && startTime !== '' && isSameProcess(pid, startTime);
}

export function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return undefined; // no such process (any more)
  }
}

/** Waits until `pid` (with `startTime`) is gone, polling /proc; returns false on timeout. */
export async function waitForExit(pid: number, startTime: string, timeoutMs: number): Promise<boolean> {
  const gone = await pollUntil(() => !isSameProcess(pid, startTime), {
    timeoutMs,
    intervalMs: 10,
    what: `pid ${pid} to exit`,
  });
  return gone === true;
}
