// Each fault is shown to have the effect it claims, by measuring it on a real cluster.
import { describe, expect, it } from 'vitest';
import { ClusterSpec } from '../../harness/cluster/spec.js';
import { fillToQuota, recoverFromNoSpace } from '../../harness/faults/quota.js';
import { FaultRunner } from '../../harness/faults/runner.js';
import { failoverAfter, LeaderTimeline } from '../../harness/observe/leader-timeline.js';
import { listAlarms } from '../../harness/observe/status.js';
import { expectFailoverWithinElectionBound } from '../helpers/failover.js';
import {
  backgroundWrites,
  fsyncP50DuringMs,
  medianPutLatencyMs,
  putLatenciesMs,
} from '../helpers/measure.js';
import { isRoot } from '../helpers/proc.js';

describe('disk latency (fsync delay through ptrace)', () => {
  it.runIf(isRoot)(
    "raises the target member's WAL fsync p50 into 50–65 ms, leaves the others alone, and heals",
    async () => {
      await using cluster = await ClusterSpec.etcd('default').start();
      const faults = new FaultRunner(cluster);
      const writes = backgroundWrites(cluster.client());
      try {
        const baseline = await fsyncP50DuringMs(cluster, 2_000);
        const fault = await faults.inject('disk-latency', { delayMs: 50 }, { target: 'follower' });
        const [target] = fault.window.targets;
        const during = await fsyncP50DuringMs(cluster, 4_000, 500);
        await fault.heal();
        const after = await fsyncP50DuringMs(cluster, 2_000, 500);

        expect(during.get(target!)).toBeGreaterThanOrEqual(50);
        expect(during.get(target!)).toBeLessThanOrEqual(65);
        for (const [member, p50] of during) {
          if (member === target) continue;
          expect(p50, `${member} during the fault`).toBeLessThan(10);
        }
        expect(after.get(target!), 'target after healing').toBeLessThan(10);
        expect(baseline.get(target!), 'target before the fault').toBeLessThan(10);
        expect(fault.window.endedAt).toBeGreaterThan(fault.window.injectedAt);
      } finally {
        await writes.stop();
      }
    },
  );
});

describe('network latency (Toxiproxy)', () => {
  it("adds at least 100 ms to puts through the member's client proxy", async () => {
    await using cluster = await ClusterSpec.etcd('default').start();
    const faults = new FaultRunner(cluster);
    const member = cluster.member('m1');
    const client = member.client();
    await client.put('/warm').value('up');
    const before = await medianPutLatencyMs(client, 30);
    const during = await faults.during(
      'network-latency',
      { latencyMs: 100, proxy: 'client', direction: 'downstream' },
      () => putLatenciesMs(client, 15),
      { target: 'm1' },
    );
    const after = await medianPutLatencyMs(client, 30);
    // Toxiproxy's latency toxic holds every chunk the member sends for latencyMs, so no put through it can be faster
    // than 100 ms, whatever the machine's load: the bound is the mechanism's. (Measured: the median over the baseline
    // was +101 to +104 ms on an idle machine, and once +99.0 ms with a load average of ~10, which is why the bound is
    // not on the difference of medians.)
    expect(Math.min(...during)).toBeGreaterThanOrEqual(100);
    // Healed: back within 50 ms of the baseline median (measured: within 3 ms idle, 12 ms under that load).
    expect(after).toBeLessThan(before + 50);
    expect(faults.windows()).toHaveLength(1);
    expect(faults.windows()[0]).toMatchObject({ fault: 'network-latency', targets: ['m1'] });
  });
});

describe('leader loss', () => {
  /** Injects `fault` on the leader of a fresh default cluster and times the failover on the leader timeline. */
  async function failoverUnder(fault: 'isolate' | 'pause', params: Record<string, unknown>): Promise<void> {
    await using cluster = await ClusterSpec.etcd('default').start();
    const faults = new FaultRunner(cluster);
    const timeline = LeaderTimeline.start(cluster, { intervalMs: 50 });
    await timeline.waitFor((view) => view.leader !== undefined, 5_000);
    const injected = await faults.inject(fault, params, { target: 'leader' });
    const [previousLeader] = injected.window.targets;
    await timeline.waitForNewLeader(previousLeader!, 5_000);
    await injected.heal();
    const failover = failoverAfter(await timeline.stop(), injected.window.startedAt);
    expect(failover.previousLeader).toBe(previousLeader);
    expectFailoverWithinElectionBound(failover, 1_000);
  }

  it.runIf(isRoot)(
    'isolating the leader gets a new leader within 2x the election timeout (per election round)',
    () => failoverUnder('isolate', { scope: 'peer' }),
  );

  it('pausing the leader gets a new leader within 2x the election timeout (per election round)', () =>
    failoverUnder('pause', {}));
});

describe('quota exhaustion', () => {
  it('drives a small-quota cluster to NOSPACE, and the documented recovery restores writes', async () => {
    await using cluster = await ClusterSpec.etcd('default')
      .withFlags({ 'quota-backend-bytes': 16 * 1024 * 1024 })
      .start();
    const fill = await fillToQuota(cluster);
    expect(fill.noSpaceAfterMs).toBeDefined();
    expect(fill.noSpaceMessage).toMatch(/database space exceeded/);
    expect(fill.bytesWritten).toBeGreaterThan(8 * 1024 * 1024);
    expect(fill.bytesWritten).toBeLessThan(64 * 1024 * 1024);
    const alarms = await listAlarms(cluster);
    expect(alarms.some((alarm) => alarm.alarm === 'NOSPACE')).toBe(true);
    await expect(cluster.client().put('/blocked').value('x')).rejects.toThrow(/database space exceeded/);

    const steps = await recoverFromNoSpace(cluster, { deletePrefix: fill.prefix });
    expect(steps.map((step) => step.step)).toEqual([
      'delete filler keys',
      'compact',
      'defrag',
      'alarm disarm',
    ]);
    await cluster.client().put('/after-recovery').value('ok');
    expect(await listAlarms(cluster)).toEqual([]);
  });
});

describe('fault registry and runner', () => {
  it('refuses unknown faults, unknown parameters and bad values with the offending input quoted', async () => {
    await using cluster = await ClusterSpec.etcd('default').withMembers(1).start();
    const faults = new FaultRunner(cluster);
    await expect(faults.inject('meteor-strike')).rejects.toThrow(/Unknown fault `meteor-strike`/);
    await expect(faults.inject('network-latency', { latency: 5 })).rejects.toThrow(
      /has no parameter `latency`/,
    );
    await expect(faults.inject('network-latency', { latencyMs: 'slow' })).rejects.toThrow(/got `slow`/);
    await expect(faults.inject('pause', {}, { target: 'm9' })).rejects.toThrow(/m9/);
  });

  it('heals every active fault at teardown, even when the body throws', async () => {
    await using cluster = await ClusterSpec.etcd('default').start();
    const faults = new FaultRunner(cluster);
    await expect(
      faults.during(
        'pause',
        {},
        async () => {
          throw new Error('scenario bug');
        },
        { target: 'm2' },
      ),
    ).rejects.toThrow('scenario bug');
    expect(cluster.member('m2').state).toBe('running');
    await faults.inject('kill', {}, { target: 'm3' });
    expect(cluster.member('m3').state).toBe('stopped');
    await faults.healAll();
    expect(cluster.member('m3').state).toBe('running');
    expect(faults.windows().every((window) => window.endedAt !== undefined)).toBe(true);
  });
});

describe('disk full', () => {
  it.runIf(isRoot)(
    'fills a size-limited data dir: the member cannot write its WAL and stops; quorum holds; healing brings it back',
    async () => {
      await using cluster = await ClusterSpec.etcd('default')
        .withDataDirSizeLimit(256 * 1024 * 1024)
        .start();
      const faults = new FaultRunner(cluster);
      const fault = await faults.inject('disk-full', {}, { target: 'follower' });
      const [target] = fault.window.targets;
      const filledBytes = (fault.window.details?.filledBytes ?? {}) as Record<string, number>;
      expect(filledBytes[target!]).toBeGreaterThan(0);
      const client = (await cluster.leader())!.client();
      // Writes go on through the quorum (via the leader); the full member fails its next WAL write.
      for (let index = 0; index < 200; index++)
        await client.put(`/disk-full/${index}`).value('x'.repeat(512));
      const member = cluster.member(target!);
      const died = await new Promise<boolean>((resolve) => {
        const deadline = Date.now() + 15_000;
        const poll = () => {
          if (member.state === 'exited') resolve(true);
          else if (Date.now() > deadline) resolve(false);
          else setTimeout(poll, 100);
        };
        poll();
      });
      const log = await member.tailLog(200);
      expect(died, `member log:\n${log.slice(-2000)}`).toBe(true);
      expect(log).toMatch(/no space left on device/);
      await fault.heal();
      expect(member.state).toBe('running');
      expect(await member.client({ direct: true }).get('/disk-full/199').string()).toBe('x'.repeat(512));
    },
  );

  it('is unavailable (with the reason) when data dirs are not size-limited', async () => {
    await using cluster = await ClusterSpec.etcd('default').withMembers(1).start();
    const availability = await new FaultRunner(cluster).available('disk-full');
    expect(availability).toEqual({ available: false, reason: expect.stringMatching(/--data-dir-size/) });
  });
});
