// Checks of the guide's backup advice beyond the script: encryption that round-trips byte for byte, and the "Snapshot
// restore failure" advice to restore with another etcd version. Pure functions over recorded runs.
import { type CheckOutcome, measure, outcomeWith } from '../findings/finding.js';
import type { RestoreDrillRecord } from './backup-files.js';

export interface EncryptionRecord {
  readonly method: string;
  readonly encryptExit: number;
  readonly encryptError?: string;
  /** Decrypted with the right key: did the tool succeed, and is the result the original byte for byte. */
  readonly decrypted: boolean;
  readonly decryptMessage: string;
  readonly identical: boolean;
  /** Decrypting with a wrong key was refused (not a garbage file passed on as a backup). */
  readonly wrongKeyRefused: boolean;
  readonly wrongKeyMessage: string;
  readonly sizeBytes: number;
}

export function checkEncryptionRoundTrip(record: EncryptionRecord): CheckOutcome {
  const base = { claim: 'backup.encryption' as const, check: `${record.method} round trip` };
  const expected =
    'encrypting and decrypting with the right key gives the snapshot back byte for byte; a wrong key is refused';
  const observed = `encrypt exit ${record.encryptExit}${record.encryptError ? ` (${record.encryptError})` : ''}; right key: ${record.decrypted ? 'decrypted' : record.decryptMessage}, ${record.identical ? 'identical SHA-256' : 'NOT identical'}; wrong key: ${record.wrongKeyRefused ? `refused (${record.wrongKeyMessage})` : 'accepted'}`;
  const measurements = [measure('snapshot size', record.sizeBytes, 'bytes')];
  const problems = [
    record.encryptExit !== 0
      ? `encryption failed: ${record.encryptError ?? `exit ${record.encryptExit}`}`
      : '',
    !record.decrypted ? `decryption with the right key failed: ${record.decryptMessage}` : '',
    record.decrypted && !record.identical ? 'the decrypted file differs from the snapshot' : '',
    !record.wrongKeyRefused ? 'a wrong key "decrypted" it without an error' : '',
  ].filter(Boolean);
  const outcome = outcomeWith({ ...base, expected, observed, measurements });
  return problems.length > 0
    ? outcome('fail', `${problems.join('; ')}.`)
    : outcome('pass', `the snapshot came back byte for byte, and the wrong key was refused`);
}

export function checkCrossVersionRestore(from: string, record: RestoreDrillRecord): CheckOutcome {
  const base = { claim: 'restore.cross-version' as const, check: `${from} snapshot with ${record.tool}` };
  const expected = `a snapshot written by etcd ${from} restores with ${record.tool} into a member of etcd ${record.etcdVersion} that holds the file's revision, keys and KV hash`;
  const problems: string[] = [];
  if (record.restoreFailure) problems.push(`restore refused: "${record.restoreFailure.message}"`);
  else if (record.startFailure || !record.observed)
    problems.push(`the member did not start: ${record.startFailure ?? 'no observation'}`);
  else {
    const { observed, expected: file } = record;
    if (file && observed.revision !== file.revision)
      problems.push(`revision ${observed.revision} instead of ${file.revision}`);
    if (file && observed.keys !== file.liveKeys)
      problems.push(`${observed.keys} keys instead of ${file.liveKeys}`);
    for (const [member, hash] of Object.entries(observed.hashes))
      if (file && hash !== file.kvHash) problems.push(`${member} KV hash ${hash} instead of ${file.kvHash}`);
  }
  const observed = record.observed
    ? `restored: revision ${record.observed.revision}, ${record.observed.keys} keys, HashKV ${Object.values(record.observed.hashes).join(', ')}; file: revision ${record.expected?.revision}, ${record.expected?.liveKeys} keys, KV hash ${record.expected?.kvHash}`
    : problems.join('; ');
  const measurements = [measure('drill duration', record.durationMs, 'ms')];
  const outcome = outcomeWith({ ...base, expected, observed, measurements });
  return problems.length > 0
    ? outcome('fail', problems.join('; '))
    : outcome(
        'pass',
        `restored with ${record.tool}; the member of etcd ${record.etcdVersion} holds the same revision, keys and KV hash`,
      );
}
