// Compares what a cluster holds against a ledger: acknowledged writes missing or changed, keys nobody acknowledged,
// revisions that went backwards. `checkLedger` is pure; `readLedgerKeys` is the one read it needs.
import { type Etcd3, Range } from 'etcd3';
import { EtcdRequestError } from '../etcd-errors.js';
import type { AcknowledgedWrite, Ledger } from './ledger.js';
import { parseRevision } from './revision.js';

/** A key as the cluster returned it. */
export interface ObservedKey {
  readonly key: string;
  readonly value: string;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
}

export interface ReadLedgerKeysOptions {
  /** Keys per range request (default 1000; keeps each response far below gRPC's 4 MiB receive limit). */
  readonly pageSize?: number;
  /** Deadline of each range request (default 10 s). */
  readonly callTimeoutMs?: number;
}

/**
 * Every key under `prefix` with value and revisions, read with linearizable range requests. Pages after the first
 * are read at the first page's revision, so the result is one consistent view of the keyspace.
 */
export async function readLedgerKeys(
  client: Etcd3,
  prefix: string,
  options: ReadLedgerKeysOptions = {},
): Promise<ObservedKey[]> {
  const { pageSize = 1_000, callTimeoutMs = 10_000 } = options;
  const end = Range.prefix(prefix).end;
  const observed: ObservedKey[] = [];
  let start = Buffer.from(prefix);
  let atRevision: number | undefined;
  for (;;) {
    const request = client
      .getAll()
      .inRange({ start, end })
      .limit(pageSize)
      .options({ deadline: Date.now() + callTimeoutMs });
    if (atRevision !== undefined) request.revision(atRevision);
    let response: Awaited<ReturnType<typeof request.exec>>;
    try {
      response = await request.exec();
    } catch (error) {
      throw EtcdRequestError.from(error, `range ${prefix}*`);
    }
    atRevision ??= parseRevision(response.header.revision, 'header.revision');
    for (const kv of response.kvs) {
      observed.push({
        key: kv.key.toString(),
        value: kv.value.toString(),
        createRevision: parseRevision(kv.create_revision, 'create_revision'),
        modRevision: parseRevision(kv.mod_revision, 'mod_revision'),
        version: parseRevision(kv.version, 'version'),
      });
    }
    const last = response.kvs[response.kvs.length - 1];
    if (!response.more || !last) return observed;
    start = Buffer.concat([last.key, Buffer.from([0])]);
  }
}

export interface CheckLedgerOptions {
  /**
   * Check against the state at this revision (e.g. a snapshot's, for a restored cluster): acknowledged writes with
   * a higher revision are expected absent and never counted missing.
   */
  readonly upToRevision?: number;
  /** With `upToRevision`: count acknowledged writes after the bound that are present as a failure (`ok` false). */
  readonly expectAbsentAfterBound?: boolean;
}

export interface LedgerCheck {
  /**
   * No missing, no wrongValue, no unexpected, no revisionMismatch, no revisionRegressions and no
   * realTimeRegressions; `presentAfterBound` counts only with `expectAbsentAfterBound`. Ambiguous writes never
   * count, present or absent.
   */
  readonly ok: boolean;
  /** Acknowledged writes (at or below the bound) that must be present. */
  readonly acknowledgedExpected: number;
  /** Of those, how many are present. */
  readonly present: number;
  readonly missing: AcknowledgedWrite[];
  readonly wrongValue: { write: AcknowledgedWrite; observedValue: string }[];
  /** Keys present that no acknowledged or ambiguous put wrote (a definite failure that applied, a foreign key). */
  readonly unexpected: ObservedKey[];
  /** With `upToRevision`: keys of writes acknowledged after the bound that are present anyway. */
  readonly presentAfterBound: ObservedKey[];
  /** Present keys (with the acknowledged value) whose mod_revision is not the revision of the acknowledgement. */
  readonly revisionMismatch: { write: AcknowledgedWrite; observedModRevision: number }[];
  /** One writer's puts are sequential, so each acknowledged revision must exceed its previous one. */
  readonly revisionRegressions: { writer: number; previous: AcknowledgedWrite; next: AcknowledgedWrite }[];
  /**
   * Across writers: a put sent after another was acknowledged (by the wall clock, whole ms apart) must get a
   * higher revision (etcd's writes are linearizable). Each put is reported once, against the highest earlier
   * acknowledgement.
   */
  readonly realTimeRegressions: { previous: AcknowledgedWrite; next: AcknowledgedWrite }[];
  readonly ambiguousPresent: number;
  readonly ambiguousAbsent: number;
  readonly summary: string;
}

/** Compares `observed` (the keys under the ledger's prefix, e.g. from `readLedgerKeys`) with the ledger. */
export function checkLedger(
  ledger: Ledger,
  observed: readonly ObservedKey[],
  options: CheckLedgerOptions = {},
): LedgerCheck {
  const bound = options.upToRevision;
  const observedByKey = new Map(observed.map((entry) => [entry.key, entry]));
  const acknowledgedKeys = new Set<string>();
  const missing: AcknowledgedWrite[] = [];
  const wrongValue: LedgerCheck['wrongValue'] = [];
  const revisionMismatch: LedgerCheck['revisionMismatch'] = [];
  const presentAfterBound: ObservedKey[] = [];
  let acknowledgedExpected = 0;
  let present = 0;

  for (const write of ledger.acknowledged) {
    acknowledgedKeys.add(write.key);
    const found = observedByKey.get(write.key);
    if (bound !== undefined && write.revision > bound) {
      if (found) presentAfterBound.push(found);
      continue;
    }
    acknowledgedExpected++;
    if (!found) {
      missing.push(write);
      continue;
    }
    present++;
    if (found.value !== write.value) wrongValue.push({ write, observedValue: found.value });
    if (found.modRevision !== write.revision) {
      revisionMismatch.push({ write, observedModRevision: found.modRevision });
    }
  }

  // An ambiguous put may or may not have applied: present with its own value or absent, both fine.
  const ambiguousValueByKey = new Map(ledger.ambiguous.map((write) => [write.key, write.value]));
  let ambiguousPresent = 0;
  const unexpected: ObservedKey[] = [];
  for (const entry of observed) {
    if (acknowledgedKeys.has(entry.key)) continue;
    if (ambiguousValueByKey.get(entry.key) === entry.value) ambiguousPresent++;
    else unexpected.push(entry);
  }

  const revisionRegressions = findWriterRegressions(ledger.acknowledged);
  const realTimeRegressions = findRealTimeRegressions(ledger.acknowledged);
  const ok =
    missing.length === 0 &&
    wrongValue.length === 0 &&
    unexpected.length === 0 &&
    revisionMismatch.length === 0 &&
    revisionRegressions.length === 0 &&
    realTimeRegressions.length === 0 &&
    !(options.expectAbsentAfterBound && presentAfterBound.length > 0);
  const ambiguousAbsent = ledger.ambiguous.length - ambiguousPresent;

  const problems = [
    `${missing.length} missing`,
    `${wrongValue.length} with a wrong value`,
    `${unexpected.length} unexpected keys`,
    `${revisionMismatch.length} revision mismatches`,
    `${revisionRegressions.length + realTimeRegressions.length} revision regressions`,
  ];
  const boundText =
    bound === undefined
      ? ''
      : `; bound at revision ${bound}: ${presentAfterBound.length} of ${ledger.acknowledged.length - acknowledgedExpected} later acknowledged writes present`;
  const summary =
    `${ok ? 'ok' : 'FAILED'}: ${present} of ${acknowledgedExpected} acknowledged writes present; ` +
    `${problems.join(', ')}; ambiguous: ${ambiguousPresent} present, ${ambiguousAbsent} absent${boundText}`;

  return {
    ok,
    acknowledgedExpected,
    present,
    missing,
    wrongValue,
    unexpected,
    presentAfterBound,
    revisionMismatch,
    revisionRegressions,
    realTimeRegressions,
    ambiguousPresent,
    ambiguousAbsent,
    summary,
  };
}

function findWriterRegressions(
  acknowledged: readonly AcknowledgedWrite[],
): LedgerCheck['revisionRegressions'] {
  const byWriter = new Map<number, AcknowledgedWrite[]>();
  for (const write of acknowledged) {
    const writes = byWriter.get(write.writer);
    if (writes) writes.push(write);
    else byWriter.set(write.writer, [write]);
  }
  const regressions: LedgerCheck['revisionRegressions'] = [];
  for (const [writer, writes] of byWriter) {
    writes.sort((left, right) => left.seq - right.seq);
    for (let index = 1; index < writes.length; index++) {
      const previous = writes[index - 1] as AcknowledgedWrite;
      const next = writes[index] as AcknowledgedWrite;
      if (next.revision <= previous.revision) regressions.push({ writer, previous, next });
    }
  }
  return regressions;
}

function findRealTimeRegressions(
  acknowledged: readonly AcknowledgedWrite[],
): LedgerCheck['realTimeRegressions'] {
  const byAck = [...acknowledged].sort((left, right) => left.ackAt - right.ackAt);
  const bySend = [...acknowledged].sort((left, right) => left.sentAt - right.sentAt);
  const regressions: LedgerCheck['realTimeRegressions'] = [];
  let highest: AcknowledgedWrite | undefined;
  let ackIndex = 0;
  for (const next of bySend) {
    // Everything acknowledged strictly before `next` was sent (whole ms apart: no tie can be misordered).
    while (ackIndex < byAck.length && (byAck[ackIndex] as AcknowledgedWrite).ackAt < next.sentAt) {
      const candidate = byAck[ackIndex] as AcknowledgedWrite;
      if (!highest || candidate.revision > highest.revision) highest = candidate;
      ackIndex++;
    }
    if (highest && highest.writer !== next.writer && next.revision <= highest.revision) {
      regressions.push({ previous: highest, next });
    }
  }
  return regressions;
}
