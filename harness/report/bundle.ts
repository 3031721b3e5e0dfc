// The artifact bundle: DIR/etcd-chaos-<run-id>.tar.gz with result.json, the rendered reports and the evidence (member
// logs, metric scrapes, ledgers, tool output). Private keys are never included.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tar from 'tar';
import { EVIDENCE_DIR, REPORT_FILES } from '../result/result-file.js';

/** Private keys by name (`*.key`, `*-key.pem`, `*private*`): certificates are public and may stay. */
const SECRET = /(\.key|-key\.pem|\.p12|\.pfx)$|private/i;

export function bundleName(runId: string): string {
  return `etcd-chaos-${runId}.tar.gz`;
}

export async function writeBundle(reportDir: string, runId: string): Promise<string> {
  const name = bundleName(runId);
  // Only what etcd-chaos wrote: a report dir may hold the user's own files too.
  const ours = new Set<string>([...REPORT_FILES, EVIDENCE_DIR]);
  const entries = (await readdir(reportDir)).filter((entry) => ours.has(entry));
  const path = join(reportDir, name);
  await tar.c(
    {
      gzip: true,
      file: path,
      cwd: reportDir,
      portable: true,
      filter: (entryPath) => !SECRET.test(entryPath),
    },
    entries,
  );
  return path;
}
