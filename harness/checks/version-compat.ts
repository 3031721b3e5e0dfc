// compat.kubeadm-etcd: the guide's "Version Compatibility" rows against the etcd release kubeadm installs for each
// Kubernetes minor (kubeadm's own table, harness/manifest/kubeadm-etcd.ts). A pure function over data: one finding per
// row of the guide.
import { type CheckOutcome, measure, outcomeWith } from '../findings/finding.js';
import type { KubeadmEtcdPin } from '../manifest/kubeadm-etcd.js';
import { parseExactVersion } from '../versions/version.js';

/** One row of the guide's table: Kubernetes minors (inclusive; `to` undefined: and later) and an etcd range. */
export interface GuideVersionRow {
  readonly text: string;
  readonly kubernetesFrom: number;
  readonly kubernetesTo: number | undefined;
  readonly etcdMin: string;
  /** Undefined: "or later". */
  readonly etcdMax: string | undefined;
}

/** The guide, "Version Compatibility", verbatim in `text`. */
export const GUIDE_VERSION_ROWS: readonly GuideVersionRow[] = [
  {
    text: 'Kubernetes 1.24‑1.27 uses etcd 3.5.4‑3.5.6',
    kubernetesFrom: 24,
    kubernetesTo: 27,
    etcdMin: '3.5.4',
    etcdMax: '3.5.6',
  },
  {
    text: 'Kubernetes 1.28‑1.29 uses etcd 3.5.9‑3.5.12',
    kubernetesFrom: 28,
    kubernetesTo: 29,
    etcdMin: '3.5.9',
    etcdMax: '3.5.12',
  },
  {
    text: 'Kubernetes 1.30+ prefers etcd 3.5.13+',
    kubernetesFrom: 30,
    kubernetesTo: undefined,
    etcdMin: '3.5.13',
    etcdMax: undefined,
  },
];

export function checkGuideVersionRow(row: GuideVersionRow, pins: readonly KubeadmEtcdPin[]): CheckOutcome {
  const minor = (pin: KubeadmEtcdPin) => Number(pin.kubernetes.split('.')[1]);
  const covered = pins.filter(
    (pin) =>
      minor(pin) >= row.kubernetesFrom && (row.kubernetesTo === undefined || minor(pin) <= row.kubernetesTo),
  );
  const inRange = (pin: KubeadmEtcdPin) => {
    const etcd = parseExactVersion(pin.etcd);
    return etcd.atLeast(row.etcdMin) && (row.etcdMax === undefined || !etcd.atLeast(bumpPatch(row.etcdMax)));
  };
  const outside = covered.filter((pin) => !inRange(pin));
  const range = row.etcdMax ? `${row.etcdMin}–${row.etcdMax}` : `${row.etcdMin} or later`;
  const base = {
    claim: 'compat.kubeadm-etcd' as const,
    check: `guide row: ${row.text}`,
    expected: `kubeadm installs etcd ${range} for Kubernetes 1.${row.kubernetesFrom}${row.kubernetesTo ? `–1.${row.kubernetesTo}` : '+'}`,
    observed: covered.map((pin) => `${pin.kubernetes} → ${pin.etcd} (kubeadm ${pin.kubeadm})`).join(', '),
    measurements: [measure('Kubernetes minors outside the row', outside.length, 'count')],
  };
  const outcome = outcomeWith(base);
  if (covered.length === 0)
    return outcome('inconclusive', 'kubeadm’s table here has no minor this row covers');
  if (outside.length === 0) return outcome('pass', `every covered minor’s kubeadm installs etcd ${range}`);
  return outcome(
    'fail',
    `kubeadm ${outside.map((pin) => `${pin.kubeadm} installs ${pin.etcd}`).join(', ')}: outside ${range}. kubeadm's patch releases raise the pinned etcd (security and bug fixes), and kubeadm 1.27.16's own table moves even 1.24 to 3.5.12: a fixed range per minor goes stale, and a cluster of that minor installed by kubeadm today runs a release outside it`,
  );
}

function bumpPatch(version: string): string {
  const [major, minor, patch] = version.split('.').map(Number);
  return `${major}.${minor}.${(patch ?? 0) + 1}`;
}
