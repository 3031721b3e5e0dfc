// Peer RTT below 10 ms: put p99 and throughput at a fixed number of puts in flight through the leader as the round
// trip between members goes 0, 2, 5, 10, 25, 50 ms (Toxiproxy latency on the peer proxies: a raft message passes
// its sender's proxy, so the leader's messages get half the RTT and the followers' answers the other half). The
// curve, and where it bends.
import {
  checkPeerRtt,
  defineScenario,
  GrpcKvClient,
  InputError,
  PutLoad,
  putWindowStats,
  type RttStep,
} from '../harness/index.js';

export default defineScenario({
  id: 'peer-rtt',
  title: 'Put latency and throughput as peer RTT grows (0–50 ms)',
  claims: ['network.peer-rtt'],
  suites: ['full'],
  params: {
    rttsMs: {
      type: 'list',
      default: ['0', '2', '5', '10', '25', '50'],
      description: 'round trips to add between members, ms (comma-separated; 0 is the baseline)',
    },
    windowMs: {
      type: 'number',
      default: 8_000,
      unit: 'ms',
      min: 500,
      max: 300_000,
      description: 'load at each RTT',
    },
    inFlight: {
      type: 'number',
      default: 16,
      unit: 'count',
      min: 1,
      max: 1_024,
      description: 'puts in flight',
    },
  },
  intensities: { quick: { rttsMs: ['0', '10', '50'], windowMs: 2_000 }, full: { windowMs: 8_000 } },
  timeoutMs: { quick: 5 * 60_000, full: 30 * 60_000 },
  async run(ctx) {
    const { params } = ctx;
    const rtts = [...new Set(params.rttsMs.map((value) => Number(value.trim())))].sort((a, b) => a - b);
    if (rtts.some((rtt) => !Number.isInteger(rtt) || rtt < 0 || rtt > 10_000))
      throw new InputError(
        `Expected \`peer-rtt.rttsMs\` to list integers from 0 to 10000, got \`${params.rttsMs.join(',')}\`.`,
      );
    const cluster = await ctx.startCluster();
    const faults = ctx.faults(cluster);
    const leader = (await cluster.leader()) ?? cluster.members[0]!;
    const client = new GrpcKvClient({ endpoint: leader.urls.client, tls: cluster.clientTls() });
    const steps: RttStep[] = [];
    const curve: { at: number; value: number }[] = [];
    try {
      await client.put('/peer-rtt/warm-up', 'x');
      for (const rtt of rtts) {
        ctx.step(`${rtt} ms peer RTT: ${params.inFlight} puts in flight through ${leader.name}`);
        // Toxiproxy takes whole milliseconds: an odd RTT puts the extra millisecond on the followers' answers.
        const injected = [];
        if (rtt > 0) {
          const outbound = Math.floor(rtt / 2);
          const inbound = rtt - outbound;
          if (outbound > 0)
            injected.push(
              await faults.inject(
                'network-latency',
                { latencyMs: outbound, proxy: 'peer', direction: 'downstream' },
                { target: leader.name },
              ),
            );
          injected.push(
            await faults.inject(
              'network-latency',
              { latencyMs: inbound, proxy: 'peer', direction: 'downstream' },
              { target: 'followers' },
            ),
          );
        }
        try {
          const record = await PutLoad.start([{ client, label: leader.name }], {
            inFlight: params.inFlight,
            durationMs: params.windowMs,
            keySpace: 10_000,
            prefix: '/peer-rtt/',
          }).whenFinished();
          const stats = putWindowStats(record);
          steps.push({
            rttMs: rtt,
            puts: stats.puts,
            putsPerSecond: stats.putsPerSecond,
            minMs: record.latencyMs.reduce(
              (min, latency) => Math.min(min, latency),
              Number.POSITIVE_INFINITY,
            ),
            p50Ms: stats.latencyMs.p50,
            p99Ms: stats.latencyMs.p99,
          });
          curve.push({ at: record.startedAt, value: stats.latencyMs.p99 });
        } finally {
          for (const fault of injected.reverse()) await fault.heal();
        }
      }
    } finally {
      client.close();
    }
    ctx.table({
      name: `Puts through the leader against peer RTT (${params.inFlight} in flight)`,
      columns: ['RTT ms', 'puts', 'puts/s', 'min ms', 'p50 ms', 'p99 ms'],
      rows: steps.map((step) => [
        step.rttMs,
        step.puts,
        Math.round(step.putsPerSecond),
        Math.round(step.minMs * 10) / 10,
        Math.round(step.p50Ms * 10) / 10,
        Math.round(step.p99Ms * 10) / 10,
      ]),
      chart: { columns: ['puts/s', 'p99 ms'] },
    });
    ctx.series({
      name: 'put p99 at each RTT step (ms)',
      unit: 'ms',
      cluster: cluster.name,
      points: curve,
      thresholds: [{ label: "guide's 10 ms RTT", value: 10 }],
    });
    await ctx.evidence.json('peer-rtt.json', { inFlight: params.inFlight, steps });
    ctx.report(checkPeerRtt({ inFlight: params.inFlight, steps }));
  },
});
