// Replays an environment profile on a cluster (the fault plan `tune` measures every pair under): peer latency with
// jitter on every peer link, a steady fsync delay on the followers, and the profile's stalls on whichever member leads
// when each is due. ptrace allows one tracer per process, so a member's steady delay is lifted while it is stalled and
// put back afterwards. Deterministic: the same stalls in the same order every run.
import type { ActiveFault } from '../faults/runner.js';
import { sleep } from '../util/wait.js';
import type { FaultPlan } from './measure-pair.js';
import type { EnvironmentProfile } from './profiles.js';

export function profilePlan(profile: EnvironmentProfile, cycles: number): FaultPlan {
  return async ({ cluster, faults, timeline, signal }) => {
    const oneWay = Math.round(profile.peerRttMs / 2);
    const jitter = Math.round(profile.peerJitterMs / 2);
    // Toxiproxy counts whole milliseconds: below 1 ms each way the loopback's own latency is the model.
    if (oneWay > 0 || jitter > 0)
      await faults.inject(
        'network-latency',
        { latencyMs: oneWay, jitterMs: jitter, proxy: 'peer', direction: 'downstream' },
        { target: 'all' },
      );
    const steady = new Map<string, ActiveFault>();
    const applySteady = async (member: string) => {
      if (profile.fsync.baseMs <= 0 || steady.has(member)) return;
      steady.set(
        member,
        await faults.inject(
          'disk-latency',
          { delayMs: profile.fsync.baseMs },
          { target: member, requireHealthy: false },
        ),
      );
    };
    const liftSteady = async (member: string) => {
      const fault = steady.get(member);
      steady.delete(member);
      await fault?.heal();
    };
    const leaderNow = () => timeline.latest()?.leader;
    for (const member of cluster.members) if (member.name !== leaderNow()) await applySteady(member.name);
    const startedAt = Date.now();
    for (let cycle = 0; cycle < cycles; cycle++) {
      for (const stallMs of profile.fsync.stallsMs) {
        signal.throwIfAborted();
        const dueAt = Date.now() + profile.fsync.stallIntervalMs;
        const leader = leaderNow() ?? cluster.members[0]!.name;
        await liftSteady(leader);
        const stall = await faults.inject(
          'disk-latency',
          { delayMs: stallMs },
          { target: leader, requireHealthy: false },
        );
        await sleep(stallMs, signal);
        await stall.heal();
        // The stalled member may have lost leadership: every member but the leader gets its steady delay back.
        for (const member of cluster.members)
          if (member.name === leaderNow()) await liftSteady(member.name);
          else await applySteady(member.name);
        await sleep(Math.max(0, dueAt - Date.now()), signal);
      }
    }
    return { startedAt };
  };
}
