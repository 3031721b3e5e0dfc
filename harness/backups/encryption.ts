// Encrypting a snapshot the ways the guide's "Backup Strategy Summary" suggests ("encrypt files locally with gpg or
// openssl"): `gpg --symmetric` with a passphrase file, `openssl enc -aes-256-cbc -pbkdf2 -salt` with the same. The
// decryption side (verify-backup's) is private-copy.ts; these are the commands a backup script would run.
import { join } from 'node:path';
import { runTool, type ToolRun } from '../procedures/tool-run.js';
import { withGpgHome } from './gpg-home.js';

export type EncryptionMethod = 'gpg' | 'openssl';

export async function encryptSnapshot(
  method: EncryptionMethod,
  source: string,
  target: string,
  keyFile: string,
  workDir: string,
): Promise<ToolRun> {
  if (method === 'openssl')
    return runTool('openssl', [
      'enc',
      '-aes-256-cbc',
      '-pbkdf2',
      '-salt',
      '-in',
      source,
      '-out',
      target,
      '-pass',
      `file:${keyFile}`,
    ]);
  // `env GNUPGHOME=… gpg …`: the command in the evidence is the one a backup script would run.
  return withGpgHome(join(workDir, 'encrypt'), ({ GNUPGHOME }) =>
    runTool('env', [
      `GNUPGHOME=${GNUPGHOME}`,
      'gpg',
      '--batch',
      '--yes',
      '--quiet',
      '--pinentry-mode',
      'loopback',
      '--passphrase-file',
      keyFile,
      '--symmetric',
      '--output',
      target,
      source,
    ]),
  );
}
