// The file the tools work on, never the user's own: a read-only bind mount of it in a private 0700 dir (root: writes
// fail with EROFS, and nothing is copied, which matters for a 1 GiB snapshot), else a copy; an encrypted backup is
// decrypted there (0600) with gpg or openssl. Tools given the user's file itself could change it: `etcdutl hashkv FILE`
// rewrites the file's meta pages (measured on 3.6.16 and 3.7.3), which breaks its SHA-256 trailer.
import { copyFile, open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError, HarnessError, InputError } from '../errors.js';
import { logger } from '../log.js';
import type { RunJournal } from '../runstate/journal.js';
import { findOnPath, isRoot, runCommand } from '../util/exec.js';
import type { Encryption } from './backup-dir.js';
import { withGpgHome } from './gpg-home.js';

const log = logger('backups');

export interface PrivateFile {
  /** Where the tools read the snapshot (plaintext). */
  readonly path: string;
  readonly how: 'read-only bind mount' | 'copy' | 'decrypted copy';
  /** For encrypted files: how decryption went (a failure is a verdict, not an error). */
  readonly decryption?: { readonly method: string; readonly ok: boolean; readonly message: string };
  release(): Promise<void>;
}

/** A read-only view of `source` at `target` (root), else a copy. */
export async function privateView(source: string, dir: string, journal: RunJournal): Promise<PrivateFile> {
  const target = join(dir, 'snapshot.db');
  const mount = isRoot() ? await findOnPath('mount') : undefined;
  const umount = isRoot() ? await findOnPath('umount') : undefined;
  if (mount && umount) {
    await writeFile(target, '', { mode: 0o600 });
    journal.record({ kind: 'mount', path: target });
    const bound = await runCommand(mount, ['--bind', source, target], { allowFailure: true });
    const readOnly =
      bound.exitCode === 0
        ? await runCommand(mount, ['-o', 'remount,bind,ro', target], { allowFailure: true })
        : bound;
    if (readOnly.exitCode === 0) {
      return {
        path: target,
        how: 'read-only bind mount',
        release: async () => {
          const result = await runCommand(umount, [target], { allowFailure: true });
          if (result.exitCode !== 0) await runCommand(umount, ['-l', target], { allowFailure: true });
        },
      };
    }
    log('read-only bind mount failed (%s); copying instead', readOnly.stderr.trim());
    if (bound.exitCode === 0) await runCommand(umount, ['-l', target], { allowFailure: true });
    await rm(target, { force: true });
  }
  await copyFile(source, target);
  return { path: target, how: 'copy', release: () => rm(target, { force: true }) };
}

/**
 * Decrypts `source` into `dir` (0600): `.gpg` with gpg (the key file is a passphrase file, or an armored secret key
 * imported into a throwaway GNUPGHOME), `.enc` with `openssl enc -d -aes-256-cbc -pbkdf2 -pass file:KEY`.
 */
export async function decryptToPrivate(
  source: string,
  encryption: Exclude<Encryption, 'none'>,
  keyFile: string,
  dir: string,
): Promise<PrivateFile> {
  const target = join(dir, 'decrypted.db');
  // Created empty and private before any tool writes into it.
  await (await open(target, 'wx', 0o600)).close();
  const release = () => rm(target, { force: true });
  const run =
    encryption === 'gpg'
      ? await decryptGpg(source, keyFile, target, dir)
      : await decryptOpenssl(source, keyFile, target);
  if (!run.ok) await writeFile(target, '');
  return { path: target, how: 'decrypted copy', decryption: run, release };
}

async function decryptGpg(
  source: string,
  keyFile: string,
  target: string,
  dir: string,
): Promise<{ method: string; ok: boolean; message: string }> {
  const gpg = await requireTool('gpg', 'gnupg');
  return withGpgHome(dir, async (env) => {
    const keyText = await readHead(keyFile);
    const armoredKey = /-----BEGIN PGP PRIVATE KEY BLOCK-----/.test(keyText);
    if (armoredKey) {
      const imported = await runCommand(gpg, ['--batch', '--import', keyFile], { env, allowFailure: true });
      if (imported.exitCode !== 0)
        return { method: 'gpg (secret key)', ok: false, message: lastLine(imported.stderr) };
    }
    const args = ['--batch', '--yes', '--quiet', '--pinentry-mode', 'loopback'];
    if (!armoredKey) args.push('--passphrase-file', keyFile);
    const run = await runCommand(gpg, [...args, '--output', target, '--decrypt', source], {
      env,
      allowFailure: true,
      timeoutMs: 600_000,
    });
    const method = armoredKey ? 'gpg (secret key)' : 'gpg (passphrase file)';
    return run.exitCode === 0
      ? { method, ok: true, message: 'decrypted' }
      : { method, ok: false, message: `gpg exit ${run.exitCode}: ${lastLine(run.stderr)}` };
  });
}

async function decryptOpenssl(
  source: string,
  keyFile: string,
  target: string,
): Promise<{ method: string; ok: boolean; message: string }> {
  const openssl = await requireTool('openssl', 'openssl');
  const method = 'openssl enc -d -aes-256-cbc -pbkdf2';
  const run = await runCommand(
    openssl,
    ['enc', '-d', '-aes-256-cbc', '-pbkdf2', '-in', source, '-out', target, '-pass', `file:${keyFile}`],
    { allowFailure: true, timeoutMs: 600_000 },
  );
  return run.exitCode === 0
    ? { method, ok: true, message: 'decrypted' }
    : { method, ok: false, message: `openssl exit ${run.exitCode}: ${lastLine(run.stderr || run.stdout)}` };
}

async function requireTool(name: string, debianPackage: string): Promise<string> {
  const path = await findOnPath(name);
  if (!path)
    throw new HarnessError(`\`${name}\` is needed to decrypt this backup and is not installed.`, {
      hint: `Install it (Debian: apt-get install ${debianPackage}).`,
    });
  return path;
}

async function readHead(path: string): Promise<string> {
  try {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(256);
      const { bytesRead } = await handle.read(buffer, 0, 256, 0);
      return buffer.toString('latin1', 0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new InputError(`Cannot read the decrypt key \`${path}\`: ${describeError(error)}.`, {
      cause: error,
    });
  }
}

function lastLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .pop() ?? ''
  ).slice(0, 300);
}
