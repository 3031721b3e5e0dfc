// kube-apiserver of each supported Kubernetes release against each etcd line: starts, serves, watches. Full suite
// and `etcd-chaos bench kube-apiserver` only (every cell is a cluster and an API server; every Kubernetes release is a
// build from Go modules on a cold cache).
import {
  checkMatrixCell,
  defineScenario,
  type MatrixCell,
  matrixTable,
  measureMatrixCell,
  parseKubernetesVersion,
  resolveVersion,
} from '../harness/index.js';

export default defineScenario({
  id: 'k8s-version-matrix',
  title: 'kube-apiserver releases against etcd lines',
  claims: ['k8s.version-matrix'],
  params: {
    kubernetes: {
      type: 'list',
      default: ['1.34', '1.35', '1.36', '1.37'],
      description: 'kube-apiserver releases (lines mean their newest known patch)',
    },
    etcd: {
      type: 'list',
      default: ['3.4', '3.5', '3.6', '3.7'],
      description: 'etcd releases (lines mean their newest known patch)',
    },
  },
  intensities: { quick: { kubernetes: ['1.34'] } },
  suites: ['full'],
  timeoutMs: { quick: 10 * 60_000, full: 60 * 60_000 },
  async run(ctx) {
    const cells: MatrixCell[] = [];
    for (const kubernetes of ctx.params.kubernetes.map((value) => parseKubernetesVersion(value))) {
      for (const etcd of ctx.params.etcd.map((value) => resolveVersion(value))) {
        ctx.step(`kube-apiserver ${kubernetes} on etcd ${etcd}`);
        const cell = await measureMatrixCell({
          kubernetes,
          etcd,
          session: ctx.session,
          network: ctx.target.network,
          backend: ctx.target.backend,
          signal: ctx.signal,
          beforeTeardown: async (cluster, apiserver) => {
            const name = `k8s-${kubernetes}-etcd-${etcd}`;
            if (apiserver) await ctx.evidence.copy(apiserver.logPath, `logs/${name}-kube-apiserver.log`);
            await ctx.evidence.copy(cluster.members[0]!.logPath, `logs/${name}-etcd.log`);
          },
        });
        cells.push(cell);
        ctx.report(checkMatrixCell(cell));
      }
    }
    await ctx.evidence.json('matrix.json', cells);
    ctx.table(matrixTable(cells));
  },
});
