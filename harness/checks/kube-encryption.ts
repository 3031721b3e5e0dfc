// Checks for the guide's "etcd Encryption at Rest": Secrets stored through kube-apiserver with the guide's
// EncryptionConfiguration hold no plaintext in etcd or in a snapshot (and do with `identity` first: the control),
// key rotation as the guide describes it, and what losing the key does.
import { type CheckOutcome, measure } from '../findings/finding.js';

/** Occurrences of `needle` in `haystack` (non-overlapping), e.g. a Secret's plaintext in a snapshot file. */
export function countOccurrences(haystack: Buffer, needle: string | Buffer): number {
  const pattern = typeof needle === 'string' ? Buffer.from(needle, 'utf8') : needle;
  if (pattern.length === 0) return 0;
  let count = 0;
  let from = 0;
  for (;;) {
    const index = haystack.indexOf(pattern, from);
    if (index === -1) return count;
    count++;
    from = index + pattern.length;
  }
}

/** How a set of Secrets is stored: count per envelope (`aescbc:key1`, `identity`). */
export type EnvelopeCounts = Readonly<Record<string, number>>;

export interface PlaintextProbe {
  /** Secrets written in this phase. */
  readonly secrets: number;
  /** Their raw values in etcd, by envelope. */
  readonly storedAs: EnvelopeCounts;
  /** Occurrences of their plaintext values in the raw etcd values. */
  readonly plaintextInEtcd: number;
  /** Occurrences of their plaintext values in a snapshot file. */
  readonly plaintextInSnapshot: number;
  readonly snapshotBytes: number;
}

export interface EncryptionAtRestRecord {
  /** Written with the guide's configuration (aescbc key1 first, identity second). */
  readonly aescbc: PlaintextProbe;
  /** Occurrences, in the same snapshot, of ConfigMap values (not encrypted): shows the count can see plaintext. */
  readonly configMapPlaintextInSnapshot: number;
  /** Written with `identity` first: the negative control. */
  readonly identity: PlaintextProbe | undefined;
}

const CLAIM_AT_REST = 'k8s.encryption-at-rest';

function envelopes(counts: EnvelopeCounts): string {
  const entries = Object.entries(counts);
  return entries.length === 0
    ? 'none read'
    : entries.map(([name, count]) => `${count} as ${name}`).join(', ');
}

/** aescbc: nothing in plaintext; identity first: plaintext present (the method can see it). */
export function checkEncryptionAtRest(record: EncryptionAtRestRecord): CheckOutcome[] {
  const { aescbc, identity } = record;
  const encrypted = aescbc.storedAs['aescbc:key1'] ?? 0;
  const measurements = [
    measure('secrets written with aescbc', aescbc.secrets, 'count'),
    measure('stored as aescbc:key1', encrypted, 'count'),
    measure('plaintext occurrences in etcd (aescbc)', aescbc.plaintextInEtcd, 'count'),
    measure('plaintext occurrences in snapshot (aescbc)', aescbc.plaintextInSnapshot, 'count'),
    measure(
      'configmap plaintext occurrences in snapshot (control)',
      record.configMapPlaintextInSnapshot,
      'count',
    ),
    measure('snapshot size', aescbc.snapshotBytes, 'bytes'),
  ];
  const observed = `${aescbc.secrets} Secrets: ${envelopes(aescbc.storedAs)}; their plaintext values occur ${aescbc.plaintextInEtcd} times in etcd and ${aescbc.plaintextInSnapshot} times in a ${aescbc.snapshotBytes}-byte snapshot; ConfigMap values (not encrypted) occur ${record.configMapPlaintextInSnapshot} times in it`;
  const expected =
    'with aescbc key1 first: every Secret stored as `k8s:enc:aescbc:v1:key1:`, 0 plaintext occurrences in etcd and in a snapshot (while unencrypted ConfigMap values are found, so the count can see plaintext)';
  let outcome: CheckOutcome;
  if (record.configMapPlaintextInSnapshot === 0) {
    outcome = {
      claim: CLAIM_AT_REST,
      check: 'aescbc',
      verdict: 'inconclusive',
      reason:
        'the count found no ConfigMap value in the snapshot either: it cannot tell encrypted from absent',
      expected,
      observed,
      measurements,
    };
  } else {
    const clean =
      aescbc.secrets > 0 &&
      encrypted === aescbc.secrets &&
      aescbc.plaintextInEtcd === 0 &&
      aescbc.plaintextInSnapshot === 0;
    outcome = {
      claim: CLAIM_AT_REST,
      check: 'aescbc',
      verdict: clean ? 'pass' : 'fail',
      reason: clean
        ? `all ${aescbc.secrets} Secrets encrypted with key1; no plaintext in etcd or in the snapshot`
        : `${aescbc.secrets - encrypted} of ${aescbc.secrets} Secrets not stored as aescbc:key1; plaintext found ${aescbc.plaintextInEtcd} times in etcd, ${aescbc.plaintextInSnapshot} times in the snapshot`,
      expected,
      observed,
      measurements,
    };
  }
  const outcomes = [outcome];
  if (identity) {
    const plain = identity.storedAs.identity ?? 0;
    const seen = identity.secrets > 0 && plain === identity.secrets && identity.plaintextInSnapshot > 0;
    outcomes.push({
      claim: CLAIM_AT_REST,
      check: 'identity-control',
      verdict: seen ? 'pass' : 'fail',
      reason: seen
        ? `with identity first the same count finds the plaintext (${identity.plaintextInSnapshot} occurrences): the aescbc result is not an artefact of the method`
        : `with identity first, ${plain} of ${identity.secrets} Secrets stored plain and ${identity.plaintextInSnapshot} plaintext occurrences in the snapshot: the negative control did not show plaintext`,
      expected:
        'with `identity` first (negative control): Secrets stored unencrypted, plaintext occurrences in the snapshot > 0',
      observed: `${identity.secrets} Secrets: ${envelopes(identity.storedAs)}; plaintext occurs ${identity.plaintextInEtcd} times in etcd and ${identity.plaintextInSnapshot} times in a ${identity.snapshotBytes}-byte snapshot`,
      measurements: [
        measure('secrets written with identity first', identity.secrets, 'count'),
        measure('stored unencrypted', plain, 'count'),
        measure('plaintext occurrences in snapshot (identity)', identity.plaintextInSnapshot, 'count'),
      ],
    });
  }
  return outcomes;
}

export interface KeyRotationRecord {
  readonly secrets: number;
  /** After restarting with the new key first and waiting, before any Secret is written again. */
  readonly afterRestart: { readonly storedAs: EnvelopeCounts; readonly waitedMs: number };
  /** After every Secret was read and written back (PUT), still with both keys. */
  readonly afterRewrite: { readonly storedAs: EnvelopeCounts; readonly rewritten: number };
  /** After restarting without the old key. */
  readonly afterDrop: {
    readonly readable: number;
    readonly storedAs: EnvelopeCounts;
    readonly errors: readonly string[];
  };
  readonly oldKey: string;
  readonly newKey: string;
}

/**
 * The guide: "Rotate keys by placing the new key first, restarting the API server, letting secrets re-encrypt, then
 * removing the old key." Two checks: whether Secrets re-encrypt by themselves after the restart, and whether the
 * rotation with an explicit rewrite of every Secret leaves them all readable under the new key.
 */
export function checkKeyRotation(record: KeyRotationRecord): CheckOutcome[] {
  const oldEnvelope = `aescbc:${record.oldKey}`;
  const newEnvelope = `aescbc:${record.newKey}`;
  const stillOld = record.afterRestart.storedAs[oldEnvelope] ?? 0;
  const reencrypted = record.afterRestart.storedAs[newEnvelope] ?? 0;
  const seconds = (record.afterRestart.waitedMs / 1000).toFixed(1);
  const implicit: CheckOutcome = {
    claim: 'k8s.key-rotation',
    check: 'reencrypt-after-restart',
    verdict: stillOld === 0 && reencrypted === record.secrets ? 'pass' : 'fail',
    reason:
      stillOld === 0
        ? `every Secret was re-encrypted with ${record.newKey} after the restart alone`
        : `${stillOld} of ${record.secrets} Secrets were still stored under ${record.oldKey} ${seconds} s after the restart: kube-apiserver re-encrypts a Secret only when it is written, so removing ${record.oldKey} at this point would make them unreadable; every Secret must be rewritten first (e.g. \`kubectl get secrets -A -o json | kubectl replace -f -\`)`,
    expected: `(guide) after restarting with ${record.newKey} first, Secrets "re-encrypt": all stored under ${record.newKey}`,
    observed: `${seconds} s after the restart: ${envelopes(record.afterRestart.storedAs)}`,
    measurements: [
      measure('secrets', record.secrets, 'count'),
      measure('still under the old key after restart', stillOld, 'count'),
      measure('wait after restart', record.afterRestart.waitedMs, 'ms'),
    ],
  };
  const underNew = record.afterDrop.storedAs[newEnvelope] ?? 0;
  const rewrittenUnderNew = record.afterRewrite.storedAs[newEnvelope] ?? 0;
  const done = record.afterDrop.readable === record.secrets && underNew === record.secrets;
  const rotation: CheckOutcome = {
    claim: 'k8s.key-rotation',
    check: 'rotation-with-rewrite',
    verdict: done ? 'pass' : 'fail',
    reason: done
      ? `after rewriting all ${record.secrets} Secrets and dropping ${record.oldKey}, every Secret reads back and is stored under ${record.newKey}`
      : `after the rotation ${record.afterDrop.readable} of ${record.secrets} Secrets read back, ${underNew} stored under ${record.newKey}${record.afterDrop.errors[0] ? `; first error: ${record.afterDrop.errors[0]}` : ''}`,
    expected: `new key first, restart, rewrite every Secret, drop the old key, restart: all ${record.secrets} Secrets readable and stored under ${record.newKey}`,
    observed: `after the rewrite (${record.afterRewrite.rewritten} PUTs): ${envelopes(record.afterRewrite.storedAs)}; after dropping ${record.oldKey}: ${record.afterDrop.readable} of ${record.secrets} readable, ${envelopes(record.afterDrop.storedAs)}`,
    measurements: [
      measure('rewritten', record.afterRewrite.rewritten, 'count'),
      measure('under the new key after the rewrite', rewrittenUnderNew, 'count'),
      measure('readable after dropping the old key', record.afterDrop.readable, 'count'),
    ],
  };
  return [implicit, rotation];
}

export interface KeyLossAttempt {
  /** How the key was lost: `new key under the same name`, `no encryption config`. */
  readonly variant: string;
  readonly secrets: number;
  readonly readable: number;
  /** HTTP status of a GET of one Secret and of a LIST of all Secrets. */
  readonly getStatus: number;
  readonly listStatus: number;
  /** The API server's error message for the GET. */
  readonly message: string;
  /** `/readyz` while it runs without the key: status and failing checks. */
  readonly readyz: string;
  /** A line of its log about the failure (`failed to decrypt data ...`). */
  readonly logLine: string | undefined;
}

export interface KeyLossRecord {
  readonly attempts: readonly KeyLossAttempt[];
  /** Secrets readable again after restarting with the original key (the data was intact all along). */
  readonly readableWithOriginalKey: number | undefined;
}

/** "Encryption keys must be stored securely (KMS, Vault); loss makes secrets unrecoverable." */
export function checkKeyLoss(record: KeyLossRecord): CheckOutcome {
  const unreadable = record.attempts.every((attempt) => attempt.readable === 0 && attempt.getStatus >= 400);
  const observed = record.attempts
    .map(
      (attempt) =>
        `${attempt.variant}: ${attempt.readable} of ${attempt.secrets} Secrets readable; GET → ${attempt.getStatus} "${attempt.message.slice(0, 200)}"; LIST → ${attempt.listStatus}; /readyz ${attempt.readyz}${attempt.logLine ? `; log: ${attempt.logLine.slice(0, 200)}` : ''}`,
    )
    .join(' | ');
  const restored =
    record.readableWithOriginalKey === undefined
      ? ''
      : `; with the original key back: ${record.readableWithOriginalKey} readable`;
  return {
    claim: 'k8s.encryption-at-rest',
    check: 'key-loss',
    verdict: record.attempts.length > 0 && unreadable ? 'pass' : 'fail',
    reason: unreadable
      ? `without the key no Secret can be read: the API server answers ${record.attempts.map((attempt) => attempt.getStatus).join('/')} with the decryption error quoted${restored}`
      : 'some Secrets were readable without the key that encrypted them',
    expected: 'an API server without the encryption key cannot read the Secrets (an error, not data)',
    observed: `${observed}${restored}`,
    measurements: record.attempts.map((attempt) =>
      measure(`readable (${attempt.variant})`, attempt.readable, 'count'),
    ),
  };
}
