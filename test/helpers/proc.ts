// Test helpers for "nothing left behind" assertions.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { processStartTime } from '../../harness/runstate/proc.js';

export function isAlive(pid: number | undefined): boolean {
  return pid !== undefined && processStartTime(pid) !== undefined;
}

export function netnsList(): string[] {
  try {
    return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.split(' ')[0] ?? '')
      .filter(Boolean);
  } catch {
    return [];
  }
}

export function linkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

export async function waitUntil(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  stepMs = 50,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return true;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  return predicate();
}

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
