// etcd revisions arrive from etcd3 as int64 decimal strings; the ledger keeps them as numbers, which is exact only
// up to 2^53 - 1 (far beyond any real cluster, but checked rather than assumed).
import { HarnessError } from '../errors.js';

/** A revision (or other int64 counter) that is not a non-negative safe integer. */
export class RevisionFormatError extends HarnessError {
  override readonly name: string = 'RevisionFormatError';
}

/** Converts an int64 field (`"42"`) to a number, refusing anything that is not a non-negative safe integer. */
export function parseRevision(value: string | number | null | undefined, field: string): number {
  const parsed =
    typeof value === 'number' ? value : value == null || value === '' ? Number.NaN : Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) {
    throw new RevisionFormatError(
      `Expected \`${field}\` to be a non-negative integer below 2^53, got \`${String(value)}\` (${typeof value}).`,
      { context: { field, value: String(value) } },
    );
  }
  return parsed;
}
