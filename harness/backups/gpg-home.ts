// A throwaway GnuPG home for one gpg call: never the user's ~/.gnupg, never an agent left running. gpg starts a
// gpg-agent whose sockets live in the home; a Unix socket path is limited to 107 bytes, and a home deep inside a run's
// temp dir (`…/scenarios/<scenario>/…/S.gpg-agent.browser`) passes it ("error running gpg-agent: exit status 2"). So a
// home whose socket paths would be too long goes to a short temp dir of its own, removed afterwards.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEMP_DIR_PREFIX } from '../paths.js';
import { findOnPath, runCommand } from '../util/exec.js';

/** Longest socket name gpg-agent creates in its home, plus the separator. */
const LONGEST_SOCKET = '/S.gpg-agent.browser'.length;
const MAX_SOCKET_PATH = 107;

export async function withGpgHome<T>(
  parent: string,
  fn: (env: { GNUPGHOME: string }) => Promise<T>,
): Promise<T> {
  const nested = join(parent, 'gnupg');
  const own = nested.length + LONGEST_SOCKET > MAX_SOCKET_PATH;
  const home = own ? await mkdtemp(join(tmpdir(), `${TEMP_DIR_PREFIX}gpg-`)) : nested;
  await mkdir(home, { recursive: true, mode: 0o700 });
  const env = { GNUPGHOME: home };
  try {
    return await fn(env);
  } finally {
    // The agent would otherwise outlive us until it notices its socket is gone.
    const gpgconf = await findOnPath('gpgconf');
    if (gpgconf) await runCommand(gpgconf, ['--kill', 'gpg-agent'], { env, allowFailure: true });
    if (own) await rm(home, { recursive: true, force: true });
  }
}
