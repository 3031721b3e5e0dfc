// Measurements the fault tests share: background writes, WAL fsync p50 per member over a window, put latency.
import type { Etcd3 } from 'etcd3';
import type { StartedCluster } from '../../harness/cluster/types.js';
import { estimateQuantile, type Histogram, histogramDelta } from '../../harness/observe/histogram.js';
import { METRIC, scrapeCluster } from '../../harness/observe/metrics.js';

/** Puts in a loop until stopped: every member's WAL sees fsyncs. */
export function backgroundWrites(client: Etcd3): { stop(): Promise<number> } {
  let running = true;
  let count = 0;
  const loop = (async () => {
    while (running) {
      await client
        .put(`/bg/${count % 500}`)
        .value(String(count))
        .catch(() => undefined);
      count++;
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return count;
    },
  };
}

async function walFsyncHistograms(cluster: StartedCluster): Promise<Map<string, Histogram>> {
  const snapshots = await scrapeCluster(cluster);
  return new Map(snapshots.map((snapshot) => [snapshot.member, snapshot.histogram(METRIC.walFsync)!]));
}

/**
 * WAL fsync p50 per member over `durationMs`, after `settleMs`. Settle after attaching or detaching the delay: the
 * fsync in flight while strace attaches is neither a clean delayed nor a clean undelayed one, and with a 50 ms
 * delay the target's true p50 is only ~0.5 ms above 50 ms (measured 50.56–50.59 ms), so one such observation
 * moves the bucket-based estimate across the bound.
 */
export async function fsyncP50DuringMs(
  cluster: StartedCluster,
  durationMs: number,
  settleMs = 0,
): Promise<Map<string, number>> {
  if (settleMs > 0) await new Promise((resolve) => setTimeout(resolve, settleMs));
  const before = await walFsyncHistograms(cluster);
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  const after = await walFsyncHistograms(cluster);
  const p50 = new Map<string, number>();
  for (const [member, histogram] of after)
    p50.set(member, estimateQuantile(0.5, histogramDelta(histogram, before.get(member)!)) * 1000);
  return p50;
}

export async function medianPutLatencyMs(client: Etcd3, count: number): Promise<number> {
  const samples = (await putLatenciesMs(client, count)).sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

/** The latency of each of `count` sequential puts, ms. */
export async function putLatenciesMs(client: Etcd3, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let index = 0; index < count; index++) {
    const startedAt = performance.now();
    await client.put(`/latency/${index}`).value('x');
    samples.push(performance.now() - startedAt);
  }
  return samples;
}
