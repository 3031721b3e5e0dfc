// `etcd-chaos bench fidelity`: injected vs observed for each fault that claims a size, measured on a real cluster.
// Disk: etcd's own WAL fsync histogram (mean of the window's observations, minus the baseline mean). Network: the
// median put latency through the faulted client proxy, minus the baseline median.
import type { Etcd3 } from 'etcd3';
import { ClusterSpec } from '../cluster/spec.js';
import type { ClusterMember, StartedCluster } from '../cluster/types.js';
import { ptraceAvailability } from '../faults/disk.js';
import { FaultRunner } from '../faults/runner.js';
import { estimateQuantile, histogramDelta, histogramMean } from '../observe/histogram.js';
import { METRIC, scrapeMetrics } from '../observe/metrics.js';
import { Session } from '../session.js';
import { sleep } from '../util/wait.js';
import { median, round } from './stats.js';

export interface FidelityRow {
  readonly fault: string;
  readonly injectedMs: number;
  readonly observedMs: number;
  readonly errorPercent: number;
  /** How `observedMs` was measured. */
  readonly method: string;
  readonly samples: number;
  /** Extra figures (fsync p50 estimate from buckets, baseline). */
  readonly extra: Readonly<Record<string, number>>;
}

export interface FidelityOptions {
  readonly quick: boolean;
  readonly version?: string;
  readonly onRow?: (row: FidelityRow) => void;
  readonly onSkip?: (what: string, reason: string) => void;
  readonly signal?: AbortSignal;
}

export async function benchFidelity(options: FidelityOptions): Promise<FidelityRow[]> {
  const rows: FidelityRow[] = [];
  const emit = (row: FidelityRow) => {
    rows.push(row);
    options.onRow?.(row);
  };
  await using session = await Session.open();
  const cluster = await ClusterSpec.etcd(options.version ?? 'default').start({
    session,
    signal: options.signal,
  });
  const faults = new FaultRunner(cluster, { signal: options.signal });
  const ptrace = await ptraceAvailability();
  if (ptrace.available) {
    for (const delayMs of [10, 50, 100]) emit(await measureFsyncDelay(cluster, faults, delayMs, options));
  } else {
    options.onSkip?.('disk-latency rows', ptrace.reason);
  }
  const member = cluster.member('m1');
  const client = member.client();
  await client.put('/fidelity/warm-up').value('x');
  for (const jitterShare of [0, 0.1]) {
    for (const latencyMs of [50, 100, 200])
      emit(await measureNetworkLatency(member, client, faults, latencyMs, latencyMs * jitterShare, options));
  }
  return rows;
}

async function measureFsyncDelay(
  cluster: StartedCluster,
  faults: FaultRunner,
  delayMs: number,
  options: FidelityOptions,
): Promise<FidelityRow> {
  const windowMs = options.quick ? 2_000 : 5_000;
  const writers = startWriters(cluster.client(), 4);
  try {
    // A follower: its fsyncs are off the commit path (the leader and the other follower form the quorum).
    const leader = await cluster.leader();
    const follower = cluster.members.find((member) => member !== leader) ?? cluster.members[0]!;
    const baseline = await fsyncWindow(follower, windowMs);
    const fault = await faults.inject('disk-latency', { delayMs }, { target: follower.name });
    await sleep(300);
    const during = await fsyncWindow(follower, windowMs);
    await fault.heal();
    const observedMs = during.meanMs - baseline.meanMs;
    return {
      fault: 'disk-latency (fdatasync delay)',
      injectedMs: delayMs,
      observedMs: round(observedMs, 2),
      errorPercent: round((100 * (observedMs - delayMs)) / delayMs, 1),
      method: `${follower.name} etcd_disk_wal_fsync_duration_seconds: window mean minus baseline mean`,
      samples: during.count,
      extra: { baselineMeanMs: round(baseline.meanMs, 3), p50EstimateMs: round(during.p50Ms, 2) },
    };
  } finally {
    await writers.stop();
  }
}

async function fsyncWindow(
  member: ClusterMember,
  windowMs: number,
): Promise<{ meanMs: number; p50Ms: number; count: number }> {
  const before = (await scrapeMetrics(member)).histogram(METRIC.walFsync);
  await sleep(windowMs);
  const after = (await scrapeMetrics(member)).histogram(METRIC.walFsync);
  if (!before || !after) throw new Error(`${member.name} exposes no ${METRIC.walFsync}`);
  const delta = histogramDelta(after, before);
  return {
    meanMs: histogramMean(delta) * 1000,
    p50Ms: estimateQuantile(0.5, delta) * 1000,
    count: delta.count,
  };
}

async function measureNetworkLatency(
  member: ClusterMember,
  client: Etcd3,
  faults: FaultRunner,
  latencyMs: number,
  jitterMs: number,
  options: FidelityOptions,
): Promise<FidelityRow> {
  const samples = options.quick ? 20 : 50;
  const baseline = await putLatencies(client, samples);
  const during = await faults.during(
    'network-latency',
    { latencyMs, jitterMs, proxy: 'client', direction: 'downstream' },
    () => putLatencies(client, samples),
    { target: member.name },
  );
  const observedMs = median(during) - median(baseline);
  return {
    fault: jitterMs > 0 ? `network-latency ±${jitterMs} ms jitter` : 'network-latency',
    injectedMs: latencyMs,
    observedMs: round(observedMs, 2),
    errorPercent: round((100 * (observedMs - latencyMs)) / latencyMs, 1),
    method: `median put latency through ${member.name}'s client proxy (downstream toxic) minus baseline median`,
    samples,
    extra: { baselineMedianMs: round(median(baseline), 2), jitterMs },
  };
}

async function putLatencies(client: Etcd3, count: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let index = 0; index < count; index++) {
    const startedAt = performance.now();
    await client.put(`/fidelity/${index % 50}`).value(String(index));
    latencies.push(performance.now() - startedAt);
  }
  return latencies;
}

function startWriters(client: Etcd3, count: number): { stop(): Promise<void> } {
  let running = true;
  const loops = Array.from({ length: count }, async (_, writer) => {
    let sequence = 0;
    while (running) {
      await client
        .put(`/fidelity/load/${writer}/${sequence++ % 100}`)
        .value('x')
        // Background load for a latency measurement: a failed put is load not delivered, not a result.
        .catch(() => undefined);
    }
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      client.close();
    },
  };
}
