// `etcd-chaos bench`: reproducible performance figures, each next to a baseline measured in the same run.
import type { Command } from 'commander';
import { benchCluster, type ClusterBenchRow } from '../bench/cluster-bench.js';
import type { NetworkModeRequest } from '../cluster/network/plane.js';
import { SUPPORTED_LINES } from '../versions/catalog.js';
import type { GlobalOptions } from './global-options.js';
import { collect, parseIntegerOption, splitList } from './options.js';
import { printJsonLine } from './output.js';

interface ClusterBenchCliOptions {
  versions?: string[];
  runs: number;
  network?: string[];
  json?: boolean;
}

export function registerBench(program: Command, globals: () => GlobalOptions): void {
  const bench = program
    .command('bench')
    .description('benchmarks, each reported against a baseline run in the same process');
  const clusterAction = async (options: ClusterBenchCliOptions) => {
    const versions = splitList(options.versions);
    const networks = splitList(options.network) as NetworkModeRequest[];
    if (!options.json) process.stdout.write(`${header()}\n`);
    const rows = await benchCluster({
      versions: versions.length ? versions : [...SUPPORTED_LINES],
      runs: options.runs,
      networks: networks.length ? networks : ['auto', 'loopback'],
      signal: globals().signal,
      onRow: (row) => {
        if (!options.json) process.stdout.write(`${formatRow(row)}\n`);
      },
    });
    if (options.json) printJsonLine({ bench: 'cluster', rows });
  };
  const addOptions = (command: Command) =>
    command
      .option('--versions <list>', 'versions to measure (default: every supported line)', collect)
      .option(
        '--runs <n>',
        'runs per series (median reported)',
        parseIntegerOption('--runs', 'a positive integer'),
        7,
      )
      .option('--network <list>', 'network planes for the harness series (default: auto,loopback)', collect)
      .option('--json', 'print one JSON line with every row');
  addOptions(
    bench.command('cluster').description('3-member cluster up (all healthy) + down, vs. a bare script'),
  ).action(clusterAction);
  addOptions(bench.command('all').description('every benchmark')).action(clusterAction);
}

function header(): string {
  return `${'version'.padEnd(8)} ${'runner'.padEnd(26)} ${'runs'.padStart(4)} ${'up ms'.padStart(7)} ${'down ms'.padStart(8)} ${'up+down'.padStart(8)} ${'p90'.padStart(6)} ${'vs bare'.padStart(8)}`;
}

function formatRow(row: ClusterBenchRow): string {
  return `${row.version.padEnd(8)} ${row.runner.padEnd(26)} ${String(row.runs).padStart(4)} ${String(row.upMedianMs).padStart(7)} ${String(row.downMedianMs).padStart(8)} ${String(row.totalMedianMs).padStart(8)} ${String(row.totalP90Ms).padStart(6)} ${(row.ratioToBaseline === undefined ? '' : `${row.ratioToBaseline}x`).padStart(8)}`;
}
