// The scenario behind `etcd-chaos tune`, built from the command's input: every heartbeat/election pair (etcd's
// defaults, the user's own, the guide's, the pair etcd's rule gives for the profile, and any given) measured on a fresh
// cluster under the same replayed profile, then a recommendation and the comparisons with etcd's defaults. Its table
// and chart are in every report format.
import { checkFailoverCost, checkTuningChurn, type TuningRow } from '../checks/tuning.js';
import { InputError } from '../errors.js';
import { defineScenario, type ScenarioDefinition } from '../scenario/types.js';
import { MEASURED_PAIR_COLUMNS, measuredPairCells, measurePair, type TimingPair } from './measure-pair.js';
import type { EnvironmentProfile } from './profiles.js';
import { derivedPair, recommendationOutcome, recommendPair } from './recommend.js';
import { profilePlan } from './replay.js';

export const ETCD_DEFAULT_PAIR: TimingPair = {
  label: 'etcd defaults',
  heartbeatIntervalMs: 100,
  electionTimeoutMs: 1000,
};
export const GUIDE_PAIR: TimingPair = {
  label: 'guide-tuned',
  heartbeatIntervalMs: 500,
  electionTimeoutMs: 5000,
};

/** `250/2500` → a pair; InputError quoting anything else. */
export function parsePair(text: string): TimingPair {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!match)
    throw new InputError(`Expected a pair as heartbeat/election in ms (e.g. 500/5000), got \`${text}\`.`);
  const heartbeat = Number(match[1]);
  const election = Number(match[2]);
  if (heartbeat < 1 || election < 5 * heartbeat || election > 50_000)
    throw new InputError(
      `Expected a pair etcd accepts (heartbeat ≥ 1, 5 × heartbeat ≤ election ≤ 50000), got \`${text}\`: etcd would say "--election-timeout[${election}ms] should be at least as 5 times as --heartbeat-interval[${heartbeat}ms]" or that it is too long.`,
    );
  return {
    label: `pair ${heartbeat}/${election}`,
    heartbeatIntervalMs: heartbeat,
    electionTimeoutMs: election,
  };
}

/** The pair the user's flags set (manifest, --flag), etcd's default for the one they leave out; none if neither. */
export function pairFromFlags(
  flags: Readonly<Record<string, string>>,
  label: string,
): TimingPair | undefined {
  if (flags['heartbeat-interval'] === undefined && flags['election-timeout'] === undefined) return undefined;
  return {
    label,
    heartbeatIntervalMs: Number(flags['heartbeat-interval'] ?? ETCD_DEFAULT_PAIR.heartbeatIntervalMs),
    electionTimeoutMs: Number(flags['election-timeout'] ?? ETCD_DEFAULT_PAIR.electionTimeoutMs),
  };
}

/** The pairs in order, each heartbeat/election combination once (its first label wins). */
export function uniquePairs(pairs: readonly TimingPair[]): TimingPair[] {
  return pairs.filter(
    (pair, index) =>
      pairs.findIndex(
        (other) =>
          other.heartbeatIntervalMs === pair.heartbeatIntervalMs &&
          other.electionTimeoutMs === pair.electionTimeoutMs,
      ) === index,
  );
}

/** Defaults first (the baseline of the comparisons), then yours, the guide's, the profile's rule, the extra ones. */
export function sweepPairs(
  profile: EnvironmentProfile,
  yours: TimingPair | undefined,
  extra: readonly TimingPair[],
): TimingPair[] {
  return uniquePairs([
    ETCD_DEFAULT_PAIR,
    ...(yours ? [yours] : []),
    GUIDE_PAIR,
    derivedPair(profile),
    ...extra,
  ]);
}

export interface TuneInput {
  readonly profile: EnvironmentProfile;
  readonly pairs: readonly TimingPair[];
  /** The user's current pair (from the manifest or --flag), highlighted; etcd's defaults when none. */
  readonly current: TimingPair;
  /** How often the profile's stall cycle is replayed per pair. */
  readonly cycles: number;
}

export function tuneScenario(input: TuneInput): ScenarioDefinition {
  return defineScenario({
    id: 'tune',
    title: `Heartbeat/election sweep under the ${input.profile.name} profile`,
    claims: ['tuning.recommendation', 'tuning.churn', 'tuning.failover-cost'],
    params: {},
    timeoutMs: { quick: 60 * 60_000, full: 60 * 60_000 },
    async run(ctx) {
      const { profile } = input;
      const rows: TuningRow[] = [];
      for (const pair of input.pairs) {
        ctx.step(
          `${pair.label} (${pair.heartbeatIntervalMs}/${pair.electionTimeoutMs} ms) under ${profile.name}: RTT ${profile.peerRttMs}±${profile.peerJitterMs} ms, fsync +${profile.fsync.baseMs} ms, stalls ${profile.fsync.stallsMs.join('/')} ms × ${input.cycles}`,
        );
        rows.push(await measurePair(ctx, pair, profilePlan(profile, input.cycles), { writers: 2 }));
      }
      const recommendation = recommendPair(profile, rows);
      await ctx.evidence.json('tune.json', {
        profile,
        rows,
        recommendation: { ...recommendation, silenceMs: undefined },
      });
      const isCurrent = (row: TuningRow) =>
        row.heartbeatIntervalMs === input.current.heartbeatIntervalMs &&
        row.electionTimeoutMs === input.current.electionTimeoutMs;
      ctx.table({
        name: `Tuning sweep under the ${profile.name} profile`,
        columns: [...MEASURED_PAIR_COLUMNS, "etcd's rule", 'margin', 'verdict'],
        rows: rows.map((row, index) => {
          const assessment = recommendation.assessments[index]!;
          const mark =
            assessment === recommendation.recommended
              ? 'RECOMMENDED'
              : assessment.eligible
                ? 'eligible'
                : assessment.why;
          return [
            ...measuredPairCells(row, `${row.label}${isCurrent(row) ? ' ← yours' : ''}`),
            assessment.etcdRule ? 'yes' : 'no',
            assessment.margin ? 'yes' : 'no',
            mark,
          ];
        }),
        chart: { columns: ['per minute', 'failover s', 'put p99 ms'] },
        note: `${profile.description}. Replayed: peer RTT ${profile.peerRttMs}±${profile.peerJitterMs} ms (half each way on every peer link), +${profile.fsync.baseMs} ms on every follower fsync, fsync stalls of ${profile.fsync.stallsMs.join(', ')} ms on the leader every ${profile.fsync.stallIntervalMs} ms, ${input.cycles} cycle(s); failover = time from pausing the leader to a new leader. ${recommendation.rule}`,
      });
      ctx.report(recommendationOutcome(recommendation, input.current));
      const defaults = rows[0]!;
      for (const row of rows.slice(1)) {
        ctx.report(checkTuningChurn(defaults, row));
        ctx.report(checkFailoverCost(defaults, row));
      }
    },
  }) as unknown as ScenarioDefinition;
}
