// Checks of restore.single-key: one deleted key recovered from a snapshot (through a throwaway cluster restored from
// it) and put back, byte-identical, with every other live key untouched; plus what the guide's own command does.
import { type CheckOutcome, formatBytes, measure, outcomeWith } from '../findings/finding.js';

/** What the guide's "CRD Deletion" command did, run as written and with its intended `-w json`. */
export interface GuideCommandRecord {
  /** `etcdctl get <key> ... -o json`, as the guide writes it. */
  readonly literal: { readonly exitCode: number; readonly message: string };
  /** `etcdctl get <key> -w json` against the live cluster after the deletion. */
  readonly afterDeletion: { readonly exitCode: number; readonly count: number };
  /**
   * Whether the JSON of a `get -w json` that found the key (before the deletion) has the top-level `value` field the
   * guide's `jq -r '.value'` reads (etcdctl puts it at `.kvs[0].value`).
   */
  readonly jqValueFieldPresent: boolean;
}

export interface SingleKeyRecord {
  readonly key: string;
  readonly original: Uint8Array;
  /** Present in the live cluster after the delete (the deletion did not happen: nothing was exercised). */
  readonly presentAfterDeletion: boolean;
  /** The value read from the throwaway cluster restored from the snapshot (undefined: not found). */
  readonly fromSnapshot: Uint8Array | undefined;
  /** The value in the live cluster after putting it back. */
  readonly liveAfterRecovery: Uint8Array | undefined;
  /** Every other live key and value just before the recovery (including keys changed after the snapshot). */
  readonly otherKeysBefore: Readonly<Record<string, string>>;
  /** The same keys after the recovery. */
  readonly otherKeysAfter: Readonly<Record<string, string>>;
  /** Keys changed (updated, added, deleted) after the snapshot: a restore would have rolled these back. */
  readonly changedAfterSnapshot: readonly string[];
  readonly guide: GuideCommandRecord;
}

function same(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && Buffer.from(a).equals(Buffer.from(b));
}

function firstDifference(a: Uint8Array, b: Uint8Array): string {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    if (a[index] !== b[index]) return `first difference at byte ${index}`;
  }
  return `lengths ${a.length} and ${b.length} B`;
}

/** Keys whose value changed, that vanished, or that appeared between two reads of the live cluster. */
export function diffKeys(
  before: Readonly<Record<string, string>>,
  after: Readonly<Record<string, string>>,
): { changed: string[]; missing: string[]; added: string[] } {
  const changed: string[] = [];
  const missing: string[] = [];
  for (const [key, value] of Object.entries(before)) {
    if (!(key in after)) missing.push(key);
    else if (after[key] !== value) changed.push(key);
  }
  const added = Object.keys(after).filter((key) => !(key in before));
  return { changed, missing, added };
}

export function describeGuideCommand(guide: GuideCommandRecord): string {
  return `the guide's command as written (\`etcdctl get ... -o json\`) exits ${guide.literal.exitCode}: "${guide.literal.message}"; with \`-w json\` against the live cluster after the deletion it finds ${guide.afterDeletion.count} keys (exit ${guide.afterDeletion.exitCode}), so it cannot recover anything; its \`jq -r '.value'\` reads a top-level field etcdctl's JSON ${guide.jqValueFieldPresent ? 'has' : 'does not have (the value is at .kvs[0].value), even while the key exists'}`;
}

export function checkSingleKeyRecovery(record: SingleKeyRecord): CheckOutcome {
  const base = {
    claim: 'restore.single-key' as const,
    check: 'recover one deleted key from a snapshot without restoring the cluster',
  };
  const diff = diffKeys(record.otherKeysBefore, record.otherKeysAfter);
  const others = Object.keys(record.otherKeysBefore).length;
  const expected = `the key's value read from a throwaway cluster restored from the snapshot and put back into the live cluster is byte-identical to the original (${formatBytes(record.original.length)}); all ${others} other live keys (${record.changedAfterSnapshot.length} of them changed after the snapshot) unchanged`;
  const recovered = record.fromSnapshot
    ? `read ${formatBytes(record.fromSnapshot.length)} from the snapshot (${same(record.fromSnapshot, record.original) ? 'identical' : firstDifference(record.fromSnapshot, record.original)})`
    : 'the key was not found in the snapshot';
  const live = record.liveAfterRecovery
    ? `live value after the put ${same(record.liveAfterRecovery, record.original) ? 'identical' : `differs (${firstDifference(record.liveAfterRecovery, record.original)})`}`
    : 'the key is absent from the live cluster after the put';
  const observed = `${recovered}; ${live}; other keys: ${diff.changed.length} changed, ${diff.missing.length} missing, ${diff.added.length} added of ${others}; ${describeGuideCommand(record.guide)}`;
  const measurements = [
    measure('value size', record.original.length, 'bytes'),
    measure('other live keys', others, 'count'),
    measure('keys changed after the snapshot', record.changedAfterSnapshot.length, 'count'),
    measure('other keys disturbed', diff.changed.length + diff.missing.length + diff.added.length, 'count'),
    measure("keys the guide's command found after the deletion", record.guide.afterDeletion.count, 'count'),
  ];
  const outcome = outcomeWith({ ...base, expected, observed, measurements });
  if (record.presentAfterDeletion) {
    return outcome(
      'inconclusive',
      'the key was still in the live cluster after the delete: the recovery was not exercised',
    );
  }
  const problems: string[] = [];
  if (!record.fromSnapshot) problems.push('the key could not be read from the snapshot');
  else if (!same(record.fromSnapshot, record.original))
    problems.push(
      `the value read from the snapshot differs from the original (${firstDifference(record.fromSnapshot, record.original)})`,
    );
  if (!same(record.liveAfterRecovery, record.original))
    problems.push(`the live cluster does not hold the original value after the put`);
  if (diff.changed.length + diff.missing.length + diff.added.length > 0)
    problems.push(
      `the recovery disturbed other keys (changed: ${diff.changed.slice(0, 3).join(', ') || 'none'}; missing: ${diff.missing.slice(0, 3).join(', ') || 'none'}; added: ${diff.added.slice(0, 3).join(', ') || 'none'})`,
    );
  return outcome(
    problems.length === 0 ? 'pass' : 'fail',
    problems.length === 0
      ? `recovered byte-identical from the snapshot through a throwaway cluster, other keys untouched; the guide's own command finds nothing (it reads the live cluster, where the key is gone)`
      : problems.join('; '),
  );
}
