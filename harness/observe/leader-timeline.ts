// Who leads the cluster over time, sampled often enough to time a failover, and what the samples say afterwards.
import type { ClusterMember, StartedCluster } from '../cluster/types.js';
import { logger } from '../log.js';
import { sleep } from '../util/wait.js';
import { METRIC, type MetricsSnapshot } from './metrics.js';
import { type MemberStatus, readIfRunning, StatusReader } from './status.js';

const log = logger('observe');

export interface MemberLeaderView {
  readonly reachable: boolean;
  /** The leader this member reports: a member name (its hex id if no member has reported that id as its own). */
  readonly leader?: string;
  readonly term?: number;
}

export interface ClusterLeaderView {
  /** Epoch ms when the view was assembled. */
  readonly at: number;
  /**
   * The member name that a majority of the cluster's members (of all of them, running or not) report as leader,
   * counting only reachable members that report one; undefined when no name has a majority.
   */
  readonly leader: string | undefined;
  /** The highest term among the members agreeing on `leader` (without a leader: among all reachable members). */
  readonly term: number | undefined;
  readonly perMember: Readonly<Record<string, MemberLeaderView>>;
}

export interface TimelineMark {
  readonly label: string;
  readonly at: number;
}

export interface LeaderSpan {
  readonly leader: string | undefined;
  /** The first sample with this leader. */
  readonly from: number;
  /** The first sample of the next span (for the last span: the last sample). */
  readonly to: number;
}

export interface LeaderTransition {
  /** The first sample showing the new leader. */
  readonly at: number;
  readonly from: string;
  readonly to: string;
}

export interface LeaderTimelineResult {
  readonly samples: readonly ClusterLeaderView[];
  readonly marks: readonly TimelineMark[];
  readonly spans: readonly LeaderSpan[];
  /** Transitions from one named leader to a different named leader; leaderless gaps in between are ignored. */
  readonly leaderChanges: number;
  /**
   * Time covered by spans without an agreed leader. Not the unavailability window: followers keep naming a paused
   * leader until they have elected another (measured: 0–50 ms leaderless around 1–1.7 s failovers); time those with
   * `failoverAfter`.
   */
  readonly leaderlessMs: number;
}

export interface LeaderTimelineOptions {
  /** Time between sampling rounds (default 50 ms). */
  readonly intervalMs?: number;
  /**
   * Deadline of each status call (default 1 s). A member whose call is still pending keeps its previous answer
   * until then (answers older than this count as unreachable); rounds do not wait for it.
   */
  readonly timeoutMs?: number;
}

/**
 * Samples every running member's `maintenance.status` in parallel every `intervalMs` and records who the cluster
 * agrees is leader. A round waits at most one interval for its answers, and a member is not asked again while its
 * previous call is pending, so a paused or cut-off member neither slows sampling down nor piles calls up; a round
 * that overruns its interval skips the ticks it missed instead of overlapping the next. Stop it (or `await using`)
 * to release its gRPC channels.
 */
export class LeaderTimeline implements AsyncDisposable {
  private readonly samples: ClusterLeaderView[] = [];
  private readonly marks: TimelineMark[] = [];
  private readonly answers = new Map<string, MemberStatus>();
  private readonly pending = new Set<string>();
  private readonly namesById = new Map<string, string>();
  private readonly waiters = new Set<(view: ClusterLeaderView | undefined) => void>();
  private readonly reader: StatusReader;
  private readonly wake = new AbortController();
  private readonly loop: Promise<void>;
  private stopping: Promise<LeaderTimelineResult> | undefined;

  private constructor(
    private readonly cluster: StartedCluster,
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
  ) {
    this.reader = new StatusReader({ timeoutMs, tls: cluster.clientTls() });
    this.loop = this.run();
  }

  static start(cluster: StartedCluster, options: LeaderTimelineOptions = {}): LeaderTimeline {
    const { intervalMs = 50, timeoutMs = 1_000 } = options;
    log('leader timeline started %o', { cluster: cluster.name, intervalMs, timeoutMs });
    return new LeaderTimeline(cluster, intervalMs, timeoutMs);
  }

  /** Records a named instant (a fault's start, say) and returns its timestamp. */
  mark(label: string): number {
    const at = Date.now();
    this.marks.push({ label, at });
    return at;
  }

  latest(): ClusterLeaderView | undefined {
    return this.samples[this.samples.length - 1];
  }

  /** The latest or the next view that satisfies `predicate`; undefined after `timeoutMs` or when stopped. */
  waitFor(
    predicate: (view: ClusterLeaderView) => boolean,
    timeoutMs: number,
  ): Promise<ClusterLeaderView | undefined> {
    const latest = this.latest();
    if (latest && predicate(latest)) return Promise.resolve(latest);
    if (this.stopping) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter = (view: ClusterLeaderView | undefined) => {
        if (view !== undefined && !predicate(view)) return;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(view);
      };
      const timer = setTimeout(() => waiter(undefined), timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /**
   * The first view naming a leader other than `previous` at a term above the one `previous` led in. etcd reports
   * the term of the last applied entry, so members name a new leader a moment before its first entry applies and
   * the term moves; waiting for both keeps `failoverAfter`'s election rounds known. Undefined after `timeoutMs`.
   */
  waitForNewLeader(previous: string, timeoutMs: number): Promise<ClusterLeaderView | undefined> {
    const previousTerm = highestTerm(this.samples.filter((sample) => sample.leader === previous)) ?? 0;
    return this.waitFor(
      (view) =>
        view.leader !== undefined &&
        view.leader !== previous &&
        view.term !== undefined &&
        view.term > previousTerm,
      timeoutMs,
    );
  }

  /** Stops sampling (idempotent) and returns what was recorded. */
  stop(): Promise<LeaderTimelineResult> {
    this.stopping ??= (async () => {
      this.wake.abort();
      await this.loop;
      this.reader.close();
      for (const waiter of [...this.waiters]) waiter(undefined);
      const result = summarizeTimeline(this.samples, this.marks);
      log('leader timeline stopped %o', {
        cluster: this.cluster.name,
        samples: result.samples.length,
        leaderChanges: result.leaderChanges,
      });
      return result;
    })();
    return this.stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  private async run(): Promise<void> {
    while (!this.wake.signal.aborted) {
      const roundStart = Date.now();
      await this.round();
      const elapsedMs = Date.now() - roundStart;
      await pause(this.intervalMs - (elapsedMs % this.intervalMs), this.wake.signal);
    }
  }

  private async round(): Promise<void> {
    const members = this.cluster.members;
    const asked = members
      .filter((member) => member.state === 'running' && !this.pending.has(member.name))
      .map((member) => this.ask(member));
    await Promise.race([Promise.all(asked), pause(this.intervalMs, this.wake.signal)]);
    if (this.wake.signal.aborted) return;
    const view = this.assembleView(members);
    this.samples.push(view);
    for (const waiter of [...this.waiters]) waiter(view);
  }

  private async ask(member: ClusterMember): Promise<void> {
    this.pending.add(member.name);
    const status = await readIfRunning(this.reader, member);
    this.pending.delete(member.name);
    if (status.memberId) this.namesById.set(status.memberId, member.name);
    this.answers.set(member.name, status);
  }

  private assembleView(members: readonly ClusterMember[]): ClusterLeaderView {
    const at = Date.now();
    const perMember: Record<string, MemberLeaderView> = {};
    for (const member of members) {
      const answer = this.answers.get(member.name);
      const fresh = answer?.reachable && at - answer.takenAt <= this.timeoutMs && member.state === 'running';
      perMember[member.name] = fresh
        ? {
            reachable: true,
            ...(answer.leaderId ? { leader: this.namesById.get(answer.leaderId) ?? answer.leaderId } : {}),
            ...(answer.raftTerm === undefined ? {} : { term: answer.raftTerm }),
          }
        : { reachable: false };
    }
    return { at, ...agreeOnLeader(perMember, members.length), perMember };
  }
}

/** The leader a majority of `clusterSize` reports, and the term that goes with it. */
export function agreeOnLeader(
  perMember: Readonly<Record<string, MemberLeaderView>>,
  clusterSize: number,
): { leader: string | undefined; term: number | undefined } {
  const votes = new Map<string, MemberLeaderView[]>();
  for (const view of Object.values(perMember)) {
    if (view.reachable && view.leader !== undefined)
      votes.set(view.leader, [...(votes.get(view.leader) ?? []), view]);
  }
  const majority = Math.floor(clusterSize / 2) + 1;
  for (const [leader, voters] of votes) {
    if (voters.length >= majority) return { leader, term: highestTerm(voters) };
  }
  return { leader: undefined, term: highestTerm(Object.values(perMember).filter((view) => view.reachable)) };
}

function highestTerm(views: readonly { readonly term?: number | undefined }[]): number | undefined {
  const terms = views.map((view) => view.term).filter((term): term is number => term !== undefined);
  return terms.length === 0 ? undefined : Math.max(...terms);
}

export function summarizeTimeline(
  samples: readonly ClusterLeaderView[],
  marks: readonly TimelineMark[] = [],
): LeaderTimelineResult {
  const spans = leaderSpans(samples);
  const leaderlessMs = spans
    .filter((span) => span.leader === undefined)
    .reduce((total, span) => total + (span.to - span.from), 0);
  return {
    samples: [...samples],
    marks: [...marks],
    spans,
    leaderChanges: leaderTransitions(samples).length,
    leaderlessMs,
  };
}

/** Consecutive samples with the same agreed leader (or none), each span ending where the next begins. */
export function leaderSpans(samples: readonly ClusterLeaderView[]): LeaderSpan[] {
  const spans: { leader: string | undefined; from: number; to: number }[] = [];
  for (const sample of samples) {
    const last = spans[spans.length - 1];
    if (last) last.to = sample.at;
    if (!last || last.leader !== sample.leader)
      spans.push({ leader: sample.leader, from: sample.at, to: sample.at });
  }
  return spans;
}

/** Every change from one named leader to another, at the first sample showing the new one (gaps ignored). */
export function leaderTransitions(samples: readonly ClusterLeaderView[]): LeaderTransition[] {
  const transitions: LeaderTransition[] = [];
  let current: string | undefined;
  for (const sample of samples) {
    if (sample.leader === undefined) continue;
    if (current !== undefined && sample.leader !== current) {
      transitions.push({ at: sample.at, from: current, to: sample.leader });
    }
    current = sample.leader;
  }
  return transitions;
}

export interface Failover {
  /** The last agreed leader at or before `at`. */
  readonly previousLeader?: string;
  /** The first agreed leader after `at` that differs from `previousLeader`. */
  readonly newLeader?: string;
  /** From `at` to the first sample showing `newLeader`; undefined when the leader never changed. */
  readonly durationMs?: number;
  /**
   * Raft elections it took: the new leader's term minus the previous leader's (both known only). Each round lasts
   * one randomized election timeout, [1×, 2×) the configured one, so "a new leader within 2× the election timeout"
   * holds per round; a split vote (both candidates at the same term, neither with a majority) costs one more round.
   * Pre-vote rounds that fail do not raise the term and are not counted. Undefined while the samples do not show
   * the new leader's term yet (see `LeaderTimeline.waitForNewLeader`).
   */
  readonly electionRounds?: number;
}

/**
 * Time from `at` (the instant the leader was paused, isolated or killed) until the first sample whose agreed
 * leader is a different member. Leaderless samples never count as the new leader. Without any named leader at or
 * before `at`, the first named leader after it counts (time to a first leader, e.g. after a restore).
 */
export function failoverAfter(result: Pick<LeaderTimelineResult, 'samples'>, at: number): Failover {
  const before = result.samples.filter((sample) => sample.at <= at);
  const previousLeader = before.findLast((sample) => sample.leader !== undefined)?.leader;
  const nextIndex = result.samples.findIndex(
    (sample) => sample.at > at && sample.leader !== undefined && sample.leader !== previousLeader,
  );
  const next = result.samples[nextIndex];
  if (!next) return previousLeader === undefined ? {} : { previousLeader };
  // The reported term lags an election (it is the last applied entry's): take each leader's highest term.
  const previousTerm = highestTerm(before.filter((sample) => sample.leader === previousLeader));
  const laterSpan = result.samples.slice(nextIndex);
  const spanEnd = laterSpan.findIndex(
    (sample) => sample.leader !== undefined && sample.leader !== next.leader,
  );
  const newTerm = highestTerm(
    (spanEnd === -1 ? laterSpan : laterSpan.slice(0, spanEnd)).filter(
      (sample) => sample.leader === next.leader,
    ),
  );
  const rounds =
    previousTerm !== undefined && newTerm !== undefined && newTerm > previousTerm
      ? newTerm - previousTerm
      : undefined;
  return {
    ...(previousLeader === undefined ? {} : { previousLeader }),
    newLeader: next.leader,
    durationMs: next.at - at,
    ...(rounds === undefined ? {} : { electionRounds: rounds }),
  };
}

/**
 * Leader changes per minute between `from` and `to` (default: the first and last sample), counting transitions
 * whose first new-leader sample lies in (from, to]; NaN for an empty window. The guide alerts above 2 a minute.
 */
export function leaderChangesPerMinute(
  result: Pick<LeaderTimelineResult, 'samples'>,
  from: number = result.samples[0]?.at ?? 0,
  to: number = result.samples[result.samples.length - 1]?.at ?? 0,
): number {
  const windowMs = to - from;
  if (windowMs <= 0) return Number.NaN;
  const changes = leaderTransitions(result.samples).filter((change) => change.at > from && change.at <= to);
  return changes.length / (windowMs / 60_000);
}

/**
 * Leader changes by etcd's own counter (`etcd_server_leader_changes_seen_total`), what the guide's alert reads:
 * the largest increase on any member between two scrapes. A counter that went down (the member restarted) counts
 * from zero, as PromQL's `increase()` does; members without a `before` scrape are left out. Note that each member
 * counts its first leader after start as a change.
 */
export function leaderChangesFromMetrics(
  before: readonly MetricsSnapshot[],
  after: readonly MetricsSnapshot[],
): number {
  let most = 0;
  for (const snapshot of after) {
    const baseline = before.find((candidate) => candidate.member === snapshot.member);
    const now = snapshot.counter(METRIC.leaderChanges);
    const then = baseline?.counter(METRIC.leaderChanges);
    if (now === undefined || then === undefined) continue;
    most = Math.max(most, now >= then ? now - then : now);
  }
  return most;
}

/** Waits `ms`, or less when `wake` is aborted (stop() wakes the sampler: that is not an error). */
async function pause(ms: number, wake: AbortSignal): Promise<void> {
  await sleep(ms, wake).catch(() => {
    // woken early
  });
}
