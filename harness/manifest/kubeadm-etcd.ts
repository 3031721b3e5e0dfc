// The etcd release kubeadm installs for each Kubernetes minor, as data with its source: `DefaultEtcdVersion` (equal
// to its own row of `SupportedEtcdVersion`) in cmd/kubeadm/app/constants/constants.go of the newest patch release of
// each kubeadm line, read from the k8s.io/kubernetes module (Go module proxy, 2026-12-04). Later kubeadm releases move
// the rows of older minors too (kubeadm 1.24.17 pins 3.5.6 for 1.24, kubeadm 1.27.16's table says 3.5.12 for 1.24):
// a pin belongs to a kubeadm release, so each row here is the one that minor's own newest kubeadm installs.
// `--kubernetes-version 1.N` resolves through this table; the `compat.kubeadm-etcd` claim compares it with the guide's
// "Version Compatibility" section.
import { InputError } from '../errors.js';
import { splitKubernetesRelease } from '../versions/kubernetes-release.js';

export interface KubeadmEtcdPin {
  /** Kubernetes minor, `1.34`. */
  readonly kubernetes: string;
  /** The kubeadm release the pin was read from. */
  readonly kubeadm: string;
  /** The etcd release (`3.6.5`) and kubeadm's image tag for it (`3.6.5-0`). */
  readonly etcd: string;
  readonly image: string;
}

export const KUBEADM_ETCD_SOURCE =
  'kubeadm cmd/kubeadm/app/constants/constants.go (DefaultEtcdVersion, SupportedEtcdVersion) of the newest patch release of each line, k8s.io/kubernetes on the Go module proxy';

const PINS: readonly [kubernetes: string, kubeadm: string, image: string][] = [
  ['1.24', '1.24.17', '3.5.6-0'],
  ['1.25', '1.25.16', '3.5.9-0'],
  ['1.26', '1.26.15', '3.5.10-0'],
  ['1.27', '1.27.16', '3.5.12-0'],
  ['1.28', '1.28.15', '3.5.15-0'],
  ['1.29', '1.29.15', '3.5.16-0'],
  ['1.30', '1.30.14', '3.5.15-0'],
  ['1.31', '1.31.14', '3.5.24-0'],
  ['1.32', '1.32.13', '3.5.24-0'],
  ['1.33', '1.33.13', '3.5.24-0'],
  ['1.34', '1.34.4', '3.6.5-0'],
  ['1.35', '1.35.4', '3.6.6-0'],
  ['1.36', '1.36.3', '3.6.8-0'],
  // kubeadm 1.37.2's SupportedEtcdVersion has rows 34–36 only; for its own minor it falls back to the nearest row
  // and DefaultEtcdVersion, both 3.7.0-0.
  ['1.37', '1.37.2', '3.7.0-0'],
];

export const KUBEADM_ETCD_PINS: readonly KubeadmEtcdPin[] = PINS.map(([kubernetes, kubeadm, image]) => ({
  kubernetes,
  kubeadm,
  image,
  etcd: image.replace(/-\d+$/, ''),
}));

/**
 * `1.34`, `v1.34`, `1.34.4` → kubeadm's pin for Kubernetes 1.34 (the syntax of the one Kubernetes release parser);
 * InputError quoting the value otherwise.
 */
export function kubeadmEtcdPin(kubernetesVersion: string): KubeadmEtcdPin {
  const name = splitKubernetesRelease(kubernetesVersion);
  const known = KUBEADM_ETCD_PINS.map((pin) => pin.kubernetes);
  if (!name)
    throw new InputError(
      `Expected \`--kubernetes-version\` to be a Kubernetes release such as 1.34 or v1.34.4, got \`${kubernetesVersion}\`.`,
      {
        hint: `Known: ${known.join(', ')}. (--kubernetes-version picks the etcd release kubeadm installs and starts no API server; the API server's version is \`--kube-apiserver V\`.)`,
      },
    );
  const pin = KUBEADM_ETCD_PINS.find((entry) => entry.kubernetes === name.line);
  if (!pin)
    throw new InputError(
      `No kubeadm etcd pin is known for Kubernetes \`${kubernetesVersion}\` (known: ${known[0]} to ${known[known.length - 1]}).`,
    );
  return pin;
}
