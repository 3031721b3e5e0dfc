// Check of the peer-RTT claim: put latency and throughput as the round trip between members grows (Toxiproxy
// latency on every peer proxy). Every write the leader serves waits for one follower's acknowledgement, so its
// latency must grow by at least the round trip; the curve shows where the guide's 10 ms starts to cost. Pure
// function over what the peer-rtt scenario recorded.
import { type CheckOutcome, measure } from '../findings/finding.js';

export interface RttStep {
  /** Round trip added between every pair of members (half of it on each direction's peer proxy). */
  readonly rttMs: number;
  readonly puts: number;
  readonly putsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface PeerRttRecord {
  readonly inFlight: number;
  readonly steps: readonly RttStep[];
}

/**
 * How much of an added round trip a put's median latency must show: a commit needs one round trip to a follower,
 * and the toxic adds it to every message, so the increase is at least the RTT; 0.8 of it leaves room for the
 * baseline's own variation (MEASURED-TODO).
 */
export const RTT_SHARE = 0.8;
/** Slack for the baseline median's own noise on a busy machine. */
export const RTT_SLACK_MS = 1;
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
    check: 'put latency grows by at least the peer RTT',
    environmentDependent: true,
  };
  const steps = [...record.steps].sort((a, b) => a.rttMs - b.rttMs);
  const baseline = steps.find((step) => step.rttMs === 0);
  const knee = kneeOf(record);
  const expected = `at each added RTT r: median put latency ≥ baseline + ${RTT_SHARE} × r − ${RTT_SLACK_MS} ms (a commit waits one round trip); the knee is the first r where throughput < ${KNEE_THROUGHPUT_SHARE * 100} % of the baseline`;
  const observed = steps
    .map(
      (step) =>
        `${step.rttMs} ms: p50 ${step.p50Ms.toFixed(1)} ms, p99 ${step.p99Ms.toFixed(1)} ms, ${step.putsPerSecond.toFixed(0)} puts/s`,
    )
    .concat(knee === undefined ? ['no knee within the steps'] : [`knee at ${knee} ms RTT`])
    .join('; ');
  const measurements = steps.flatMap((step) => [
    measure(`p50 at ${step.rttMs} ms RTT`, step.p50Ms, 'ms'),
    measure(`p99 at ${step.rttMs} ms RTT`, step.p99Ms, 'ms'),
    measure(`puts/s at ${step.rttMs} ms RTT`, step.putsPerSecond, 'puts/s'),
  ]);
  if (knee !== undefined) measurements.push(measure('knee (throughput < half)', knee, 'ms'));
  if (!baseline || steps.length < 2 || steps.some((step) => step.puts < 20))
    return {
      ...base,
      verdict: 'inconclusive',
      reason: `${!baseline ? 'no baseline step (0 ms)' : steps.length < 2 ? 'only one step' : 'a step acknowledged fewer than 20 puts'}: nothing to compare`,
      expected,
      observed,
      measurements,
    };
  const short = steps.filter(
    (step) => step.rttMs > 0 && step.p50Ms - baseline.p50Ms < RTT_SHARE * step.rttMs - RTT_SLACK_MS,
  );
  const at10 = steps.find((step) => step.rttMs === 10);
  return {
    ...base,
    verdict: short.length === 0 ? 'pass' : 'fail',
    reason:
      short.length === 0
        ? `every added round trip showed in the median put latency${at10 ? ` (at the guide's 10 ms: p50 ${at10.p50Ms.toFixed(1)} ms, p99 ${at10.p99Ms.toFixed(1)} ms, ${((at10.putsPerSecond / baseline.putsPerSecond) * 100).toFixed(0)} % of the baseline throughput)` : ''}${knee === undefined ? '' : `; throughput halves from ${knee} ms`}`
        : `the median put latency grew less than the added RTT at ${short.map((step) => `${step.rttMs} ms (+${(step.p50Ms - baseline.p50Ms).toFixed(1)} ms)`).join(', ')}: the latency toxic did not reach the raft path`,
    expected,
    observed,
    measurements,
  };
}
