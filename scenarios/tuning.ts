// Heartbeat/election tuning: etcd's defaults (100/1000 ms), the guide's tuned values (500/5000 ms) and any pair the
// user gives, each on a fresh cluster under the same faults: peer jitter on every member and a train of fsync stalls
// on whichever member leads. Reports leader changes per minute, failover time after leader loss and put p99.
import {
  ApiServerSpec,
  checkFailoverCost,
  checkTuningChurn,
  defineScenario,
  ETCD_DEFAULT_PAIR,
  GUIDE_PAIR,
  type KubeLoadResult,
  kubernetesParam,
  MEASURED_PAIR_COLUMNS,
  measuredPairCells,
  measurePair,
  pairFromFlags,
  parsePair,
  runKubeLoad,
  runSpikeTrain,
  type TimingPair,
  type TuningRow,
  uniquePairs,
} from '../harness/index.js';

export default defineScenario({
  id: 'tuning',
  title: 'Heartbeat and election timeout tuning under jitter and fsync spikes',
  claims: ['tuning.churn', 'tuning.failover-cost'],
  params: {
    // A stall must outlast the longest randomized election timeout at the defaults (2× 1 s) plus the time strace
    // takes to attach, or whether it causes an election is a coin flip (2 s stalls: once 0 elections in 3 stalls in
    // CI); 3 s stalls caused one election each at 100/1000 ms and none at 500/5000 ms in every run here.
    spikeMs: {
      type: 'number',
      default: 3_000,
      unit: 'ms',
      min: 10,
      description: 'length of each fsync stall on the leader',
    },
    spikeIntervalMs: {
      type: 'number',
      default: 5_000,
      unit: 'ms',
      min: 100,
      description: 'from one stall to the next',
    },
    spikes: {
      type: 'number',
      default: 10,
      unit: 'count',
      min: 1,
      max: 100,
      description: 'stalls per configuration',
    },
    jitterLatencyMs: {
      type: 'number',
      default: 100,
      unit: 'ms',
      min: 0,
      description: 'peer latency on every member (raft messages it sends)',
    },
    jitterMs: { type: 'number', default: 80, unit: 'ms', min: 0, description: '± jitter of that latency' },
    writers: {
      type: 'number',
      default: 2,
      unit: 'count',
      min: 1,
      max: 32,
      description: 'ledger writers (put p99)',
    },
    pairs: {
      type: 'list',
      default: [],
      description:
        'more heartbeat/election pairs to compare, e.g. 250/2500 (a pair given with --flag is added too)',
    },
    workload: {
      type: 'enum',
      choices: ['ledger', 'kubernetes'],
      default: 'ledger',
      description:
        "kubernetes: also a kube-apiserver on each cluster under autocannon load (create/update/get/list of ConfigMaps) through the fault window, with the latency it sees from etcd next to etcd's own",
    },
    kubernetes: kubernetesParam(),
  },
  intensities: { quick: { spikes: 3 } },
  timeoutMs: { quick: 150_000, full: 900_000 },
  async run(ctx) {
    const configs = timingConfigs(ctx.target.flags, ctx.params.pairs);
    const rows: TuningRow[] = [];
    const kubeRows: { label: string; load: KubeLoadResult }[] = [];
    for (const config of configs) {
      ctx.step(
        `${config.label} (${config.heartbeatIntervalMs}/${config.electionTimeoutMs} ms): ${ctx.params.spikes} fsync stalls of ${ctx.params.spikeMs} ms on the leader, peer jitter ${ctx.params.jitterLatencyMs}±${ctx.params.jitterMs} ms`,
      );
      rows.push(
        await measurePair(
          ctx,
          config,
          async ({ cluster, faults, signal }) => {
            const apiserver =
              ctx.params.workload === 'kubernetes'
                ? await ApiServerSpec.forCluster(cluster, ctx.params.kubernetes).start({
                    session: ctx.session,
                    signal,
                  })
                : undefined;
            await faults.inject(
              'network-latency',
              {
                latencyMs: ctx.params.jitterLatencyMs,
                jitterMs: ctx.params.jitterMs,
                proxy: 'peer',
                direction: 'downstream',
              },
              { target: 'all' },
            );
            const kubeLoad = apiserver
              ? runKubeLoad(apiserver, cluster, {
                  durationMs: ctx.params.spikes * ctx.params.spikeIntervalMs,
                  signal,
                })
              : undefined;
            const train = await runSpikeTrain(faults, {
              fault: 'disk-latency',
              params: { delayMs: ctx.params.spikeMs },
              target: 'leader',
              spikeMs: ctx.params.spikeMs,
              intervalMs: ctx.params.spikeIntervalMs,
              count: ctx.params.spikes,
              signal,
            });
            return {
              startedAt: train.startedAt,
              afterWindow: async () => {
                if (!apiserver || !kubeLoad) return;
                kubeRows.push({ label: config.label, load: await kubeLoad });
                await apiserver.kill();
                await ctx.evidence.copy(apiserver.logPath, `logs/kube-apiserver-${cluster.name}.log`);
              },
            };
          },
          {
            writers: ctx.params.writers,
            // Let the last stall's consequences (an election) land inside the window.
            settleMs: Math.min(ctx.params.spikeIntervalMs, config.electionTimeoutMs * 2),
          },
        ),
      );
    }
    await ctx.evidence.json('tuning-rows.json', rows);
    ctx.table({
      name: 'Tuning comparison (same jitter and fsync spikes)',
      columns: [...MEASURED_PAIR_COLUMNS],
      rows: rows.map((row) => measuredPairCells(row)),
      chart: { columns: ['per minute', 'failover s', 'put p99 ms'] },
      note: `${ctx.params.spikes} fsync stalls of ${ctx.params.spikeMs} ms on the current leader every ${ctx.params.spikeIntervalMs} ms, peer latency ${ctx.params.jitterLatencyMs}±${ctx.params.jitterMs} ms on every member; failover = time from pausing the leader to a new leader.`,
    });
    if (kubeRows.length > 0) {
      await ctx.evidence.json('tuning-kube-load.json', kubeRows);
      const p99 = (load: KubeLoadResult, kind: string) => {
        const value = load.kinds.find((entry) => entry.kind === kind)?.latencyMs.p99;
        return value === undefined || Number.isNaN(value) ? null : round(value, 1);
      };
      ctx.table({
        name: 'Kubernetes-shaped load through kube-apiserver (same faults)',
        columns: [
          'settings',
          'create p99 ms',
          'update p99 ms',
          'get p99 ms',
          'list p99 ms',
          'requests/s',
          'errors',
          'apiserver→etcd update p99 ms',
          'etcd WAL fsync p99 ms',
          'etcd backend commit p99 ms',
        ],
        rows: kubeRows.map(({ label, load }) => [
          label,
          p99(load, 'create'),
          p99(load, 'update'),
          p99(load, 'get'),
          p99(load, 'list'),
          load.kinds.reduce((sum, kind) => sum + kind.perSecond, 0),
          load.kinds.reduce((sum, kind) => sum + kind.errors, 0),
          load.apiserverEtcdLatencyMs.update?.p99 ?? null,
          Number.isFinite(load.etcdWalFsyncP99Ms) ? load.etcdWalFsyncP99Ms : null,
          Number.isFinite(load.etcdBackendCommitP99Ms) ? load.etcdBackendCommitP99Ms : null,
        ]),
        note: `kube-apiserver ${ctx.params.kubernetes}: autocannon, 4 connections per request kind, through the fault window; apiserver→etcd = etcd_request_duration_seconds; etcd's own on the leader at the start.`,
      });
    }
    const defaults = rows[0]!;
    for (const tuned of rows.slice(1)) {
      ctx.report(checkTuningChurn(defaults, tuned));
      ctx.report(checkFailoverCost(defaults, tuned));
    }
  },
});

/** Defaults, the guide's values, the pair the user's flags set (if any), then extra pairs: without duplicates. */
function timingConfigs(flags: Readonly<Record<string, string>>, pairs: readonly string[]): TimingPair[] {
  const yours = pairFromFlags(flags, 'your flags');
  return uniquePairs([ETCD_DEFAULT_PAIR, GUIDE_PAIR, ...(yours ? [yours] : []), ...pairs.map(parsePair)]);
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
