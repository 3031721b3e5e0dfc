#!/usr/bin/env node
// First-run set-up for the README's two commands (`npm start`, `npm test`): installs npm packages when the lockfile
// changed and compiles the TypeScript when sources are newer than the build. Uses only Node built-ins, since it runs
// before node_modules exists. etcd/Toxiproxy binaries are provisioned by the harness itself (with progress).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (message) => process.stderr.write(`[bootstrap] ${message}\n`);

const [major, minor] = process.versions.node.split('.').map(Number);
const [, , patch] = process.versions.node.split('.').map(Number);
// The floor of the runtime dependencies' own `engines` (undici, under testcontainers: >= 20.18.1).
if (major < 20 || (major === 20 && (minor < 18 || (minor === 18 && patch < 1)))) {
  say(`Node ${process.versions.node} is too old: etcd-chaos needs Node 20.18.1 or newer.`);
  process.exit(2);
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    say(`\`${command} ${args.join(' ')}\` failed (exit ${result.status ?? result.signal}).`);
    process.exit(2);
  }
}

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function newestSource(dir) {
  let newest = 0;
  if (!existsSync(dir)) return 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, mtime(path));
  }
  return newest;
}

// 1. npm packages: `npm ci` when node_modules is missing or older than the lockfile.
const installedMarker = join(root, 'node_modules', '.package-lock.json');
if (mtime(installedMarker) < mtime(join(root, 'package-lock.json'))) {
  say('installing npm packages (npm ci) ...');
  // --ignore-scripts: no dependency needs an install script, and this package's own `prepare` (a build) is step 2.
  run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error']);
}

// 2. TypeScript build: when any source is newer than the last build (`--no-build`: the unit tests need none).
if (process.argv.includes('--no-build')) process.exit(0);
const stamp = join(root, 'dist', '.build-stamp');
const sourcesChanged = Math.max(
  newestSource(join(root, 'harness')),
  newestSource(join(root, 'scenarios')),
  mtime(join(root, 'tsconfig.json')),
  mtime(join(root, 'tsconfig.build.json')),
);
if (mtime(stamp) < sourcesChanged) {
  say('compiling TypeScript (tsc -p tsconfig.build.json) ...');
  run(process.execPath, [join(root, 'scripts', 'build.mjs')]);
}
