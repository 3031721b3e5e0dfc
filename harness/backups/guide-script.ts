// Where the guide's backup script (the shipped fixture) is, from the sources and from dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HarnessError } from '../errors.js';

export function guideBackupScript(): string {
  for (const candidate of [
    './scripts/guide-etcd-backup.sh',
    '../../../harness/backups/scripts/guide-etcd-backup.sh',
  ]) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new HarnessError(
    'the guide backup script (harness/backups/scripts/guide-etcd-backup.sh) is missing from this installation',
  );
}
