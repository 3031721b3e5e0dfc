// `etcd-chaos bench cluster`: median time for a 3-member cluster to come up (all healthy) and go down, per version,
// next to a bare shell script starting the same binaries in the same run (the baseline).
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveEtcd } from '../binaries/resolve-etcd.js';
import type { NetworkModeRequest } from '../cluster/network/plane.js';
import { freePort } from '../cluster/ports.js';
import { ClusterSpec } from '../cluster/spec.js';
import { HarnessError } from '../errors.js';
import { TEMP_DIR_PREFIX, tempRoot } from '../paths.js';
import { Session } from '../session.js';
import { runCommand } from '../util/exec.js';
import { resolveVersion } from '../versions/version.js';
import { median, percentile, round } from './stats.js';

const BARE_SCRIPT = fileURLToPath(new URL('../../../harness/bench/bare-cluster.sh', import.meta.url));

export interface ClusterBenchRow {
  readonly version: string;
  readonly runner: string;
  readonly runs: number;
  readonly upMedianMs: number;
  readonly downMedianMs: number;
  readonly totalMedianMs: number;
  /** 90th percentile of up+down: the spread comes from raft's randomized election timeout. */
  readonly totalP90Ms: number;
  /** Harness total / bare-script total, same version, same run. */
  readonly ratioToBaseline: number | undefined;
}

export interface ClusterBenchOptions {
  readonly versions: readonly string[];
  readonly runs: number;
  readonly networks: readonly NetworkModeRequest[];
  /** Also measure the docker backend (containers; images made before the first timed run). */
  readonly docker?: boolean;
  readonly onRow?: (row: ClusterBenchRow) => void;
  readonly signal?: AbortSignal;
}

export async function benchCluster(options: ClusterBenchOptions): Promise<ClusterBenchRow[]> {
  const rows: ClusterBenchRow[] = [];
  const emit = (row: ClusterBenchRow) => {
    rows.push(row);
    options.onRow?.(row);
  };
  for (const request of options.versions) {
    const version = resolveVersion(request);
    const binaries = await resolveEtcd(version);
    const baseline = await measureBare(binaries.etcd, options.runs, options.signal);
    const baselineTotal = median(baseline.map((sample) => sample.upMs + sample.downMs));
    emit(row(version.toString(), 'bare script (baseline)', baseline, undefined));
    for (const network of options.networks) {
      // One session per series: Toxiproxy and the bridge are set up once, as in a scenario run.
      await using session = await Session.open();
      const samples: Sample[] = [];
      for (let run = 0; run < options.runs; run++) {
        options.signal?.throwIfAborted();
        const startedAt = performance.now();
        const cluster = await ClusterSpec.fromBinaries(binaries).withNetwork(network).start({ session });
        const upAt = performance.now();
        await cluster.teardown();
        samples.push({ upMs: upAt - startedAt, downMs: performance.now() - upAt });
      }
      const plane = (await session.network(network)).mode;
      emit(row(version.toString(), `etcd-chaos (${plane})`, samples, baselineTotal));
    }
    if (options.docker) {
      await using session = await Session.open();
      const spec = () => ClusterSpec.fromBinaries(binaries).withBackend('docker');
      // Untimed warm-up: resolves (or builds) the images, as `etcd-chaos images build` would ahead of a run.
      await (await spec().start({ session })).teardown();
      const samples: Sample[] = [];
      for (let run = 0; run < options.runs; run++) {
        options.signal?.throwIfAborted();
        const startedAt = performance.now();
        const cluster = await spec().start({ session });
        const upAt = performance.now();
        await cluster.teardown();
        samples.push({ upMs: upAt - startedAt, downMs: performance.now() - upAt });
      }
      emit(row(version.toString(), 'etcd-chaos (docker)', samples, baselineTotal));
    }
  }
  return rows;
}

interface Sample {
  readonly upMs: number;
  readonly downMs: number;
}

function row(
  version: string,
  runner: string,
  samples: readonly Sample[],
  baselineTotalMs: number | undefined,
): ClusterBenchRow {
  const totalMedianMs = median(samples.map((sample) => sample.upMs + sample.downMs));
  return {
    version,
    runner,
    runs: samples.length,
    upMedianMs: round(median(samples.map((sample) => sample.upMs))),
    downMedianMs: round(median(samples.map((sample) => sample.downMs))),
    totalMedianMs: round(totalMedianMs),
    totalP90Ms: round(
      percentile(
        samples.map((sample) => sample.upMs + sample.downMs),
        0.9,
      ),
    ),
    ratioToBaseline: baselineTotalMs === undefined ? undefined : round(totalMedianMs / baselineTotalMs, 2),
  };
}

async function measureBare(etcd: string, runs: number, signal: AbortSignal | undefined): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let run = 0; run < runs; run++) {
    signal?.throwIfAborted();
    const taken = new Set<number>();
    const ports: number[] = [];
    for (let index = 0; index < 9; index++) {
      const port = await freePort('127.0.0.1', taken);
      taken.add(port);
      ports.push(port);
    }
    const dir = mkdtempSync(join(tempRoot(), `${TEMP_DIR_PREFIX}bench-`));
    try {
      const { stdout } = await runCommand(
        'bash',
        [BARE_SCRIPT, etcd, join(dir, 'cluster'), ...ports.map(String)],
        {
          timeoutMs: 60_000,
          signal,
        },
      );
      const match = /up_ms=(\d+) down_ms=(\d+)/.exec(stdout);
      if (!match) throw new HarnessError(`bare-cluster.sh printed no timings: ${stdout}`);
      samples.push({ upMs: Number(match[1]), downMs: Number(match[2]) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return samples;
}
