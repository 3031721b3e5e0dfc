// The kube-apiserver × etcd compatibility matrix: one finding per cell (starts, serves, watches), and the table.
import { type CheckOutcome, measure } from '../findings/finding.js';
import type { MatrixCell } from '../kube/version-matrix.js';
import type { ResultTable } from '../result/format.js';

const line = (version: string) => version.split('.').slice(0, 2).join('.');

export function checkMatrixCell(cell: MatrixCell): CheckOutcome {
  const started = cell.readyAfterMs !== undefined;
  const watches = cell.watchEventAfterMs !== undefined;
  const pass = started && cell.serves && watches;
  const problems = [
    started ? '' : `did not become ready: ${cell.startError ?? 'unknown'}`,
    started && !cell.serves ? `does not serve: ${cell.serveError ?? 'unknown'}` : '',
    started && cell.serves && !watches ? `no watch event: ${cell.watchError ?? 'unknown'}` : '',
  ].filter(Boolean);
  return {
    claim: 'k8s.version-matrix',
    check: `kubernetes-${line(cell.kubernetes)}/etcd-${line(cell.etcd)}`,
    verdict: pass ? 'pass' : 'fail',
    reason: pass
      ? `kube-apiserver ${cell.kubernetes} on etcd ${cell.etcd}: ready after ${cell.readyAfterMs} ms, serves, watch event after ${cell.watchEventAfterMs} ms${cell.etcdNotes[0] ? `; its log: ${cell.etcdNotes[0]}` : ''}`
      : `kube-apiserver ${cell.kubernetes} on etcd ${cell.etcd}: ${problems.join('; ')}`,
    expected: `kube-apiserver ${cell.kubernetes} starts against etcd ${cell.etcd}, serves a create and a get, and delivers a watch event`,
    observed: `ready: ${started ? `${cell.readyAfterMs} ms` : 'no'}; serves: ${cell.serves ? 'yes' : `no (${cell.serveError ?? ''})`}; watch: ${watches ? `${cell.watchEventAfterMs} ms` : `no (${cell.watchError ?? ''})`}${cell.etcdNotes.length > 0 ? `; log: ${cell.etcdNotes.join(' | ')}` : ''}`,
    measurements: [
      ...(started ? [measure('start to ready', cell.readyAfterMs ?? Number.NaN, 'ms')] : []),
      ...(watches ? [measure('create to watch event', cell.watchEventAfterMs ?? Number.NaN, 'ms')] : []),
    ],
  };
}

/** Rows: Kubernetes releases; columns: etcd releases; each cell `ok (ready s)` or what failed. */
export function matrixTable(cells: readonly MatrixCell[]): ResultTable {
  const etcds = [...new Set(cells.map((cell) => cell.etcd))];
  const kubes = [...new Set(cells.map((cell) => cell.kubernetes))];
  const text = (cell: MatrixCell | undefined): string => {
    if (!cell) return 'not run';
    if (cell.readyAfterMs === undefined) return 'does not start';
    if (!cell.serves) return 'starts, does not serve';
    if (cell.watchEventAfterMs === undefined) return 'serves, no watch event';
    const unsupported = [
      ...new Set(
        cell.etcdNotes.map((note) => /(\w+) feature is not supported/.exec(note)?.[1]).filter(Boolean),
      ),
    ];
    return `ok (ready ${(cell.readyAfterMs / 1000).toFixed(1)} s${unsupported.length > 0 ? `; ${unsupported.join(', ')} not supported` : ''})`;
  };
  return {
    name: 'kube-apiserver × etcd: starts, serves, watches',
    columns: ['kube-apiserver', ...etcds.map((etcd) => `etcd ${etcd}`)],
    rows: kubes.map((kube) => [
      kube,
      ...etcds.map((etcd) => text(cells.find((cell) => cell.kubernetes === kube && cell.etcd === etcd))),
    ]),
    note: 'single-member TLS etcd cluster per cell; start = spawn to /readyz 200; "not supported": what kube-apiserver\'s etcd feature support checker logged',
  };
}
