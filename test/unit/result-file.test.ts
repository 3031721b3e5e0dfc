// The report dir is checked before anything starts, and result.json is replaced atomically: a bad path fails in
// seconds with a message, a dir with someone else's evidence/ is refused, and a previous run's reports are replaced.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError } from '../../harness/errors.js';
import { resultSchemaFile } from '../../harness/report/schema.js';
import { prepareReportDir, writeRunResult } from '../../harness/result/result-file.js';
import { fixtureResult } from '../fixtures/run-result.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'etcd-chaos-result-file-test-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('prepareReportDir', () => {
  it('refuses a path that is a regular file, saying so', async () => {
    const file = join(tempDir(), 'not-a-dir');
    writeFileSync(file, 'x');
    await expect(prepareReportDir(file)).rejects.toThrow(InputError);
    await expect(prepareReportDir(file)).rejects.toThrow(/is a file/);
  });

  it('refuses a path under a regular file', async () => {
    const file = join(tempDir(), 'file');
    writeFileSync(file, 'x');
    await expect(prepareReportDir(join(file, 'reports'))).rejects.toThrow(/Cannot/);
  });

  it('refuses a directory it cannot create or write to (sysfs refuses even root)', async () => {
    await expect(prepareReportDir('/sys/etcd-chaos-reports')).rejects.toThrow(/Cannot write reports/);
  });

  it('creates a missing dir, and never touches an evidence/ it did not write', async () => {
    const created = join(tempDir(), 'a', 'b');
    expect(await prepareReportDir(created)).toBe(created);
    const foreign = tempDir();
    mkdirSync(join(foreign, 'evidence'));
    writeFileSync(join(foreign, 'evidence', 'mine.txt'), 'precious');
    await expect(prepareReportDir(foreign)).rejects.toThrow(/did not write/);
    expect(readFileSync(join(foreign, 'evidence', 'mine.txt'), 'utf8')).toBe('precious');
  });

  it("replaces a previous run's reports and evidence, and leaves the user's other files alone", async () => {
    const dir = tempDir();
    writeRunResult(dir, fixtureResult());
    mkdirSync(join(dir, 'evidence', 'old'), { recursive: true });
    writeFileSync(join(dir, 'report.html'), 'old');
    writeFileSync(join(dir, 'etcd-chaos-old.tar.gz'), 'old');
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    await prepareReportDir(dir);
    expect(readdirSync(dir).sort()).toEqual(['notes.txt']);
  });
});

describe('writeRunResult', () => {
  it('writes the file through a rename (no temporary file left) and maps NaN to null', () => {
    const dir = tempDir();
    const result = fixtureResult();
    const withNaN = {
      ...result,
      findings: [
        { ...result.findings[0]!, measurements: [{ name: 'x', value: Number.NaN, unit: 'ms' as const }] },
      ],
    };
    writeRunResult(dir, withNaN);
    expect(readdirSync(dir)).toEqual(['result.json']);
    const written = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    expect(written.findings[0].measurements[0].value).toBeNull();
  });
});

describe('the published schema', () => {
  it('is generated from the result format (run `npm run schema` after changing harness/result/format.ts)', () => {
    const { path, text } = resultSchemaFile();
    expect(readFileSync(join(import.meta.dirname, '..', '..', path), 'utf8')).toBe(text);
  });
});
