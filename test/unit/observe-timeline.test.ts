// Leader timelines on synthetic samples: spans, changes, failover times, majority agreement, and the counter view.
import { describe, expect, it } from 'vitest';
import type { StartedCluster } from '../../harness/cluster/types.js';
import {
  agreeOnLeader,
  type ClusterLeaderView,
  failoverAfter,
  LeaderTimeline,
  leaderChangesFromMetrics,
  leaderChangesPerMinute,
  leaderSpans,
  leaderTransitions,
  summarizeTimeline,
} from '../../harness/observe/leader-timeline.js';
import { parseMetrics } from '../../harness/observe/metrics.js';

/** Samples from `[at, leader, term?]` tuples (`-` for no agreed leader). */
function samples(pairs: readonly (readonly [number, string, number?])[]): ClusterLeaderView[] {
  return pairs.map(([at, leader, term]) => ({
    at,
    leader: leader === '-' ? undefined : leader,
    term,
    perMember: {},
  }));
}

describe('spans, changes and leaderless time', () => {
  const failover = samples([
    [0, 'm1'],
    [50, 'm1'],
    [100, '-'],
    [150, '-'],
    [200, 'm2'],
    [250, 'm2'],
  ]);

  it('splits the timeline where the agreed leader changes, each span ending where the next begins', () => {
    expect(leaderSpans(failover)).toEqual([
      { leader: 'm1', from: 0, to: 100 },
      { leader: undefined, from: 100, to: 200 },
      { leader: 'm2', from: 200, to: 250 },
    ]);
    const result = summarizeTimeline(failover, [{ label: 'pause m1', at: 60 }]);
    expect(result.leaderChanges).toBe(1);
    expect(result.leaderlessMs).toBe(100);
    expect(result.marks).toEqual([{ label: 'pause m1', at: 60 }]);
    expect(leaderTransitions(failover)).toEqual([{ at: 200, from: 'm1', to: 'm2' }]);
  });

  it('ignores a leaderless gap that ends with the same leader (negative control)', () => {
    const blip = samples([
      [0, 'm1'],
      [50, '-'],
      [100, 'm1'],
    ]);
    const result = summarizeTimeline(blip);
    expect(result.leaderChanges).toBe(0);
    expect(result.leaderlessMs).toBe(50);
    expect(failoverAfter(result, 40)).toEqual({ previousLeader: 'm1' });
  });

  it('counts back-and-forth changes and a trailing leaderless span', () => {
    const flapping = samples([
      [0, 'm1'],
      [10, 'm2'],
      [20, 'm1'],
      [30, '-'],
      [45, '-'],
    ]);
    const result = summarizeTimeline(flapping);
    expect(result.leaderChanges).toBe(2);
    expect(result.leaderlessMs).toBe(15);
    expect(summarizeTimeline([]).spans).toEqual([]);
  });
});

describe('failoverAfter', () => {
  const timeline = {
    samples: samples([
      [0, 'm1'],
      [50, 'm1'],
      [100, 'm1'],
      [150, '-'],
      [1_250, '-'],
      [1_300, 'm3'],
      [1_350, 'm3'],
    ]),
  };

  it('times from the fault to the first sample showing a different leader', () => {
    expect(failoverAfter(timeline, 120)).toEqual({
      previousLeader: 'm1',
      newLeader: 'm3',
      durationMs: 1_180,
    });
  });

  it('takes the last named leader when the fault starts inside a leaderless gap', () => {
    expect(failoverAfter(timeline, 200)).toEqual({
      previousLeader: 'm1',
      newLeader: 'm3',
      durationMs: 1_100,
    });
  });

  it('reports no failover when the leader never changed (negative control)', () => {
    const steady = { samples: samples([0, 50, 100, 150].map((at) => [at, 'm2'] as [number, string])) };
    expect(failoverAfter(steady, 60)).toEqual({ previousLeader: 'm2' });
    expect(failoverAfter(timeline, 1_300)).toEqual({ previousLeader: 'm3' });
  });

  it('counts the election rounds from the terms: one, or two after a split vote', () => {
    const oneRound = samples([
      [0, 'm1', 4],
      [1_100, 'm2', 5],
    ]);
    expect(failoverAfter({ samples: oneRound }, 10)).toEqual({
      previousLeader: 'm1',
      newLeader: 'm2',
      durationMs: 1_090,
      electionRounds: 1,
    });
    const splitVote = samples([
      [0, 'm1', 4],
      [300, '-', 5],
      [2_600, 'm3', 6],
    ]);
    expect(failoverAfter({ samples: splitVote }, 10)).toMatchObject({ newLeader: 'm3', electionRounds: 2 });
    // etcd reports the last applied entry's term: the new leader shows first with the old term, then its own.
    const lagging = samples([
      [0, 'm1', 4],
      [1_100, 'm2', 4],
      [1_150, 'm2', 5],
      [1_200, 'm3', 6],
    ]);
    expect(failoverAfter({ samples: lagging }, 10)).toMatchObject({ durationMs: 1_090, electionRounds: 1 });
    // Until the term rises the rounds are unknown, not zero.
    expect(failoverAfter({ samples: lagging.slice(0, 2) }, 10)).not.toHaveProperty('electionRounds');
    // Without a term on either side the rounds are unknown, not guessed.
    expect(failoverAfter(timeline, 120)).not.toHaveProperty('electionRounds');
  });

  it('counts the first leader as the new one when none was known before `at`', () => {
    const bootstrap = {
      samples: samples([
        [100, '-'],
        [400, 'm2'],
      ]),
    };
    expect(failoverAfter(bootstrap, 50)).toEqual({ newLeader: 'm2', durationMs: 350 });
    expect(failoverAfter({ samples: [] }, 50)).toEqual({});
  });
});

describe('leaderChangesPerMinute', () => {
  const churn = samples([
    [0, 'm1'],
    [10_000, 'm2'],
    [20_000, 'm3'],
    [30_000, 'm1'],
    [60_000, 'm1'],
  ]);

  it('divides the transitions in (from, to] by the window in minutes', () => {
    expect(leaderChangesPerMinute({ samples: churn })).toBe(3);
    expect(leaderChangesPerMinute({ samples: churn }, 0, 30_000)).toBe(6);
    expect(leaderChangesPerMinute({ samples: churn }, 10_000, 60_000)).toBeCloseTo(2 / (50 / 60), 12);
  });

  it('is 0 for a steady leader and NaN for an empty window', () => {
    expect(
      leaderChangesPerMinute({
        samples: samples([
          [0, 'm1'],
          [60_000, 'm1'],
        ]),
      }),
    ).toBe(0);
    expect(leaderChangesPerMinute({ samples: [] })).toBeNaN();
  });
});

describe('agreeOnLeader', () => {
  it('needs a majority of all members, counting only reachable members that report a leader', () => {
    expect(
      agreeOnLeader(
        {
          m1: { reachable: false },
          m2: { reachable: true, leader: 'm2', term: 3 },
          m3: { reachable: true, leader: 'm2', term: 3 },
        },
        3,
      ),
    ).toEqual({ leader: 'm2', term: 3 });
    expect(
      agreeOnLeader(
        {
          m1: { reachable: true, leader: 'm1', term: 2 },
          m2: { reachable: false },
          m3: { reachable: false },
        },
        3,
      ),
    ).toEqual({ leader: undefined, term: 2 });
  });

  it('finds no leader on a split vote or when members know of none', () => {
    const split = {
      m1: { reachable: true, leader: 'm1', term: 2 },
      m2: { reachable: true, leader: 'm2', term: 3 },
      m3: { reachable: true, term: 3 },
    };
    expect(agreeOnLeader(split, 3)).toEqual({ leader: undefined, term: 3 });
    expect(agreeOnLeader({}, 3)).toEqual({ leader: undefined, term: undefined });
  });

  it('scales the majority with the cluster size, stopped members included', () => {
    const two = { m1: { reachable: true, leader: 'm1' }, m2: { reachable: true, leader: 'm1' } };
    expect(agreeOnLeader(two, 5).leader).toBeUndefined();
    expect(agreeOnLeader({ ...two, m3: { reachable: true, leader: 'm1' } }, 5).leader).toBe('m1');
  });
});

describe('leaderChangesFromMetrics', () => {
  const scrape = (member: string, changes: number) =>
    parseMetrics(
      member,
      `# TYPE etcd_server_leader_changes_seen_total counter\netcd_server_leader_changes_seen_total ${changes}\n`,
    );

  it('is the largest increase on any member', () => {
    const before = [scrape('m1', 1), scrape('m2', 1), scrape('m3', 1)];
    const after = [scrape('m1', 3), scrape('m2', 2), scrape('m3', 1)];
    expect(leaderChangesFromMetrics(before, after)).toBe(2);
    expect(leaderChangesFromMetrics(before, before)).toBe(0);
  });

  it('counts a restarted member from zero and leaves out members without a baseline', () => {
    expect(leaderChangesFromMetrics([scrape('m1', 5)], [scrape('m1', 1)])).toBe(1);
    expect(leaderChangesFromMetrics([scrape('m1', 1)], [scrape('m1', 1), scrape('m4', 7)])).toBe(0);
  });
});

describe('LeaderTimeline mechanics (no etcd: one member refuses connections, two are not running)', () => {
  const member = (name: string, state: string) => ({
    name,
    state,
    urls: { clientDirect: 'http://127.0.0.1:1', metrics: 'http://127.0.0.1:1' },
  });
  const cluster = {
    name: 'fake',
    members: [member('m1', 'running'), member('m2', 'paused'), member('m3', 'stopped')],
    clientTls: () => undefined,
  } as unknown as StartedCluster;

  it('samples on its interval, sees no leader, and stops once', async () => {
    const timeline = LeaderTimeline.start(cluster, { intervalMs: 20, timeoutMs: 200 });
    const markedAt = timeline.mark('start');
    expect(markedAt).toBeLessThanOrEqual(Date.now());
    expect(await timeline.waitFor((view) => view.leader !== undefined, 150)).toBeUndefined();
    const result = await timeline.stop();
    expect(await timeline.stop()).toBe(result);
    // It sampled, and rounds never overlapped. How many rounds fit in ~150 ms depends on the machine's load (7 idle;
    // once 1 with a load average of ~10), so the count is bounded by the samples' own span: round k starts at least
    // k intervals after the first and ends (its sample) within one interval of its start, so n samples span at least
    // (n - 2) intervals.
    expect(result.samples.length).toBeGreaterThanOrEqual(1);
    const spanMs = (result.samples.at(-1)?.at ?? 0) - (result.samples[0]?.at ?? 0);
    expect(result.samples.length).toBeLessThanOrEqual(Math.floor(spanMs / 20) + 2);
    for (const sample of result.samples) {
      expect(sample.leader).toBeUndefined();
      expect(sample.perMember).toEqual({
        m1: { reachable: false },
        m2: { reachable: false },
        m3: { reachable: false },
      });
    }
    for (const [index, sample] of result.samples.entries()) {
      if (index > 0) expect(sample.at).toBeGreaterThanOrEqual(result.samples[index - 1]!.at);
    }
    expect(result.marks).toEqual([{ label: 'start', at: markedAt }]);
    expect(result.leaderChanges).toBe(0);
    expect(await timeline.waitFor(() => true, 1_000)).toBe(result.samples.at(-1));
  });
});
