// The package as a user gets it: `npm pack`, installed into an empty project, runs its CLI and exports the library
// API with types, so a TypeScript scenario importing `etcd-chaos` type-checks and runs under its own claim id.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function sh(command: string, args: readonly string[], cwd: string, timeoutMs = 180_000) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: timeoutMs });
  return { code: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

describe('the packed package, installed into an empty project', () => {
  let work: string;
  let app: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'etcd-chaos-package-test-'));
    app = join(work, 'app');
    mkdirSync(join(app, 'scenarios'), { recursive: true });
    // dist/ is current (the test setup built it); pack it as is.
    const pack = sh('npm', ['pack', '--ignore-scripts', '--pack-destination', work], ROOT);
    expect(pack.code, pack.stderr).toBe(0);
    const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack wrote no tarball: ${pack.stdout}${pack.stderr}`);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    // Dependencies come from npm's cache when they are in it (they are, after `npm ci` of this repo).
    const install = sh(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        join(work, tarball),
        'typescript@5.9',
        '@types/node@20',
      ],
      app,
    );
    expect(install.code, install.stderr).toBe(0);
  }, 240_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('runs `npx etcd-chaos --version` and `list`', () => {
    const printed = sh('npx', ['etcd-chaos', '--version'], app);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout.trim()).toBe(version);
    const list = sh('npx', ['etcd-chaos', 'list', '--json'], app);
    expect(list.code, list.stderr).toBe(0);
    const listed = JSON.parse(list.stdout) as { scenarios: { id: string }[]; claims: { id: string }[] };
    expect(listed.scenarios.map((scenario) => scenario.id)).toContain('backup-restore');
    expect(listed.claims.map((claim) => claim.id)).toContain('tls.mismatch');
  });

  it("exports the library API: `import('etcd-chaos')` yields defineScenario", () => {
    const imported = sh(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('etcd-chaos'); console.log(typeof m.defineScenario);",
      ],
      app,
    );
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout.trim()).toBe('function');
  });

  it('type-checks a TypeScript scenario importing etcd-chaos, and runs it under its own claim', () => {
    copyFileSync(
      join(ROOT, 'test', 'fixtures', 'user-package', 'put-get.ts'),
      join(app, 'scenarios', 'put-get.ts'),
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
        },
        include: ['scenarios/*.ts'],
      }),
    );
    const typecheck = sh('npx', ['tsc', '-p', 'tsconfig.json'], app);
    expect(typecheck.code, typecheck.stdout + typecheck.stderr).toBe(0);
    const run = sh(
      'npx',
      ['etcd-chaos', 'run', 'put-get', '--scenario-dir', 'scenarios', '--report-dir', 'out', '--json'],
      app,
    );
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(app, 'out', 'result.json'), 'utf8')) as {
      claims: { id: string; verdict: string; source: string }[];
    };
    expect(result.claims).toEqual([
      expect.objectContaining({
        id: 'myteam.read-your-writes',
        verdict: 'pass',
        source: 'team runbook, "Smoke test after maintenance"',
      }),
    ]);
  });
});
