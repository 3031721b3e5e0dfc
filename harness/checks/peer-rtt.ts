// Check of the peer-RTT claim: put latency and throughput as the round trip between members grows (Toxiproxy
// latency on every peer proxy). Every write the leader serves waits for one follower's acknowledgement, so no put
// can be faster than the round trip; the curve shows where the guide's 10 ms starts to cost. Pure function over what
// the peer-rtt scenario recorded.
import { type CheckOutcome, measure, outcomeWith } from '../findings/finding.js';

export interface RttStep {
  /** Round trip added between every pair of members (half of it on each direction's peer proxy). */
  readonly rttMs: number;
  readonly puts: number;
  readonly putsPerSecond: number;
  /** The fastest put: a lower bound no commit can beat. */
  readonly minMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface PeerRttRecord {
  readonly inFlight: number;
  readonly steps: readonly RttStep[];
}

/**
 * The fastest put at an added round trip r must take at least this share of r: a commit needs the leader's append to
 * reach a follower and its answer to come back, each through a proxy that holds every chunk for its half of r, so
 * no put can be faster than r. The median is no such bound: under a closed-loop load the baseline's latency is mostly
 * queueing behind the fsync of the batch in progress, which the round trip overlaps (measured at 16 in flight on
 * 3.6.16: +6.5 ms and +9.1 ms median for 10 ms RTT in two runs). 0.9 leaves room for timer granularity.
 */
export const RTT_SHARE = 0.9;
/** Where the curve bends: the first RTT at which throughput falls below this share of the baseline. */
export const KNEE_THROUGHPUT_SHARE = 0.5;

export function kneeOf(record: PeerRttRecord): number | undefined {
  const baseline = record.steps.find((step) => step.rttMs === 0);
  if (!baseline) return undefined;
  return record.steps
    .filter((step) => step.rttMs > 0)
    .sort((a, b) => a.rttMs - b.rttMs)
    .find((step) => step.putsPerSecond < KNEE_THROUGHPUT_SHARE * baseline.putsPerSecond)?.rttMs;
}

export function checkPeerRtt(record: PeerRttRecord): CheckOutcome {
  const base = {
    claim: 'network.peer-rtt' as const,
    check: 'no put is faster than the peer RTT',
    environmentDependent: true,
  };
  const steps = [...record.steps].sort((a, b) => a.rttMs - b.rttMs);
  const baseline = steps.find((step) => step.rttMs === 0);
  const knee = kneeOf(record);
  const expected = `at each added RTT r: the fastest put ≥ ${RTT_SHARE} × r (a commit waits one round trip); the knee is the first r where throughput < ${KNEE_THROUGHPUT_SHARE * 100} % of the baseline`;
  const observed = steps
    .map(
      (step) =>
        `${step.rttMs} ms: min ${step.minMs.toFixed(1)} ms, p50 ${step.p50Ms.toFixed(1)} ms, p99 ${step.p99Ms.toFixed(1)} ms, ${step.putsPerSecond.toFixed(0)} puts/s`,
    )
    .concat(knee === undefined ? ['no knee within the steps'] : [`knee at ${knee} ms RTT`])
    .join('; ');
  const measurements = steps.flatMap((step) => [
    measure(`min at ${step.rttMs} ms RTT`, step.minMs, 'ms'),
    measure(`p50 at ${step.rttMs} ms RTT`, step.p50Ms, 'ms'),
    measure(`p99 at ${step.rttMs} ms RTT`, step.p99Ms, 'ms'),
    measure(`puts/s at ${step.rttMs} ms RTT`, step.putsPerSecond, 'puts/s'),
  ]);
  if (knee !== undefined) measurements.push(measure('knee (throughput < half)', knee, 'ms'));
  const outcome = outcomeWith({ ...base, expected, observed, measurements });
  if (!baseline || steps.length < 2 || steps.some((step) => step.puts < 20))
    return outcome(
      'inconclusive',
      `${!baseline ? 'no baseline step (0 ms)' : steps.length < 2 ? 'only one step' : 'a step acknowledged fewer than 20 puts'}: nothing to compare`,
    );
  const short = steps.filter((step) => step.rttMs > 0 && step.minMs < RTT_SHARE * step.rttMs);
  const at10 = steps.find((step) => step.rttMs === 10);
  return outcome(
    short.length === 0 ? 'pass' : 'fail',
    short.length === 0
      ? `no put beat the added round trip (fastest ${steps
          .filter((step) => step.rttMs > 0)
          .map((step) => `${step.minMs.toFixed(1)} ms at ${step.rttMs} ms`)
          .join(
            ', ',
          )})${at10 ? ` (at the guide's 10 ms: p50 ${at10.p50Ms.toFixed(1)} ms, p99 ${at10.p99Ms.toFixed(1)} ms, ${((at10.putsPerSecond / baseline.putsPerSecond) * 100).toFixed(0)} % of the baseline throughput)` : ''}${knee === undefined ? '' : `; throughput halves from ${knee} ms`}`
      : `puts finished faster than the added RTT at ${short.map((step) => `${step.rttMs} ms (fastest ${step.minMs.toFixed(1)} ms)`).join(', ')}: the latency toxic did not reach the raft path`,
  );
}
