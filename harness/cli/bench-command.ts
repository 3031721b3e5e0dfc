// `etcd-chaos bench`: reproducible performance figures, each next to a baseline measured in the same run.
import { loadavg } from 'node:os';
import type { Command } from 'commander';
import { benchCluster, type ClusterBenchRow } from '../bench/cluster-bench.js';
import { benchFidelity, type FidelityRow } from '../bench/fidelity-bench.js';
import { benchKube } from '../bench/kube-bench.js';
import { benchLoad, type LoadRow } from '../bench/load-bench.js';
import { BENCH_SIZES, benchScale, type ScaleBenchRow } from '../bench/scale-bench.js';
import { benchSnapshot } from '../bench/snapshot-bench.js';
import { benchSuite, type SuiteBenchRow } from '../bench/suite-bench.js';
import { benchVerifyBackup } from '../bench/verify-backup-bench.js';
import { dockerUnavailableReason } from '../cluster/docker/engine.js';
import type { NetworkModeRequest } from '../cluster/network/plane.js';
import { InputError } from '../errors.js';
import type { ScenarioDefinition } from '../scenario/types.js';
import { SUPPORTED_LINES } from '../versions/catalog.js';
import type { GlobalOptions } from './global-options.js';
import { collect, parseIntegerOption, splitList } from './options.js';
import { printJsonLine } from './output.js';

interface ClusterBenchCliOptions {
  versions?: string[];
  runs: number;
  network?: string[];
  /** commander sets false for --no-docker. */
  docker?: boolean;
  json?: boolean;
}

interface KubeBenchCliOptions {
  kubernetes?: string[];
  etcdVersions?: string[];
  starts: number;
  /** commander sets false for --no-matrix. */
  matrix?: boolean;
  json?: boolean;
}

interface LoadBenchCliOptions extends QuickOptions {
  concurrency?: string[];
  windows?: number;
  windowMs?: number;
}

interface QuickOptions {
  quick?: boolean;
  json?: boolean;
  etcdVersion: string;
}

export function registerBench(
  program: Command,
  globals: () => GlobalOptions,
  builtIn: readonly ScenarioDefinition[],
): void {
  const bench = program
    .command('bench')
    .description('benchmarks, each reported against a baseline run in the same process');

  bench
    .command('cluster')
    .description(
      '3-member cluster up (all healthy) + down per version, vs. a bare script starting the same binaries',
    )
    .option('--versions <list>', 'versions to measure (default: every supported line)', collect)
    .option(
      '--runs <n>',
      'runs per series (median reported)',
      parseIntegerOption('--runs', 'a positive integer'),
      11,
    )
    .option('--network <list>', 'network planes for the harness series (default: auto,loopback)', collect)
    .option('--no-docker', 'skip the docker backend series (measured by default when an engine answers)')
    .option('--json', 'print one JSON line with every row')
    .action(async (options: ClusterBenchCliOptions) => {
      await runClusterBench(options, globals().signal);
    });

  bench
    .command('fidelity')
    .description(
      'injected vs observed: fsync delay 10/50/100 ms, network latency 50/100/200 ms with and without jitter',
    )
    .option('--quick', 'shorter windows, fewer samples')
    .option('--etcd-version <version>', 'etcd version', 'default')
    .option('--json', 'last line: {"rows": [{"fault","injectedMs","observedMs","errorPercent"}, ...]}')
    .action(async (options: QuickOptions) => {
      await runFidelityBench(options, globals().signal);
    });

  bench
    .command('snapshot')
    .description(
      'write a Kubernetes-shaped snapshot of N keys under /registry/ (for rehearse-upgrade --seed-snapshot) and time it',
    )
    .requiredOption('--out <file>', 'where to write the snapshot')
    .option(
      '--keys <n>',
      'keys under /registry/',
      parseIntegerOption('--keys', 'an integer from 1 to 1000000'),
      100_000,
    )
    .option(
      '--value-bytes <n>',
      'mean value size',
      parseIntegerOption('--value-bytes', 'a size in bytes'),
      512,
    )
    .option('--etcd-version <version>', 'the release that writes it', '3.5')
    .option('--json', 'print one JSON line')
    .action(
      async (options: {
        out: string;
        keys: number;
        valueBytes: number;
        etcdVersion: string;
        json?: boolean;
      }) => {
        const row = await benchSnapshot({
          keys: options.keys,
          valueBytes: options.valueBytes,
          version: options.etcdVersion,
          out: options.out,
          signal: globals().signal,
          onStep: (message) => process.stderr.write(`[etcd-chaos] ${message}\n`),
        });
        if (options.json) printJsonLine(row);
        else
          process.stdout.write(
            `${row.path}: ${row.keys} keys written by etcd ${row.etcdVersion} in ${(row.seedMs / 1000).toFixed(1)} s (${row.putsPerSecond} puts/s), snapshot save ${(row.saveMs / 1000).toFixed(1)} s, ${row.sizeBytes} bytes\n`,
          );
      },
    );

  bench
    .command('load')
    .description(
      "puts/s and p99: ledger writer, autocannon on the gateway, and etcd's benchmark tool, as ratios to the latter",
    )
    .option('--quick', '3 windows of 5 s per configuration (default 5 of 6 s)')
    .option('--concurrency <list>', 'requests in flight to measure at (default 32,64,128)', collect)
    .option(
      '--windows <n>',
      'windows per configuration (at least 3)',
      parseIntegerOption('--windows', 'an integer of at least 3'),
    )
    .option(
      '--window-ms <ms>',
      'length of each window (at least 5000)',
      parseIntegerOption('--window-ms', 'an integer of at least 5000'),
    )
    .option(
      '--json',
      'last line: {"bench":"load","rows":[{"concurrency","tool","connections","putsPerSecond",...}]}',
    )
    .action(async (options: LoadBenchCliOptions) => {
      if (options.windows !== undefined && options.windows < 3)
        throw new InputError(`Expected \`--windows\` to be at least 3, got \`${options.windows}\`.`);
      if (options.windowMs !== undefined && options.windowMs < 5_000)
        throw new InputError(`Expected \`--window-ms\` to be at least 5000, got \`${options.windowMs}\`.`);
      for (const value of splitList(options.concurrency))
        if (!/^[1-9]\d{0,3}$/.test(value))
          throw new InputError(
            `Expected \`--concurrency\` to list integers from 1 to 9999, got \`${value}\`.`,
          );
      await runLoadBench(options, globals().signal);
    });

  bench
    .command('scale')
    .description(
      'by db size (100MiB, 1GiB, 4GiB): data generation MiB/s, snapshot save, restore and defrag time, against the disk (sequential write, file copy)',
    )
    .option('--sizes <list>', `sizes to measure (default: ${Object.keys(BENCH_SIZES).join(',')})`, collect)
    .option('--etcd-version <version>', 'etcd version', 'default')
    .option('--json', 'last line: {"bench":"scale","rows":[...]}')
    .action(async (options: { sizes?: string[]; etcdVersion: string; json?: boolean }) => {
      const sizes = splitList(options.sizes);
      for (const size of sizes)
        if (!Object.hasOwn(BENCH_SIZES, size))
          throw new InputError(
            `Expected \`--sizes\` to list ${Object.keys(BENCH_SIZES).join(', ')}, got \`${size}\`.`,
          );
      await runScaleBench({ ...options, sizes }, globals().signal);
    });

  bench
    .command('suite')
    .description('wall time of the quick suite (every scenario) on one version, against the 3-minute budget')
    .option('--etcd-version <version>', 'etcd version', 'default')
    .option('--json', 'last line: the result as JSON')
    .action(async (options: QuickOptions) => {
      await runSuiteBench(options, builtIn, globals().signal);
    });

  bench
    .command('verify-backup')
    .description(
      "verify-backup of a large snapshot made with etcd's benchmark tool (1M keys, ~1.4 GB), 1- and 3-member drills, against `etcdutl snapshot restore` alone",
    )
    .option('--keys <n>', 'keys to write', parseIntegerOption('--keys', 'a positive integer'), 1_000_000)
    .option(
      '--value-bytes <n>',
      'value size',
      parseIntegerOption('--value-bytes', 'a positive integer'),
      1024,
    )
    .option('--etcd-version <version>', 'etcd version', 'default')
    .option(
      '--snapshot <file>',
      'measure a snapshot made earlier (by --keep-snapshot) instead of writing the keys again',
    )
    .option('--keep-snapshot <file>', 'keep the snapshot made here, for --snapshot')
    .option('--json', 'last line: the result as JSON')
    .action(async (options: QuickOptions & VerifyBenchOptions) => {
      await runVerifyBackupBench(options, globals().signal);
    });

  bench
    .command('kube-apiserver')
    .description(
      'kube-apiserver: build time (once per cache), start-to-ready over repeated starts, and the kube-apiserver × etcd matrix (starts, serves, watches)',
    )
    .option(
      '--kubernetes <list>',
      'kube-apiserver releases (default: the newest of every known line)',
      collect,
    )
    .option('--etcd-versions <list>', 'etcd releases for the matrix (default: every supported line)', collect)
    .option(
      '--starts <n>',
      'API server starts per release for start-to-ready (against etcd 3.6, one member, TLS)',
      parseIntegerOption('--starts', 'a non-negative integer'),
      5,
    )
    .option('--no-matrix', 'skip the compatibility matrix')
    .option('--json', 'last line: {"builds", "startToReady", "matrix"}')
    .action(async (options: KubeBenchCliOptions) => {
      await runKubeBench(options, globals().signal);
    });

  bench
    .command('all')
    .description(
      'every benchmark but kube-apiserver (cluster, fidelity --quick, load --quick, scale, suite, verify-backup)',
    )
    .option('--json', 'one JSON line per benchmark')
    .action(async (options: { json?: boolean }) => {
      const { signal } = globals();
      await runClusterBench({ runs: 11, json: options.json }, signal);
      await runFidelityBench({ quick: true, json: options.json, etcdVersion: 'default' }, signal);
      await runLoadBench({ quick: true, json: options.json, etcdVersion: 'default' }, signal);
      await runScaleBench({ json: options.json, etcdVersion: 'default', sizes: [] }, signal);
      await runSuiteBench({ json: options.json, etcdVersion: 'default' }, builtIn, signal);
      await runVerifyBackupBench(
        { json: options.json, etcdVersion: 'default', keys: 1_000_000, valueBytes: 1024 },
        signal,
      );
    });
}

async function runClusterBench(options: ClusterBenchCliOptions, signal: AbortSignal): Promise<void> {
  const versions = splitList(options.versions);
  const networks = splitList(options.network) as NetworkModeRequest[];
  const dockerSkipped =
    options.docker === false ? 'not requested (--no-docker)' : await dockerUnavailableReason();
  if (!options.json) {
    process.stdout.write(`\n== cluster up+down (median of ${options.runs}) ==\n`);
    if (dockerSkipped) process.stdout.write(`(docker backend series skipped: ${dockerSkipped})\n`);
    process.stdout.write(`${clusterHeader()}\n`);
  }
  const rows = await benchCluster({
    versions: versions.length ? versions : [...SUPPORTED_LINES],
    runs: options.runs,
    networks: networks.length ? networks : ['auto', 'loopback'],
    docker: dockerSkipped === undefined,
    signal,
    onRow: (row) => {
      if (!options.json) process.stdout.write(`${clusterRow(row)}\n`);
    },
  });
  if (options.json) printJsonLine({ bench: 'cluster', rows, dockerSkipped: dockerSkipped ?? null });
}

async function runFidelityBench(options: QuickOptions, signal: AbortSignal): Promise<void> {
  if (!options.json) {
    process.stdout.write(`\n== fault fidelity${options.quick ? ' (quick)' : ''} ==\n`);
    process.stdout.write(
      `${'fault'.padEnd(34)} ${'injected'.padStart(9)} ${'observed'.padStart(9)} ${'error'.padStart(7)}  samples  method\n`,
    );
  }
  const rows = await benchFidelity({
    quick: Boolean(options.quick),
    version: options.etcdVersion,
    signal,
    onRow: (row: FidelityRow) => {
      if (!options.json) {
        process.stdout.write(
          `${row.fault.padEnd(34)} ${`${row.injectedMs} ms`.padStart(9)} ${`${row.observedMs} ms`.padStart(9)} ${`${row.errorPercent}%`.padStart(7)}  ${String(row.samples).padStart(7)}  ${row.method}\n`,
        );
      }
    },
    onSkip: (what, reason) => process.stderr.write(`[etcd-chaos] skipped ${what}: ${reason}\n`),
  });
  if (options.json)
    printJsonLine({
      rows: rows.map(({ fault, injectedMs, observedMs, errorPercent }) => ({
        fault,
        injectedMs,
        observedMs,
        errorPercent,
      })),
    });
  else {
    const worst = Math.max(...rows.map((row) => Math.abs(row.errorPercent)));
    process.stdout.write(`worst error: ${worst}% (goal: every row within 10%)\n`);
  }
}

async function runLoadBench(options: LoadBenchCliOptions, signal: AbortSignal): Promise<void> {
  const loadAverage = () =>
    loadavg()
      .map((value) => value.toFixed(1))
      .join(' ');
  const loadAtStart = loadAverage();
  if (!options.json) {
    process.stdout.write(
      `\n== load on one cluster, through the leader's client proxy${options.quick ? ' (quick)' : ''} ==\n` +
        `(configurations alternate; median of the windows; ratios to etcd's tool in its best configuration; load average ${loadAtStart})\n`,
    );
    process.stdout.write(
      `${'in flight'.padStart(9)} ${'tool'.padEnd(48)} ${'conns'.padStart(5)} ${'puts/s'.padStart(8)} ${'p99 ms'.padStart(8)} ${'vs ref'.padStart(7)} ${'p99 vs'.padStart(7)} ${'client cpu'.padStart(10)}  windows (puts/s)\n`,
    );
  }
  const concurrencies = splitList(options.concurrency).map(Number);
  const rows = await benchLoad({
    quick: Boolean(options.quick),
    version: options.etcdVersion,
    ...(concurrencies.length > 0 ? { concurrencies } : {}),
    ...(options.windows === undefined ? {} : { windows: options.windows }),
    ...(options.windowMs === undefined ? {} : { windowMs: options.windowMs }),
    signal,
    onProgress: (message) => {
      if (!options.json) process.stderr.write(`  · ${message}\n`);
    },
    onRow: (row: LoadRow) => {
      if (!options.json) {
        process.stdout.write(
          `${String(row.concurrency).padStart(9)} ${`${row.reference ? '* ' : ''}${row.label}`.padEnd(48)} ${String(row.connections).padStart(5)} ${String(row.putsPerSecond).padStart(8)} ${String(row.p99Ms).padStart(8)} ${`${Math.round(row.putsRatioToBenchmark * 100)}%`.padStart(7)} ${`${row.p99RatioToBenchmark}x`.padStart(7)} ${(row.clientCpuCores === undefined ? '' : `${row.clientCpuCores} cores`).padStart(10)}  ${row.windows.join(' ')}\n`,
        );
      }
    },
  });
  const loadAtEnd = loadAverage();
  if (options.json)
    printJsonLine({ bench: 'load', loadAverage: { start: loadAtStart, end: loadAtEnd }, rows });
  else {
    const ratios = (tool: LoadRow['tool']) =>
      rows
        .filter((row) => row.tool === tool)
        .map((row) => `${row.concurrency}: ${Math.round(row.putsRatioToBenchmark * 100)}%`)
        .join(', ');
    process.stdout.write(
      `* = etcd's tool in its best configuration (the reference). Load average at the end: ${loadAtEnd}\n` +
        `grpc-kv vs the reference: ${ratios('grpc-kv')} (goal ≥ 90%); ledger on grpc-kv: ${ratios('ledger')}\n`,
    );
  }
}

async function runScaleBench(
  options: { sizes: string[]; etcdVersion: string; json?: boolean },
  signal: AbortSignal,
): Promise<void> {
  if (!options.json)
    process.stdout.write(
      `\n== production-size procedures by db size (load average ${loadavg()
        .map((value) => value.toFixed(1))
        .join(
          ' ',
        )}) ==\n${'size'.padEnd(7)} ${'keys'.padStart(9)} ${'db MiB'.padStart(7)} ${'gen MiB/s'.padStart(9)} ${'disk MiB/s'.padStart(10)} ${'gen/disk'.padStart(8)} ${'save s'.padStart(7)} ${'restore s'.padStart(9)} ${'defrag s'.padStart(8)} ${'copy s'.padStart(7)} ${'restore/copy'.padStart(12)} ${'defrag/copy'.padStart(11)}\n`,
    );
  const skipped: { size: string; reason: string }[] = [];
  const rows = await benchScale({
    sizes: options.sizes.length > 0 ? options.sizes : undefined,
    version: options.etcdVersion,
    signal,
    onProgress: (message) => {
      if (!options.json) process.stderr.write(`  · ${message}\n`);
    },
    onSkip: (size, reason) => {
      skipped.push({ size, reason });
      process.stderr.write(`[etcd-chaos] skipped ${size}: ${reason}\n`);
    },
    onRow: (row: ScaleBenchRow) => {
      if (!options.json)
        process.stdout.write(
          `${row.size.padEnd(7)} ${String(row.keys).padStart(9)} ${String(Math.round(row.dbSizeBytes / 1048576)).padStart(7)} ${String(row.generateMiBPerSecond).padStart(9)} ${String(row.diskWriteMiBPerSecond).padStart(10)} ${`${row.generateVsDisk}x`.padStart(8)} ${String(row.snapshotSaveSeconds).padStart(7)} ${String(row.restoreSeconds).padStart(9)} ${String(row.defragSeconds).padStart(8)} ${String(row.copySeconds).padStart(7)} ${`${row.restoreVsCopy}x`.padStart(12)} ${`${row.defragVsCopy}x`.padStart(11)}\n`,
        );
    },
  });
  if (options.json) printJsonLine({ bench: 'scale', rows, skipped });
}

async function runSuiteBench(
  options: QuickOptions,
  scenarios: readonly ScenarioDefinition[],
  signal: AbortSignal,
): Promise<void> {
  if (!options.json)
    process.stdout.write(
      `\n== quick suite wall time ==\n${'scenario'.padEnd(24)} ${'seconds'.padStart(8)}  status / verdicts\n`,
    );
  const result = await benchSuite({
    scenarios,
    version: options.etcdVersion,
    signal,
    onRow: (row: SuiteBenchRow) => {
      if (!options.json)
        process.stdout.write(
          `${row.scenario.padEnd(24)} ${(row.durationMs / 1000).toFixed(1).padStart(8)}  ${row.status}: ${row.verdicts}\n`,
        );
    },
  });
  if (options.json) printJsonLine({ bench: 'suite', ...result });
  else {
    process.stdout.write(
      `total ${(result.wallMs / 1000).toFixed(1)} s for etcd ${result.version} = ${Math.round(result.ratioToBudget * 100)}% of the ${result.budgetMs / 1000} s budget\n`,
    );
  }
}

interface VerifyBenchOptions {
  keys: number;
  valueBytes: number;
  snapshot?: string;
  keepSnapshot?: string;
}

async function runVerifyBackupBench(
  options: QuickOptions & VerifyBenchOptions,
  signal: AbortSignal,
): Promise<void> {
  if (!options.json) process.stdout.write('\n== verify-backup of a large snapshot ==\n');
  const result = await benchVerifyBackup({
    keys: options.keys,
    valueBytes: options.valueBytes,
    version: options.etcdVersion,
    snapshot: options.snapshot,
    keepSnapshot: options.keepSnapshot,
    signal,
    onStep: (message) => process.stderr.write(`[bench] ${message}\n`),
  });
  if (options.json) {
    printJsonLine({ bench: 'verify-backup', ...result });
    return;
  }
  process.stdout.write(
    `etcd ${result.version}: ${options.snapshot ? `snapshot ${options.snapshot}` : `${result.keys} keys`}, snapshot ${(result.snapshotBytes / 1073741824).toFixed(2)} GiB (${result.snapshotBytes} bytes), puts took ${result.putSeconds} s\n`,
  );
  for (const row of result.rows)
    process.stdout.write(
      `${row.what.padEnd(58)} ${`${row.seconds} s`.padStart(10)} ${row.ratioToRestore === undefined ? '' : `${row.ratioToRestore}x restore`}${row.verdict ? `  (${row.verdict})` : ''}  [load ${row.loadAverage}]\n`,
    );
  const oneMember = result.rows.find((row) => row.what.includes('1-member'));
  const floor = result.rows.find((row) => row.what.startsWith('drill floor'));
  process.stdout.write(
    `goal: the 1-member verification within 2x the restore alone: ${oneMember?.ratioToRestore ?? '?'}x (etcd's own restore, start and HashKV: ${floor?.ratioToRestore ?? '?'}x)\n`,
  );
}

async function runKubeBench(options: KubeBenchCliOptions, signal: AbortSignal): Promise<void> {
  const kubernetes = splitList(options.kubernetes);
  const etcd = splitList(options.etcdVersions);
  const say = (text: string) => {
    if (!options.json) process.stdout.write(`${text}\n`);
  };
  say('\n== kube-apiserver build (once per cache) ==');
  const result = await benchKube({
    kubernetes: kubernetes.length > 0 ? kubernetes : ['1.34', '1.35', '1.36', '1.37'],
    etcd: etcd.length > 0 ? etcd : [...SUPPORTED_LINES],
    starts: options.starts,
    matrix: options.matrix !== false,
    signal,
    onBuild: (row) =>
      say(
        `${row.kubernetes.padEnd(8)} ${row.source.padEnd(9)} ${(row.buildSeconds === undefined ? '?' : `${row.buildSeconds} s`).padStart(7)} ${`${Math.round(row.binaryBytes / 1048576)} MiB`.padStart(8)}  ${row.provenance}`,
      ),
    onStartToReady: (row) =>
      say(
        `start-to-ready ${row.kubernetes} on etcd ${row.etcd}: median ${row.medianMs} ms, min ${row.minMs}, p90 ${row.p90Ms}, max ${row.maxMs} (${row.starts} starts: ${row.samplesMs.join(', ')})`,
      ),
    onCell: (cell) =>
      say(
        `matrix ${cell.kubernetes} × etcd ${cell.etcd}: ${cell.readyAfterMs === undefined ? `does not start (${cell.startError ?? ''})` : `ready ${cell.readyAfterMs} ms, serves ${cell.serves ? 'yes' : `no (${cell.serveError ?? ''})`}, watch ${cell.watchEventAfterMs === undefined ? `no (${cell.watchError ?? ''})` : `${cell.watchEventAfterMs} ms`}`}`,
      ),
  });
  if (options.json) printJsonLine({ bench: 'kube-apiserver', ...result });
}

function clusterHeader(): string {
  return `${'version'.padEnd(8)} ${'runner'.padEnd(26)} ${'runs'.padStart(4)} ${'up ms'.padStart(7)} ${'down ms'.padStart(8)} ${'up+down'.padStart(8)} ${'p90'.padStart(6)} ${'vs bare'.padStart(8)}`;
}

function clusterRow(row: ClusterBenchRow): string {
  return `${row.version.padEnd(8)} ${row.runner.padEnd(26)} ${String(row.runs).padStart(4)} ${String(row.upMedianMs).padStart(7)} ${String(row.downMedianMs).padStart(8)} ${String(row.totalMedianMs).padStart(8)} ${String(row.totalP90Ms).padStart(6)} ${(row.ratioToBaseline === undefined ? '' : `${row.ratioToBaseline}x`).padStart(8)}`;
}
