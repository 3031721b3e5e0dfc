#!/usr/bin/env node
// Compiles the TypeScript (harness/, scenarios/) to dist/ and stamps the build, so `scripts/bootstrap.mjs` knows it
// is current. Run by `npm run build` and by npm's `prepare` (so `npm install` from a clone yields a working CLI).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
if (!existsSync(tsc)) {
  // An install without dev dependencies (e.g. the packed package, which ships dist/ already): nothing to compile.
  process.exit(0);
}
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
  cwd: root,
  stdio: 'inherit',
});
if (result.status !== 0) {
  process.stderr.write(`[build] tsc failed (exit ${result.status ?? result.signal})\n`);
  process.exit(2);
}
const stamp = join(root, 'dist', '.build-stamp');
mkdirSync(dirname(stamp), { recursive: true });
writeFileSync(stamp, `${new Date().toISOString()}\n`);
