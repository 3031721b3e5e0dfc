// Any Debian package's binaries (Prometheus' `prometheus` brings `prometheus` and `promtool`): fetched with
// `apt-get download` and unpacked with `dpkg-deb -x` into the cache, so nothing is installed and no service starts.
import { chmod, copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { HarnessError, ToolMissingError } from '../../errors.js';
import { findOnPath, isRoot, runCommand } from '../../util/exec.js';
import type { ProgressListener } from '../types.js';

export interface DebianPackageRequest {
  /** Package name, e.g. `prometheus`. */
  readonly name: string;
  /** The upstream version the candidate must have (`2.42.0` matches `2.42.0+ds-5+deb12u1`). */
  readonly upstreamVersion: string;
  /** Files to copy out of the package, by path inside it (`usr/bin/promtool`), into the staging dir by base name. */
  readonly files: readonly string[];
  readonly stagingDir: string;
  readonly onProgress: ProgressListener;
}

/** Downloads and unpacks one package; returns its exact Debian version. */
export async function fetchDebianPackage(request: DebianPackageRequest): Promise<{ packageVersion: string }> {
  const aptGet = await findOnPath('apt-get');
  const aptCache = await findOnPath('apt-cache');
  const dpkgDeb = await findOnPath('dpkg-deb');
  if (!aptGet || !aptCache || !dpkgDeb) {
    throw new ToolMissingError(
      `Debian's ${request.name} package needs apt-get, apt-cache and dpkg-deb; this is not a Debian-like system.`,
    );
  }
  let candidate = await candidateVersion(aptCache, request.name);
  if (!candidate) {
    if (!isRoot()) {
      throw new HarnessError(
        `apt has no candidate for \`${request.name}\` (its package lists are probably empty).`,
        {
          hint: 'Run `sudo apt-get update` once, then retry.',
        },
      );
    }
    request.onProgress({ kind: 'step', message: 'apt-get update (package lists are missing)' });
    await runCommand(aptGet, ['update'], {
      onLine: (line) => request.onProgress({ kind: 'detail', message: line }),
    });
    candidate = await candidateVersion(aptCache, request.name);
  }
  if (!candidate || upstreamOf(candidate) !== request.upstreamVersion) {
    throw new HarnessError(
      `Debian packages ${request.name} ${candidate ?? '(none)'} here, not ${request.upstreamVersion}.`,
      { context: { package: request.name } },
    );
  }
  const debDir = join(request.stagingDir, '.debs');
  await mkdir(debDir, { recursive: true });
  request.onProgress({ kind: 'step', message: `apt-get download ${request.name}=${candidate}` });
  await runCommand(aptGet, ['download', `${request.name}=${candidate}`], {
    cwd: debDir,
    onLine: (line) => request.onProgress({ kind: 'detail', message: line }),
  });
  const debs = (await readdir(debDir)).filter((name) => name.endsWith('.deb'));
  const unpackDir = join(debDir, 'root');
  for (const deb of debs) {
    request.onProgress({ kind: 'step', message: `unpacking ${deb}` });
    await runCommand(dpkgDeb, ['-x', join(debDir, deb), unpackDir]);
  }
  for (const file of request.files) {
    const target = join(request.stagingDir, file.split('/').at(-1) ?? file);
    await copyFile(join(unpackDir, file), target);
    await chmod(target, 0o755);
  }
  return { packageVersion: candidate };
}

/** `2.42.0+ds-5+deb12u1` → `2.42.0` (epoch, Debian revision and repack suffix dropped). */
export function upstreamOf(debianVersion: string): string {
  const withoutEpoch = debianVersion.replace(/^\d+:/, '');
  return withoutEpoch.replace(/-[^-]*$/, '').replace(/[+~].*$/, '');
}

async function candidateVersion(aptCache: string, name: string): Promise<string | undefined> {
  const { stdout } = await runCommand(aptCache, ['policy', name], { allowFailure: true });
  const match = /Candidate:\s*(\S+)/.exec(stdout);
  return match?.[1] && match[1] !== '(none)' ? match[1] : undefined;
}
