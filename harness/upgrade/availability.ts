// Write availability of a rehearsal, per step, from the ledger's acknowledgement and failure timestamps (pure): the
// share of puts that succeeded in each step, and the longest stretch with no acknowledged put at all that overlaps
// the step (an outage). The stretch is measured whole, from the last acknowledgement before it to the first after, so
// a step is judged by the outage it was part of, not by whether a write happened to land inside a short step.
import type { Ledger } from '../workload/ledger.js';

/** One step of a rehearsal (a member swap, the downgrade enable, ...) and when it ran. */
export interface RehearsalStep {
  readonly name: string;
  /** The member this step acted on, when it acted on one. */
  readonly member?: string;
  /** Epoch ms. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** The release the member ran before and after (member swaps). */
  readonly fromVersion?: string;
  readonly toVersion?: string;
  /** What went wrong, when the step did not complete (e.g. the member exited). */
  readonly error?: string;
}

export interface StepAvailability {
  readonly step: string;
  readonly durationMs: number;
  readonly acknowledged: number;
  readonly failed: number;
  readonly ambiguous: number;
  /** acknowledged / all outcomes in the step, 0..1 (NaN when no put ended in the step). */
  readonly successShare: number;
  /**
   * The longest gap between consecutive acknowledgements that overlaps the step, whole (it may begin before the step
   * and end after it), ms. The ledger's start and end bound the first and last gap. A 25 ms step with no
   * acknowledgement inside but acknowledgements 10 ms on either side has a 45 ms gap; a step inside a 6 s outage has
   * a 6 s gap, however short the step.
   */
  readonly longestGapMs: number;
  /** Where that gap began and ended (epoch ms). */
  readonly longestGap: { readonly from: number; readonly to: number };
}

export interface AvailabilityReport {
  readonly steps: readonly StepAvailability[];
  /** Over the whole rehearsal (first step start to last step end). */
  readonly overall: StepAvailability;
  /** The longest gap between two acknowledgements anywhere in the rehearsal, with where it started. */
  readonly longestOutage: { readonly ms: number; readonly from: number; readonly to: number };
}

/** Availability of each step (outcomes counted by the time they ended: acknowledged or failed). */
export function availabilityByStep(ledger: Ledger, steps: readonly RehearsalStep[]): AvailabilityReport {
  const acks = ledger.acknowledged.map((write) => write.ackAt).sort((a, b) => a - b);
  const failures = ledger.failed.map((write) => write.failedAt);
  const ambiguous = ledger.ambiguous.map((write) => write.failedAt);
  // Every gap between acknowledgements, the ledger's start and end closing the first and the last.
  const boundaries = [Math.min(ledger.startedAt, acks[0] ?? ledger.startedAt), ...acks, ledger.endedAt];
  const of = (name: string, from: number, to: number): StepAvailability => {
    const inside = (at: number) => at >= from && at < to;
    const acknowledged = acks.filter(inside).length;
    const failed = failures.filter(inside).length;
    const unknown = ambiguous.filter(inside).length;
    const total = acknowledged + failed + unknown;
    const gap = longestGapOverlapping(boundaries, from, to);
    return {
      step: name,
      durationMs: to - from,
      acknowledged,
      failed,
      ambiguous: unknown,
      successShare: total === 0 ? Number.NaN : acknowledged / total,
      longestGapMs: gap.ms,
      longestGap: { from: gap.from, to: gap.to },
    };
  };
  const start = Math.min(...steps.map((step) => step.startedAt));
  const end = Math.max(...steps.map((step) => step.endedAt));
  const overallAcks = acks.filter((at) => at >= start && at < end);
  return {
    steps: steps.map((step) => of(step.name, step.startedAt, step.endedAt)),
    overall: of('whole rehearsal', start, end),
    longestOutage: longestGap([start, ...overallAcks, end]),
  };
}

/** The longest gap between consecutive `sortedTimes` whose span overlaps [from, to], whole (not cut at the step). */
function longestGapOverlapping(
  sortedTimes: readonly number[],
  from: number,
  to: number,
): { ms: number; from: number; to: number } {
  let best = { ms: 0, from, to: from };
  for (let index = 1; index < sortedTimes.length; index++) {
    const start = sortedTimes[index - 1] as number;
    const end = sortedTimes[index] as number;
    if (start < to && end > from && end - start > best.ms) best = { ms: end - start, from: start, to: end };
  }
  return best;
}

function longestGap(sortedTimes: readonly number[]): { ms: number; from: number; to: number } {
  let best = { ms: 0, from: sortedTimes[0] ?? 0, to: sortedTimes[0] ?? 0 };
  for (let index = 1; index < sortedTimes.length; index++) {
    const from = sortedTimes[index - 1] as number;
    const to = sortedTimes[index] as number;
    if (to - from > best.ms) best = { ms: to - from, from, to };
  }
  return best;
}
