// Checks of the quorum claims: a 3-member cluster losing one member, then two. Pure functions over what the quorum
// scenario recorded (the ledger, probe outcomes, recovery times).
import { type CheckOutcome, type Measurement, measure, outcomeWith } from '../findings/finding.js';
import type { AcknowledgedWrite, Ledger } from '../workload/ledger.js';
import type { LedgerCheck } from '../workload/ledger-check.js';
import { perSecond } from '../workload/windows.js';

/** A time range `[from, to)`, epoch ms. */
export interface Span {
  readonly from: number;
  readonly to: number;
}

export interface OneLossRecord {
  /** The whole run's ledger (writers spread over every member). */
  readonly ledger: Ledger;
  /** The member that was lost. */
  readonly lost: string;
  /** What it was when lost: names the check, which must not change with which member happened to lead. */
  readonly lostRole: 'leader' | 'follower';
  /** The members that stayed up. */
  readonly survivors: readonly string[];
  /** Writes before the loss (the baseline). */
  readonly before: Span;
  /** The member was down for this span. */
  readonly during: Span;
  /**
   * The longest acceptable time without any acknowledged write through the survivors while the member is down
   * (losing a follower: no pause at all beyond a slow put; losing the leader: an election).
   */
  readonly maxGapMs: number;
  /**
   * Once writes resumed after the loss (the first acknowledgement in `during`), the survivors' acknowledged puts/s
   * must be at least this fraction of theirs before it. The pause itself is judged by `maxGapMs`.
   */
  readonly minRateRatio: number;
  /** The whole run's ledger compared with the cluster at the end. */
  readonly ledgerCheck: LedgerCheck;
}

/** Default: the survivors keep at least a quarter of their own throughput (a CPU-starved machine still passes). */
export const ONE_LOSS_MIN_RATE_RATIO = 0.25;

export function checkOneLoss(record: OneLossRecord): CheckOutcome {
  const base = {
    claim: 'quorum.one-loss' as const,
    check: `writes through the surviving members with a ${record.lostRole} lost`,
  };
  const survivors = new Set(record.survivors);
  const onSurvivors = record.ledger.acknowledged.filter(
    (write) => write.member !== undefined && survivors.has(write.member),
  );
  const ackedIn = (span: Span) =>
    onSurvivors.filter((write) => write.ackAt >= span.from && write.ackAt < span.to);
  const before = ackedIn(record.before);
  const during = ackedIn(record.during);
  const rateBefore = perSecond(before.length, record.before.from, record.before.to);
  const rateDuring = perSecond(during.length, record.during.from, record.during.to);
  // The sustained rate: from the first acknowledgement after the loss (an election pause is the gap's business).
  const resumedAt = Math.min(...during.map((write) => write.ackAt));
  const rateResumed = during.length > 1 ? perSecond(during.length, resumedAt, record.during.to) : 0;
  const ratio = rateBefore > 0 ? rateResumed / rateBefore : Number.NaN;
  const gapMs = longestGap(during, record.during);
  const failuresOnSurvivors = [...record.ledger.failed, ...record.ledger.ambiguous].filter(
    (write) =>
      write.member !== undefined &&
      survivors.has(write.member) &&
      write.failedAt >= record.during.from &&
      write.failedAt < record.during.to,
  );
  const lossDuring = record.ledgerCheck.missing.filter(
    (write) => write.ackAt >= record.during.from && write.ackAt < record.during.to,
  ).length;
  const durationMs = record.during.to - record.during.from;
  const expected = `through ${record.survivors.join(', ')}: acknowledged puts/s during the loss (once resumed) ≥ ${Math.round(record.minRateRatio * 100)} % of before, no pause longer than ${record.maxGapMs} ms, no acknowledged write lost`;
  const observed =
    `survivors: ${rateBefore.toFixed(0)} puts/s before, ${rateDuring.toFixed(0)} puts/s over ${(durationMs / 1000).toFixed(1)} s without ${record.lost} ` +
    `(${rateResumed.toFixed(0)} puts/s once resumed, ratio ${Number.isFinite(ratio) ? ratio.toFixed(2) : 'n/a'}), longest pause ${gapMs} ms, ${failuresOnSurvivors.length} failed or ambiguous puts on survivors; ` +
    `ledger: ${record.ledgerCheck.summary}`;
  const measurements: Measurement[] = [
    measure('survivor puts/s before', rateBefore, 'puts/s'),
    measure('survivor puts/s during', rateDuring, 'puts/s'),
    measure('survivor puts/s once resumed', rateResumed, 'puts/s'),
    measure('resumed/before ratio', ratio, 'ratio'),
    measure('longest pause during', gapMs, 'ms'),
    measure('acknowledged during', during.length, 'count'),
    measure('failed or ambiguous on survivors during', failuresOnSurvivors.length, 'count'),
    measure('acknowledged writes missing', record.ledgerCheck.missing.length, 'count'),
  ];
  const outcome = outcomeWith({ ...base, expected, observed, measurements });
  if (before.length === 0) {
    return outcome(
      'inconclusive',
      'no write was acknowledged through the survivors before the loss: there is no baseline to compare with',
    );
  }
  const problems: string[] = [];
  if (during.length === 0)
    problems.push(`no write was acknowledged through the survivors while ${record.lost} was down`);
  else if (ratio < record.minRateRatio)
    problems.push(
      `the survivors' throughput fell to ${(ratio * 100).toFixed(0)} % of before (${rateResumed.toFixed(0)} vs ${rateBefore.toFixed(0)} puts/s)`,
    );
  if (during.length > 0 && gapMs > record.maxGapMs)
    problems.push(`writes paused for ${gapMs} ms (allowed ${record.maxGapMs} ms)`);
  if (!record.ledgerCheck.ok)
    problems.push(
      `the ledger check failed (${lossDuring} of the missing writes were acknowledged during the loss): ${record.ledgerCheck.summary}`,
    );
  return outcome(
    problems.length === 0 ? 'pass' : 'fail',
    problems.length === 0
      ? `with ${record.lost} down, the two survivors kept acknowledging writes at ${(ratio * 100).toFixed(0)} % of their earlier rate (longest pause ${gapMs} ms), and every acknowledged write is present`
      : problems.join('; '),
  );
}

/** The longest time in `span` without an acknowledgement (edges included: from the start, until the end). */
function longestGap(writes: readonly AcknowledgedWrite[], span: Span): number {
  const times = writes.map((write) => write.ackAt).sort((a, b) => a - b);
  let previous = span.from;
  let longest = 0;
  for (const at of times) {
    longest = Math.max(longest, at - previous);
    previous = at;
  }
  return Math.max(longest, span.to - previous);
}

/** What one request sent to the remaining member did. */
export interface ProbeOutcome {
  readonly ok: boolean;
  readonly durationMs: number;
  /** For a failure: the classified outcome (`harness/etcd-errors.ts`). */
  readonly failure?: {
    readonly kind: 'definite' | 'ambiguous';
    readonly reason: string;
    readonly message: string;
  };
  /** For a successful read: the value read (null: key absent). */
  readonly value?: string | null;
}

export interface TwoLossRecord {
  readonly lost: readonly string[];
  readonly remaining: string;
  /** Deadline given to each probe. */
  readonly callTimeoutMs: number;
  readonly linearizablePut: ProbeOutcome;
  readonly linearizableGet: ProbeOutcome;
  readonly serializableGet: ProbeOutcome;
  /** The value the serializable read must return: the last write acknowledged by the remaining member. */
  readonly expectedValue: string;
  /**
   * From the second loss until the remaining member reported no leader (a leader without quorum steps down at its
   * next quorum check); undefined when it did not within the harness's bound. Reported, not judged.
   */
  readonly leaderlessAfterMs?: number;
  readonly recovery: RecoveryRecord;
  readonly ledgerCheck: LedgerCheck;
}

export interface RecoveryRecord {
  /** The member started again. */
  readonly returned: string;
  /** From its start to the remaining member and it reporting healthy (undefined: not within the bound). */
  readonly healthyAfterMs: number | undefined;
  /** From its start to the first acknowledged write through the remaining member (undefined: none within the bound). */
  readonly firstWriteAfterMs: number | undefined;
  /** How long the harness waited at most. */
  readonly boundMs: number;
  /** Ledger writes acknowledged after the member returned. */
  readonly ledgerWritesAfter: number;
  /** Why recovery could not be measured (start failed, ...). */
  readonly error?: string;
}

/**
 * Reasons that mean "no quorum": the request timed out (client deadline, or etcd's own request timeout) or etcd
 * said it has no leader. Anything else (refused before sending, a definite error) is not what losing quorum does.
 */
export const NO_QUORUM_REASONS: ReadonlySet<string> = new Set([
  'deadline-exceeded',
  'timed-out',
  'no-leader',
]);

export function checkTwoLoss(record: TwoLossRecord): CheckOutcome {
  const base = {
    claim: 'quorum.two-loss' as const,
    // Member names vary with who led at the time: they are in the expectation and the observation, not the check.
    check: 'two of three members lost: requests to the remaining one, then one returns',
  };
  const problems: string[] = [];
  const mustFail = (what: string, probe: ProbeOutcome) => {
    if (probe.ok) problems.push(`${what} succeeded without quorum (in ${probe.durationMs} ms)`);
    else if (!probe.failure || !NO_QUORUM_REASONS.has(probe.failure.reason))
      problems.push(
        `${what} failed, but not by timing out for lack of quorum: ${probe.failure?.kind ?? 'unknown'} ${probe.failure?.reason ?? ''} "${probe.failure?.message ?? ''}" after ${probe.durationMs} ms of a ${record.callTimeoutMs} ms deadline`,
      );
  };
  mustFail('a linearizable put', record.linearizablePut);
  mustFail('a linearizable get', record.linearizableGet);
  const serializable = record.serializableGet;
  if (!serializable.ok)
    problems.push(
      `a serializable get failed: ${serializable.failure?.reason ?? 'unknown'} "${serializable.failure?.message ?? ''}"`,
    );
  else if (serializable.value !== record.expectedValue)
    problems.push(
      `a serializable get answered ${JSON.stringify(serializable.value)} instead of the last acknowledged value ${JSON.stringify(record.expectedValue)}`,
    );
  const recovery = record.recovery;
  if (recovery.error) problems.push(`recovery failed: ${recovery.error}`);
  else {
    if (recovery.firstWriteAfterMs === undefined)
      problems.push(`no write succeeded within ${recovery.boundMs} ms of ${recovery.returned} returning`);
    if (recovery.healthyAfterMs === undefined)
      problems.push(
        `${record.remaining} and ${recovery.returned} were not healthy within ${recovery.boundMs} ms`,
      );
    if (recovery.ledgerWritesAfter === 0)
      problems.push('the ledger writers acknowledged no write after the member returned');
  }
  if (!record.ledgerCheck.ok) problems.push(`the ledger check failed: ${record.ledgerCheck.summary}`);
  const describe = (probe: ProbeOutcome) =>
    probe.ok
      ? `ok in ${probe.durationMs} ms${probe.value !== undefined ? ` (${JSON.stringify(probe.value)})` : ''}`
      : `failed after ${probe.durationMs} ms: ${probe.failure?.reason} "${probe.failure?.message}"`;
  const ms = (value: number | undefined) => (value === undefined ? 'never' : `${value} ms`);
  return {
    ...base,
    verdict: problems.length === 0 ? 'pass' : 'fail',
    reason:
      problems.length === 0
        ? `without quorum, linearizable requests timed out and the serializable read answered from ${record.remaining}'s local store; with ${recovery.returned} back, writes resumed after ${ms(recovery.firstWriteAfterMs)} and every acknowledged write is present (ambiguous writes are never counted lost)`
        : problems.join('; '),
    expected: `with ${record.lost.join(', ')} down (deadline ${record.callTimeoutMs} ms): linearizable put and get fail with a timeout or "no leader"; serializable get returns ${JSON.stringify(record.expectedValue)}; after ${recovery.returned} returns, writes succeed within ${recovery.boundMs} ms; no acknowledged write lost`,
    observed:
      `put: ${describe(record.linearizablePut)}; get: ${describe(record.linearizableGet)}; serializable get: ${describe(serializable)}; ` +
      `${record.remaining} ${record.leaderlessAfterMs === undefined ? 'still named a leader when the wait ended' : `reported no leader ${record.leaderlessAfterMs} ms after the second loss`}; ` +
      `${recovery.returned} back: healthy after ${ms(recovery.healthyAfterMs)}, first write after ${ms(recovery.firstWriteAfterMs)}, ${recovery.ledgerWritesAfter} ledger writes acknowledged after; ` +
      `ledger: ${record.ledgerCheck.summary}`,
    measurements: [
      measure('linearizable put failed after', record.linearizablePut.durationMs, 'ms'),
      measure('linearizable get failed after', record.linearizableGet.durationMs, 'ms'),
      measure('serializable get latency', serializable.durationMs, 'ms'),
      ...(record.leaderlessAfterMs === undefined
        ? []
        : [measure('remaining member without a leader after', record.leaderlessAfterMs, 'ms')]),
      ...(recovery.healthyAfterMs === undefined
        ? []
        : [measure('healthy after the member returned', recovery.healthyAfterMs, 'ms')]),
      ...(recovery.firstWriteAfterMs === undefined
        ? []
        : [measure('first write after the member returned', recovery.firstWriteAfterMs, 'ms')]),
      measure('ledger writes after recovery', recovery.ledgerWritesAfter, 'count'),
      measure('acknowledged writes missing', record.ledgerCheck.missing.length, 'count'),
      measure('ambiguous writes present', record.ledgerCheck.ambiguousPresent, 'count'),
      measure('ambiguous writes absent', record.ledgerCheck.ambiguousAbsent, 'count'),
    ],
  };
}
