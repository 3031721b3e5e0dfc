// The report dir on disk: checked before a run starts (so a bad path fails in seconds, not after the suite), and
// result.json written atomically (a temporary file renamed over it), so a crash or SIGKILL at any moment leaves the
// previous complete version of the file, never a torn one.
import { randomBytes } from 'node:crypto';
import { constants, renameSync, rmSync, writeFileSync } from 'node:fs';
import { access, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { describeError, InputError } from '../errors.js';
import type { RunResult } from './format.js';

export const RESULT_FILE = 'result.json';

/** What etcd-chaos writes into a report dir, and nothing else: the only names it ever replaces or removes. */
export const REPORT_FILES = ['result.json', 'report.html', 'report.md', 'junit.xml'] as const;
export const EVIDENCE_DIR = 'evidence';
const BUNDLE = /^etcd-chaos-.+\.tar\.gz$/;

/**
 * Makes `dir` ready to receive a run's reports, or throws an InputError saying what is wrong with it: a path that
 * is a file, cannot be created, or is not writable. A previous run's reports there are replaced (its evidence
 * removed, so the new bundle holds only this run's); a dir holding an `evidence/` that etcd-chaos did not write is
 * refused rather than touched. Returns the absolute path.
 */
export async function prepareReportDir(dir: string, option = '--report-dir'): Promise<string> {
  const absolute = resolve(dir);
  const existing = await stat(absolute).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new InputError(`Cannot use \`${option} ${dir}\`: ${describeError(error)}.`, { cause: error });
  });
  if (existing && !existing.isDirectory()) {
    throw new InputError(`\`${option} ${dir}\` is ${existing.isFile() ? 'a file' : 'not a directory'}.`, {
      hint: `Give a directory (it is created if missing), e.g. \`${option} ${join(dirname(dir), 'etcd-chaos-report')}\`.`,
    });
  }
  try {
    await mkdir(absolute, { recursive: true });
    await access(absolute, constants.W_OK);
    const probe = join(absolute, `.etcd-chaos-probe-${randomBytes(4).toString('hex')}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (error) {
    throw new InputError(`Cannot write reports to \`${option} ${dir}\`: ${describeError(error)}.`, {
      hint: 'Choose a directory you can write to.',
      cause: error,
    });
  }
  const entries = await readdir(absolute);
  if (entries.includes(EVIDENCE_DIR)) {
    if (!(await isEtcdChaosResult(join(absolute, RESULT_FILE)))) {
      throw new InputError(
        `\`${option} ${dir}\` holds an \`${EVIDENCE_DIR}/\` directory that etcd-chaos did not write (no etcd-chaos result.json beside it).`,
        { hint: 'Choose an empty or new directory; etcd-chaos does not delete files it did not write.' },
      );
    }
    await rm(join(absolute, EVIDENCE_DIR), { recursive: true, force: true });
  }
  for (const entry of entries)
    if (BUNDLE.test(entry) || (REPORT_FILES as readonly string[]).includes(entry))
      await rm(join(absolute, entry), { force: true });
  return absolute;
}

async function isEtcdChaosResult(path: string): Promise<boolean> {
  try {
    const document = JSON.parse(await readFile(path, 'utf8')) as { tool?: { name?: unknown } };
    return document?.tool?.name === 'etcd-chaos';
  } catch {
    return false; // missing or not JSON: not ours
  }
}

/** Writes DIR/result.json atomically (synchronously: it must also work from an exit handler). Returns its path. */
export function writeRunResult(reportDir: string, result: RunResult): string {
  const path = join(reportDir, RESULT_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  // NaN and Infinity have no JSON form: written as null rather than losing the document.
  const text = `${JSON.stringify(result, (_key, value) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
  return path;
}
