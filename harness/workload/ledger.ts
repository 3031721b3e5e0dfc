// The acknowledged-write ledger: what a workload recorded about every put it sent (acknowledged with a revision,
// definitely failed, or ambiguous), and its JSON form for report bundles.
import { HarnessError } from '../errors.js';

/** A put etcd acknowledged: it must be readable from any healthy cluster holding this history. */
export interface AcknowledgedWrite {
  readonly key: string;
  readonly value: string;
  /** Revision from the put response header (the revision this put created). */
  readonly revision: number;
  readonly writer: number;
  /** Per-writer sequence number, from 0. */
  readonly seq: number;
  /** Epoch ms when the put was sent. */
  readonly sentAt: number;
  /** Epoch ms when the acknowledgement arrived. */
  readonly ackAt: number;
  /** The member the writer talked to (when the target was a cluster). */
  readonly member?: string;
}

/** A put etcd refused: it did not apply (e.g. NOSPACE, or the client could not connect). */
export interface FailedWrite {
  readonly key: string;
  readonly value: string;
  readonly writer: number;
  readonly seq: number;
  readonly sentAt: number;
  readonly failedAt: number;
  /** The classified reason (`no-space`, `not-connected`, ...; see harness/etcd-errors.ts). */
  readonly reason: string;
  readonly message: string;
  readonly member?: string;
}

/** A put whose outcome is unknown (timeout, dropped connection): it may or may not have applied. */
export interface AmbiguousWrite {
  readonly key: string;
  readonly value: string;
  readonly writer: number;
  readonly seq: number;
  readonly sentAt: number;
  readonly failedAt: number;
  readonly reason: string;
  readonly message: string;
  readonly member?: string;
}

export interface Ledger {
  /** Every key of this ledger starts with it (and nothing else should). */
  readonly prefix: string;
  /** Epoch ms. */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly acknowledged: readonly AcknowledgedWrite[];
  readonly failed: readonly FailedWrite[];
  readonly ambiguous: readonly AmbiguousWrite[];
}

/** Version of the JSON form; bump when a field changes meaning. */
export const LEDGER_JSON_VERSION = 1;

export interface LedgerJson extends Ledger {
  readonly version: typeof LEDGER_JSON_VERSION;
}

/** The ledger as a JSON string (one object, fields as in `Ledger`, plus `version`). */
export function ledgerToJson(ledger: Ledger): string {
  const json: LedgerJson = { version: LEDGER_JSON_VERSION, ...ledger };
  return JSON.stringify(json);
}

/** Parses and validates what `ledgerToJson` wrote. */
export function ledgerFromJson(text: string): Ledger {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new LedgerFormatError(`not JSON (${(error as Error).message})`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null) throw new LedgerFormatError('expected an object');
  const record = parsed as Record<string, unknown>;
  if (record.version !== LEDGER_JSON_VERSION) {
    throw new LedgerFormatError(
      `expected \`version\` ${LEDGER_JSON_VERSION}, got \`${JSON.stringify(record.version)}\``,
    );
  }
  const prefix = record.prefix;
  if (typeof prefix !== 'string') throw new LedgerFormatError('expected `prefix` to be a string');
  return {
    prefix,
    startedAt: requireNumber(record, 'startedAt'),
    endedAt: requireNumber(record, 'endedAt'),
    acknowledged: requireArray(record, 'acknowledged').map((entry, index) =>
      validateWrite(entry, `acknowledged[${index}]`, ['revision', 'ackAt'], []),
    ) as unknown as AcknowledgedWrite[],
    failed: requireArray(record, 'failed').map((entry, index) =>
      validateWrite(entry, `failed[${index}]`, ['failedAt'], ['reason', 'message']),
    ) as unknown as FailedWrite[],
    ambiguous: requireArray(record, 'ambiguous').map((entry, index) =>
      validateWrite(entry, `ambiguous[${index}]`, ['failedAt'], ['reason', 'message']),
    ) as unknown as AmbiguousWrite[],
  };
}

/** A ledger file that is not what `ledgerToJson` writes. */
export class LedgerFormatError extends HarnessError {
  override readonly name: string = 'LedgerFormatError';
  constructor(problem: string, options: { cause?: unknown } = {}) {
    super(`Not a ledger: ${problem}.`, { ...options, hint: 'Pass the JSON that ledgerToJson() wrote.' });
  }
}

function requireNumber(record: Record<string, unknown>, field: string, where = 'ledger'): number {
  const value = record[field];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new LedgerFormatError(
      `expected \`${where}.${field}\` to be a number, got \`${JSON.stringify(value)}\``,
    );
  }
  return value;
}

function requireArray(record: Record<string, unknown>, field: string): unknown[] {
  const value = record[field];
  if (!Array.isArray(value)) throw new LedgerFormatError(`expected \`${field}\` to be an array`);
  return value;
}

function validateWrite(
  entry: unknown,
  where: string,
  numberFields: readonly string[],
  stringFields: readonly string[],
): Record<string, unknown> {
  if (typeof entry !== 'object' || entry === null)
    throw new LedgerFormatError(`expected \`${where}\` to be an object`);
  const record = entry as Record<string, unknown>;
  for (const field of ['key', 'value', ...stringFields]) {
    if (typeof record[field] !== 'string') {
      throw new LedgerFormatError(`expected \`${where}.${field}\` to be a string`);
    }
  }
  for (const field of ['writer', 'seq', 'sentAt', ...numberFields]) requireNumber(record, field, where);
  if (record.member !== undefined && typeof record.member !== 'string') {
    throw new LedgerFormatError(`expected \`${where}.member\` to be a string when present`);
  }
  return record;
}
