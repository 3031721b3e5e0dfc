// Builds static binaries from Go modules through a wrapper module: `go install pkg@version` refuses modules whose
// go.mod has `replace` directives (etcd's do), but `go get` + `go build` inside a module of our own works.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ToolMissingError } from '../../errors.js';
import { findOnPath, runCommand } from '../../util/exec.js';
import type { ProgressListener } from '../types.js';

export interface GoModuleRequirement {
  readonly module: string;
  readonly version: string;
}

export interface GoBinaryTarget {
  /** Main package import path, e.g. `go.etcd.io/etcd/server/v3`. */
  readonly pkg: string;
  /** File name of the built binary, e.g. `etcd`. */
  readonly outName: string;
}

export interface GoBuildSpec {
  /** Wrapper module directory (kept between runs so rebuilds are incremental). */
  readonly workDir: string;
  readonly requirements: readonly GoModuleRequirement[];
  readonly targets: readonly GoBinaryTarget[];
  readonly outDir: string;
  readonly ldflags?: readonly string[];
  readonly onProgress: ProgressListener;
  readonly signal?: AbortSignal;
}

/** The `go` toolchain, or a ToolMissingError saying how to get one. */
export async function requireGo(what: string): Promise<{ path: string; version: string }> {
  const path = await findOnPath('go');
  if (!path) {
    throw new ToolMissingError(`Building ${what} needs the Go toolchain, and \`go\` is not on PATH.`, {
      hint: "Install Go 1.25 or newer (https://go.dev/dl/, or your distribution's golang package), or provide the binaries: `--bin-dir DIR` / ETCD_CHAOS_BIN_DIR, or a release mirror (ETCD_CHAOS_RELEASE_MIRROR).",
    });
  }
  const { stdout } = await runCommand(path, ['version']);
  return { path, version: stdout.trim() };
}

export async function goBuild(spec: GoBuildSpec): Promise<{ goVersion: string }> {
  const names = spec.targets.map((target) => target.outName).join(', ');
  const go = await requireGo(names);
  const env = {
    CGO_ENABLED: '0',
    GOFLAGS: [process.env.GOFLAGS, '-mod=mod'].filter(Boolean).join(' '),
    // Let Go fetch the toolchain a module's `go` directive asks for, through the module proxy.
    GOTOOLCHAIN: process.env.GOTOOLCHAIN || 'auto',
  };
  const onLine = (line: string) => spec.onProgress({ kind: 'detail', message: line });
  await mkdir(spec.workDir, { recursive: true });
  if (!existsSync(join(spec.workDir, 'go.mod'))) {
    await writeFile(join(spec.workDir, 'go.mod'), 'module etcd-chaos.local/build\n\ngo 1.22\n');
  }
  const wanted = spec.requirements.map((req) => `${req.module}@${req.version}`);
  spec.onProgress({ kind: 'step', message: `fetching Go modules ${wanted.join(' ')}` });
  await runCommand(go.path, ['get', ...wanted], { cwd: spec.workDir, env, onLine, signal: spec.signal });
  for (const target of spec.targets) {
    spec.onProgress({ kind: 'step', message: `compiling ${target.outName} (static, CGO_ENABLED=0)` });
    const ldflags = ['-s', '-w', ...(spec.ldflags ?? [])].join(' ');
    await runCommand(
      go.path,
      ['build', '-trimpath', `-ldflags=${ldflags}`, '-o', join(spec.outDir, target.outName), target.pkg],
      { cwd: spec.workDir, env, onLine, signal: spec.signal },
    );
  }
  return { goVersion: go.version };
}
