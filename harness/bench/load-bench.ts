// `etcd-chaos bench load`: puts/s and p99 on one cluster, in one run, through the leader's client proxy, for etcd's
// own `benchmark put` (the reference), the harness's fast gRPC path (grpc-kv: node:http2, hand-encoded messages,
// requests multiplexed over few connections), the ledger writer on that path, and for context autocannon on the
// gateway and the ledger writer on the old etcd3 path. A ratio means something on a noisy shared machine only with a
// protocol: at each concurrency the configurations alternate (A B C … A B C …), each measured in `windows` windows
// of at least `windowMs`, the median reported; the reference is etcd's tool in its best configuration, searched over
// connection counts (one per client, 8, 16), and every other row is a ratio to that best median.
import { readFileSync } from 'node:fs';
import { resolveBenchmarkTool } from '../binaries/resolve-benchmark.js';
import { createEtcdClient } from '../cluster/clients.js';
import { ClusterSpec } from '../cluster/spec.js';
import type { ClusterMember, StartedCluster } from '../cluster/types.js';
import { HarnessError } from '../errors.js';
import { compact, endpointStatus } from '../procedures/maintenance.js';
import { procedureError } from '../procedures/tool-run.js';
import { Session } from '../session.js';
import { runCommand } from '../util/exec.js';
import { sleep } from '../util/wait.js';
import { GrpcKvClient } from '../workload/grpc-kv/client.js';
import { runHttpLoad } from '../workload/http-load.js';
import { LedgerWriter } from '../workload/ledger-writer.js';
import { PutLoad, putWindowStats } from '../workload/put-load.js';
import { median, percentile, round } from './stats.js';

export type LoadTool = 'benchmark' | 'grpc-kv' | 'ledger' | 'ledger-etcd3' | 'autocannon';

export interface LoadRow {
  readonly concurrency: number;
  readonly tool: LoadTool;
  readonly label: string;
  readonly connections: number;
  /** Median over the windows. */
  readonly putsPerSecond: number;
  /** Median of the windows' p99. */
  readonly p99Ms: number;
  /** puts/s of each window, in the order measured. */
  readonly windows: readonly number[];
  /** The shortest window (ms): every window lasted at least this long. */
  readonly shortestWindowMs: number;
  readonly requests: number;
  readonly errors: number;
  /** This row is etcd's tool in its best configuration at this concurrency: what the ratios divide by. */
  readonly reference: boolean;
  /** Median puts/s relative to the best configuration of etcd's tool at the same concurrency. */
  readonly putsRatioToBenchmark: number;
  readonly p99RatioToBenchmark: number;
  /** CPU the load generator used (cores; median over windows) when it runs in this process. */
  readonly clientCpuCores: number | undefined;
}

export interface LoadBenchOptions {
  readonly quick: boolean;
  readonly concurrencies?: readonly number[];
  readonly version?: string;
  /** Windows per configuration (default 3 quick, 5 otherwise). */
  readonly windows?: number;
  /** Length of each window (default 5 s quick, 6 s otherwise). */
  readonly windowMs?: number;
  readonly onRow?: (row: LoadRow) => void;
  readonly onProgress?: (message: string) => void;
  readonly signal?: AbortSignal;
}

interface WindowResult {
  readonly putsPerSecond: number;
  readonly p99Ms: number;
  readonly durationMs: number;
  readonly requests: number;
  readonly errors: number;
  readonly clientCpuCores: number | undefined;
}

interface LoadConfig {
  readonly tool: LoadTool;
  readonly label: string;
  readonly connections: number;
  measure(windowMs: number): Promise<WindowResult>;
}

/** Connections of the fast path (and the ledger on it): the fewest that kept up at every concurrency measured. */
export const GRPC_KV_CONNECTIONS = 1;

export async function benchLoad(options: LoadBenchOptions): Promise<LoadRow[]> {
  const windows = options.windows ?? (options.quick ? 3 : 5);
  const windowMs = options.windowMs ?? (options.quick ? 5_000 : 6_000);
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
    const referenceConnections = [...new Set([concurrency, 8, 16])];
    const configs: LoadConfig[] = [
      ...referenceConnections.map((connections) =>
        benchmarkConfig(benchmark.path, leader, concurrency, connections),
      ),
      grpcKvConfig(leader, concurrency),
      ledgerConfig(leader, concurrency),
      etcd3LedgerConfig(leader, concurrency),
      autocannonConfig(leader, concurrency, options.signal),
    ];
    const measured = new Map<LoadConfig, WindowResult[]>(configs.map((config) => [config, []]));
    for (let round = 1; round <= windows; round++) {
      for (const config of configs) {
        options.signal?.throwIfAborted();
        options.onProgress?.(`${concurrency} in flight, window ${round}/${windows}: ${config.label}`);
        measured.get(config)!.push(await config.measure(windowMs));
      }
      // Keep the db from growing across rounds (a larger db is slower): compaction is not timed.
      await compactAll(cluster);
    }
    const summaries = configs.map((config) => summarize(config, measured.get(config)!));
    const references = summaries.filter((summary) => summary.tool === 'benchmark');
    const best = references.reduce((a, b) => (b.putsPerSecond > a.putsPerSecond ? b : a));
    for (const summary of summaries) {
      const row: LoadRow = {
        ...summary,
        concurrency,
        reference: summary === best,
        putsRatioToBenchmark: round(summary.putsPerSecond / best.putsPerSecond, 2),
        p99RatioToBenchmark: round(summary.p99Ms / best.p99Ms, 2),
      };
      rows.push(row);
      options.onRow?.(row);
    }
  }
  return rows;
}

function summarize(
  config: LoadConfig,
  results: readonly WindowResult[],
): Omit<LoadRow, 'concurrency' | 'reference' | 'putsRatioToBenchmark' | 'p99RatioToBenchmark'> {
  const cpu = results.map((result) => result.clientCpuCores).filter((value) => value !== undefined);
  return {
    tool: config.tool,
    label: config.label,
    connections: config.connections,
    putsPerSecond: round(median(results.map((result) => result.putsPerSecond))),
    p99Ms: round(median(results.map((result) => result.p99Ms)), 2),
    windows: results.map((result) => round(result.putsPerSecond)),
    shortestWindowMs: Math.round(Math.min(...results.map((result) => result.durationMs))),
    requests: results.reduce((sum, result) => sum + result.requests, 0),
    errors: results.reduce((sum, result) => sum + result.errors, 0),
    clientCpuCores: cpu.length > 0 ? round(median(cpu), 2) : undefined,
  };
}

async function compactAll(cluster: StartedCluster): Promise<void> {
  const { statuses } = await endpointStatus(cluster);
  const revision = Math.max(...statuses.map((status) => status.revision));
  const compacted = await compact(cluster, revision);
  if (compacted.exitCode !== 0) throw procedureError(`compact ${revision}`, compacted);
}

/**
 * etcd's tool runs a fixed number of puts, so each window is sized from the last rate measured for the same
 * configuration (a short probe before the first), with a margin so that the window lasts at least `windowMs`.
 */
function benchmarkConfig(
  binary: string,
  leader: ClusterMember,
  concurrency: number,
  connections: number,
): LoadConfig {
  let lastRate: number | undefined;
  const label =
    connections === concurrency
      ? 'etcd benchmark put, one conn per client'
      : `etcd benchmark put, ${connections} HTTP/2 conns`;
  return {
    tool: 'benchmark',
    label,
    connections,
    async measure(windowMs) {
      if (lastRate === undefined)
        lastRate = (await runBenchmark(binary, leader, concurrency, connections, 2_000)).putsPerSecond;
      let result = await runBenchmark(
        binary,
        leader,
        concurrency,
        connections,
        Math.max(2_000, Math.round((lastRate * windowMs * 1.2) / 1000)),
      );
      // Faster than the last window: too short to count. Run it again, sized from this rate.
      if (result.durationMs < windowMs)
        result = await runBenchmark(
          binary,
          leader,
          concurrency,
          connections,
          Math.round((result.putsPerSecond * windowMs * 1.2) / 1000),
        );
      lastRate = result.putsPerSecond;
      return result;
    },
  };
}

async function runBenchmark(
  binary: string,
  leader: ClusterMember,
  concurrency: number,
  connections: number,
  total: number,
): Promise<WindowResult> {
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
    { timeoutMs: 180_000 },
  );
  const perSecond = /Requests\/sec:\s*([\d.]+)/.exec(result.stdout);
  const p99 = /\b99% in ([\d.]+) secs/.exec(result.stdout);
  const totalSeconds = /Total:\s*([\d.]+) secs/.exec(result.stdout);
  if (!perSecond?.[1] || !p99?.[1] || !totalSeconds?.[1])
    throw new HarnessError(`could not read etcd benchmark's summary:\n${result.stdout.slice(0, 1500)}`);
  return {
    putsPerSecond: Number(perSecond[1]),
    p99Ms: Number(p99[1]) * 1000,
    durationMs: Number(totalSeconds[1]) * 1000,
    requests: total,
    errors: 0,
    clientCpuCores: undefined,
  };
}

function grpcKvConfig(leader: ClusterMember, concurrency: number): LoadConfig {
  return {
    tool: 'grpc-kv',
    label: `grpc-kv put load (hand-framed HTTP/2), ${GRPC_KV_CONNECTIONS} conn`,
    connections: GRPC_KV_CONNECTIONS,
    async measure(windowMs) {
      const client = new GrpcKvClient({ endpoint: leader.urls.client, connections: GRPC_KV_CONNECTIONS });
      try {
        await client.put('/bench/warm-up', 'x'); // connected before the clock starts, like the Go tool
        const cpu = cpuMeter();
        const record = await PutLoad.start([{ client, label: leader.name }], {
          inFlight: concurrency,
          keySpace: 1_000_000,
          valueBytes: 64,
          durationMs: windowMs,
        }).whenFinished();
        const clientCpuCores = cpu();
        const stats = putWindowStats(record);
        return {
          putsPerSecond: stats.putsPerSecond,
          p99Ms: stats.latencyMs.p99,
          durationMs: record.endedAt - record.startedAt,
          requests: record.acknowledged + record.failures.length,
          errors: record.failures.length,
          clientCpuCores,
        };
      } finally {
        client.close();
      }
    },
  };
}

function ledgerConfig(leader: ClusterMember, concurrency: number): LoadConfig {
  return {
    tool: 'ledger',
    label: 'ledger writer on grpc-kv (records every ack)',
    connections: GRPC_KV_CONNECTIONS,
    async measure(windowMs) {
      const client = new GrpcKvClient({ endpoint: leader.urls.client, connections: GRPC_KV_CONNECTIONS });
      try {
        await client.put('/bench/warm-up', 'x');
        return await measureLedger({ clients: [client] }, concurrency, windowMs);
      } finally {
        client.close();
      }
    },
  };
}

function etcd3LedgerConfig(leader: ClusterMember, concurrency: number): LoadConfig {
  return {
    tool: 'ledger-etcd3',
    label: 'ledger writer on etcd3/grpc-js (context)',
    connections: concurrency,
    async measure(windowMs) {
      // One etcd3 client per writer: the harness's old workload shape.
      const clients = Array.from({ length: concurrency }, () =>
        createEtcdClient({ endpoints: [leader.urls.client] }),
      );
      try {
        return await measureLedger({ clients }, concurrency, windowMs);
      } finally {
        for (const client of clients) client.close();
      }
    },
  };
}

async function measureLedger(
  target: Parameters<typeof LedgerWriter.start>[0],
  concurrency: number,
  windowMs: number,
): Promise<WindowResult> {
  const cpu = cpuMeter();
  const writer = LedgerWriter.start(target, { writers: concurrency });
  await sleep(windowMs);
  const ledger = await writer.stop();
  const clientCpuCores = cpu();
  const elapsedMs = Math.max(1, ledger.endedAt - ledger.startedAt);
  const latencies = ledger.acknowledged.map((write) => write.ackAt - write.sentAt);
  return {
    putsPerSecond: (ledger.acknowledged.length * 1000) / elapsedMs,
    p99Ms: percentile(latencies, 0.99),
    durationMs: elapsedMs,
    requests: ledger.acknowledged.length + ledger.failed.length + ledger.ambiguous.length,
    errors: ledger.failed.length + ledger.ambiguous.length,
    clientCpuCores,
  };
}

function autocannonConfig(leader: ClusterMember, concurrency: number, signal?: AbortSignal): LoadConfig {
  return {
    tool: 'autocannon',
    label: 'autocannon, gRPC gateway (HTTP/1.1 JSON; context)',
    connections: concurrency,
    async measure(windowMs) {
      const cpu = cpuMeter();
      const result = await runHttpLoad({
        url: leader.urls.client,
        durationMs: windowMs,
        connections: concurrency,
        signal,
      });
      return {
        putsPerSecond: result.throughputPerSecond,
        p99Ms: result.latencyMs.p99,
        durationMs: windowMs,
        requests: result.requests,
        errors: result.errors, // includes non-2xx responses
        clientCpuCores: cpu(),
      };
    },
  };
}

/** CPU cores this process used since the call (all threads, from /proc: autocannon and the clients run here). */
function cpuMeter(): () => number {
  const read = () => {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (100/s)
  };
  const startCpu = read();
  const startedAt = performance.now();
  return () => round((read() - startCpu) / ((performance.now() - startedAt) / 1000), 2);
}
