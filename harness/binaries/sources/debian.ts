// Debian's etcd 3.4 (`etcd-server`, `etcd-client`): fetched with `apt-get download` and unpacked with `dpkg-deb -x`
// into the cache, so no system service is installed or started and root is only needed to refresh apt's lists.
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { HarnessError, ToolMissingError } from '../../errors.js';
import { findOnPath, isRoot, runCommand } from '../../util/exec.js';
import type { EtcdVersion } from '../../versions/version.js';
import type { ProgressListener } from '../types.js';

const PACKAGES = ['etcd-server', 'etcd-client'] as const;

export async function fetchDebianEtcd(
  version: EtcdVersion,
  stagingDir: string,
  onProgress: ProgressListener,
): Promise<{ packageVersion: string }> {
  const aptGet = await findOnPath('apt-get');
  const aptCache = await findOnPath('apt-cache');
  const dpkgDeb = await findOnPath('dpkg-deb');
  if (!aptGet || !aptCache || !dpkgDeb) {
    throw new ToolMissingError(
      `Debian's etcd ${version} needs apt-get, apt-cache and dpkg-deb; this is not a Debian-like system.`,
      {
        hint: 'Use a release download (ETCD_CHAOS_RELEASE_MIRROR) or provide binaries with --bin-dir.',
      },
    );
  }
  let candidate = await candidateVersion(aptCache);
  if (!candidate) {
    if (!isRoot()) {
      throw new HarnessError(
        'apt has no candidate for `etcd-server` (its package lists are probably empty).',
        {
          hint: 'Run `sudo apt-get update` once, then retry.',
        },
      );
    }
    onProgress({ kind: 'step', message: 'apt-get update (package lists are missing)' });
    await runCommand(aptGet, ['update'], { onLine: (line) => onProgress({ kind: 'detail', message: line }) });
    candidate = await candidateVersion(aptCache);
  }
  if (!candidate?.startsWith(`${version}-`) && candidate !== version.toString()) {
    throw new HarnessError(`Debian packages etcd ${candidate ?? '(none)'} here, not ${version}.`, {
      hint: "Debian bookworm's etcd-server is 3.4.23; other 3.4 releases need the release download.",
    });
  }
  const debDir = join(stagingDir, '.debs');
  await mkdir(debDir, { recursive: true });
  onProgress({ kind: 'step', message: `apt-get download ${PACKAGES.join(' ')} (${candidate})` });
  await runCommand(aptGet, ['download', ...PACKAGES.map((name) => `${name}=${candidate}`)], {
    cwd: debDir,
    onLine: (line) => onProgress({ kind: 'detail', message: line }),
  });
  const debs = (await readdir(debDir)).filter((name) => name.endsWith('.deb'));
  const unpackDir = join(debDir, 'root');
  for (const deb of debs) {
    onProgress({ kind: 'step', message: `unpacking ${deb}` });
    await runCommand(dpkgDeb, ['-x', join(debDir, deb), unpackDir]);
  }
  for (const tool of ['etcd', 'etcdctl']) {
    await copyFile(join(unpackDir, 'usr', 'bin', tool), join(stagingDir, tool));
  }
  return { packageVersion: candidate };
}

async function candidateVersion(aptCache: string): Promise<string | undefined> {
  const { stdout } = await runCommand(aptCache, ['policy', 'etcd-server'], { allowFailure: true });
  const match = /Candidate:\s*(\S+)/.exec(stdout);
  return match?.[1] && match[1] !== '(none)' ? match[1] : undefined;
}
