// `etcd-chaos bench load`: puts/s and p99 on one cluster, in one run, for etcd's own `benchmark put` (the
// reference), autocannon on the gRPC gateway, and the ledger writer (etcd3), all through the leader's client proxy.
// Like for like: at each concurrency every tool keeps the same number of requests in flight over the same number
// of TCP connections (autocannon speaks HTTP/1.1: one request in flight per connection). etcd's tool multiplexed
// over 8 HTTP/2 connections is shown for context: batching on few connections is cheaper for the server.
import { readFileSync } from 'node:fs';
import { resolveBenchmarkTool } from '../binaries/resolve-benchmark.js';
import { ClusterSpec } from '../cluster/spec.js';
import type { ClusterMember } from '../cluster/types.js';
import { HarnessError } from '../errors.js';
import { Session } from '../session.js';
import { runCommand } from '../util/exec.js';
import { sleep } from '../util/wait.js';
import { runHttpLoad } from '../workload/http-load.js';
import { LedgerWriter } from '../workload/ledger-writer.js';
import { percentile, round } from './stats.js';

export type LoadTool = 'benchmark' | 'benchmark-multiplexed' | 'autocannon' | 'ledger';

export interface LoadRow {
  readonly concurrency: number;
  readonly tool: LoadTool;
  readonly label: string;
  readonly connections: number;
  readonly putsPerSecond: number;
  readonly p99Ms: number;
  readonly requests: number;
  readonly errors: number;
  /** puts/s relative to etcd's benchmark tool at the same concurrency and connection count. */
  readonly putsRatioToBenchmark: number;
  readonly p99RatioToBenchmark: number;
  /** CPU the load generator itself used (cores), when measurable: shows whether the client was the bottleneck. */
  readonly clientCpuCores: number | undefined;
}

export interface LoadBenchOptions {
  readonly quick: boolean;
  readonly concurrencies?: readonly number[];
  readonly version?: string;
  readonly onRow?: (row: LoadRow) => void;
  readonly signal?: AbortSignal;
}

type Measured = Omit<LoadRow, 'putsRatioToBenchmark' | 'p99RatioToBenchmark' | 'concurrency'>;

export async function benchLoad(options: LoadBenchOptions): Promise<LoadRow[]> {
  const durationMs = options.quick ? 2_500 : 6_000;
  const concurrencies = options.concurrencies ?? [32, 64, 128];
  const benchmark = await resolveBenchmarkTool();
  await using session = await Session.open();
  const cluster = await ClusterSpec.etcd(options.version ?? 'default').start({
    session,
    signal: options.signal,
  });
  const leader = (await cluster.leader()) ?? cluster.members[0]!;
  const rows: LoadRow[] = [];
  for (const concurrency of concurrencies) {
    options.signal?.throwIfAborted();
    const reference = await measureBenchmarkTool(
      benchmark.path,
      leader,
      concurrency,
      concurrency,
      durationMs,
    );
    const measured: Measured[] = [
      reference,
      await measureBenchmarkTool(benchmark.path, leader, concurrency, 8, durationMs),
      await measureAutocannon(leader, concurrency, durationMs, options.signal),
      await measureLedger(leader, concurrency, durationMs),
    ];
    for (const entry of measured) {
      const row: LoadRow = {
        ...entry,
        concurrency,
        putsRatioToBenchmark: round(entry.putsPerSecond / reference.putsPerSecond, 2),
        p99RatioToBenchmark: round(entry.p99Ms / reference.p99Ms, 2),
      };
      rows.push(row);
      options.onRow?.(row);
    }
  }
  return rows;
}

/** etcd's tool runs a fixed number of puts: size it from a short probe so the run lasts about `durationMs`. */
async function measureBenchmarkTool(
  binary: string,
  leader: ClusterMember,
  concurrency: number,
  connections: number,
  durationMs: number,
): Promise<Measured> {
  const probe = await runBenchmark(binary, leader, concurrency, connections, 1_500);
  const total = Math.max(2_000, Math.round((probe.putsPerSecond * durationMs) / 1000));
  return runBenchmark(binary, leader, concurrency, connections, total);
}

async function runBenchmark(
  binary: string,
  leader: ClusterMember,
  concurrency: number,
  connections: number,
  total: number,
): Promise<Measured> {
  const result = await runCommand(
    binary,
    [
      `--endpoints=${leader.urls.client}`,
      `--conns=${connections}`,
      `--clients=${concurrency}`,
      'put',
      '--key-size=16',
      '--key-space-size=1000000',
      '--val-size=64',
      `--total=${total}`,
    ],
    { timeoutMs: 120_000 },
  );
  const perSecond = /Requests\/sec:\s*([\d.]+)/.exec(result.stdout);
  const p99 = /\b99% in ([\d.]+) secs/.exec(result.stdout);
  if (!perSecond?.[1] || !p99?.[1])
    throw new HarnessError(`could not read etcd benchmark's summary:\n${result.stdout.slice(0, 1500)}`);
  const multiplexed = connections < concurrency;
  return {
    tool: multiplexed ? 'benchmark-multiplexed' : 'benchmark',
    label: multiplexed
      ? `etcd benchmark, ${connections} HTTP/2 conns (context)`
      : 'etcd benchmark put (reference)',
    connections,
    putsPerSecond: round(Number(perSecond[1])),
    p99Ms: round(Number(p99[1]) * 1000, 2),
    requests: total,
    errors: 0,
    clientCpuCores: undefined,
  };
}

async function measureAutocannon(
  leader: ClusterMember,
  concurrency: number,
  durationMs: number,
  signal?: AbortSignal,
): Promise<Measured> {
  const cpu = cpuMeter();
  const result = await runHttpLoad({ url: leader.urls.client, durationMs, connections: concurrency, signal });
  return {
    tool: 'autocannon',
    label: 'autocannon, gRPC gateway (HTTP/1.1 JSON)',
    connections: concurrency,
    putsPerSecond: round(result.throughputPerSecond),
    p99Ms: round(result.latencyMs.p99, 2),
    requests: result.requests,
    errors: result.errors, // includes non-2xx responses
    clientCpuCores: cpu(),
  };
}

async function measureLedger(
  leader: ClusterMember,
  concurrency: number,
  durationMs: number,
): Promise<Measured> {
  // One client (one HTTP/2 connection) per writer, like autocannon's connections.
  const clients = Array.from({ length: concurrency }, () => leader.client());
  const cpu = cpuMeter();
  const writer = LedgerWriter.start({ clients }, { writers: concurrency });
  await sleep(durationMs);
  const ledger = await writer.stop();
  const clientCpuCores = cpu();
  for (const client of clients) client.close();
  const elapsedMs = Math.max(1, ledger.endedAt - ledger.startedAt);
  const latencies = ledger.acknowledged.map((write) => write.ackAt - write.sentAt);
  return {
    tool: 'ledger',
    label: 'ledger writer (etcd3, records every ack)',
    connections: concurrency,
    putsPerSecond: round((ledger.acknowledged.length * 1000) / elapsedMs),
    p99Ms: round(percentile(latencies, 0.99), 2),
    requests: ledger.acknowledged.length + ledger.failed.length + ledger.ambiguous.length,
    errors: ledger.failed.length + ledger.ambiguous.length,
    clientCpuCores,
  };
}

/** CPU cores this process used since the call (all threads, from /proc: autocannon and grpc-js run here). */
function cpuMeter(): () => number {
  const read = () => {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (100/s)
  };
  const startCpu = read();
  const startedAt = performance.now();
  return () => round((read() - startCpu) / ((performance.now() - startedAt) / 1000), 2);
}
