// Test prerequisites from Debian's packages (Chromium for the report test; later docker.io): installed when missing
// and the tests run as root, otherwise reported so the tests that need them skip with the reason.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface PackageStatus {
  readonly available: boolean;
  readonly reason: string | undefined;
}

export function ensureDebianPackage(
  pkg: string,
  binary: string,
  say: (message: string) => void,
): PackageStatus {
  if (existsSync(binary)) return { available: true, reason: undefined };
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root)
    return { available: false, reason: `${binary} is missing and installing Debian's ${pkg} needs root` };
  if (!existsSync('/usr/bin/apt-get'))
    return { available: false, reason: `${binary} is missing and this is not a Debian-like system` };
  say(`installing Debian's ${pkg} (apt-get install ${pkg}) ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let result = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', pkg], {
    stdio: 'inherit',
    env,
  });
  if (result.status !== 0) {
    say('apt-get install failed; refreshing package lists and retrying');
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    result = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', pkg], {
      stdio: 'inherit',
      env,
    });
  }
  if (result.status !== 0 || !existsSync(binary))
    return { available: false, reason: `apt-get install ${pkg} failed (exit ${result.status})` };
  return { available: true, reason: undefined };
}
