// Checks for the guide's "CRD Deletion" with a real kube-apiserver: its retrieval command, recovering the CRD from a
// snapshot the working way (a throwaway restore read through a throwaway API server, applied through the live API),
// and what happens to the CRD's custom resources, which the guide does not mention.
import { type CheckOutcome, measure } from '../findings/finding.js';

export interface CrdRecoveryRecord {
  readonly crd: string;
  /** The guide's pipeline as written (`etcdctl get ... -o json | jq -r '.value' | base64 -d > crd.yaml`). */
  readonly guideCommand: { readonly exitCode: number; readonly error: string; readonly outputBytes: number };
  /** The same read with etcdctl's real flag (`-w json`), against the live cluster after the deletion. */
  readonly correctedRead: { readonly exitCode: number; readonly keysFound: number };
  /** How the CRD is stored in etcd: `protobuf` (`k8s\0` envelope), `json`, or `encrypted`. */
  readonly storedFormat: string;
  /** Custom resources before the deletion, and their keys left in etcd after it. */
  readonly customResources: number;
  readonly customResourceKeysAfterDelete: number;
  /** The CRD read through a throwaway API server on a throwaway restore, applied through the live API. */
  readonly crdRecovered: boolean;
  readonly crdEstablishedAfterMs: number | undefined;
  /** Custom resources served right after the CRD was re-applied (the guide's procedure ends there). */
  readonly customResourcesAfterCrdOnly: number;
  /** After also applying the custom resources read from the throwaway restore: how many are back, intact. */
  readonly customResourcesRestored: number;
  readonly customResourcesIntact: number;
}

const CLAIM = 'k8s.crd-recovery';

export function checkCrdRecovery(record: CrdRecoveryRecord): CheckOutcome[] {
  const guideWorks = record.guideCommand.exitCode === 0 && record.guideCommand.outputBytes > 0;
  const guide: CheckOutcome = {
    claim: CLAIM,
    check: 'guide-command',
    verdict: guideWorks && record.storedFormat === 'json' ? 'pass' : 'fail',
    reason: [
      guideWorks
        ? 'the pipeline ran'
        : `the guide's pipeline fails (exit ${record.guideCommand.exitCode}: ${record.guideCommand.error.slice(0, 160)})`,
      `with etcdctl's real flag (-w json) it reads the live cluster, where the deleted CRD has ${record.correctedRead.keysFound} keys`,
      record.storedFormat === 'json'
        ? 'the stored value is JSON'
        : `and the stored value is ${record.storedFormat}, not YAML/JSON that \`kubectl apply -f\` could read`,
    ].join('; '),
    expected:
      "the guide's `etcdctl get /registry/apiextensions.k8s.io/customresourcedefinitions/<name> ... -o json | jq -r '.value' | base64 -d > crd.yaml` writes a manifest `kubectl apply -f` accepts",
    observed: `exit ${record.guideCommand.exitCode}, ${record.guideCommand.outputBytes} bytes written, error: ${record.guideCommand.error.slice(0, 200) || 'none'}; corrected read (-w json, live cluster): exit ${record.correctedRead.exitCode}, ${record.correctedRead.keysFound} keys; stored format: ${record.storedFormat}`,
  };
  const crd: CheckOutcome = {
    claim: CLAIM,
    check: 'crd-from-snapshot',
    verdict: record.crdRecovered ? 'pass' : 'fail',
    reason: record.crdRecovered
      ? `${record.crd} read through a throwaway kube-apiserver on a throwaway restore of the snapshot and applied through the live API: established after ${record.crdEstablishedAfterMs} ms`
      : `${record.crd} could not be recovered from the snapshot`,
    expected: 'the deleted CRD recovered from the snapshot without restoring the cluster',
    observed: record.crdRecovered
      ? `recovered, established after ${record.crdEstablishedAfterMs} ms`
      : 'not recovered',
    measurements:
      record.crdEstablishedAfterMs === undefined
        ? []
        : [measure('CRD established after re-apply', record.crdEstablishedAfterMs, 'ms')],
  };
  const all = record.customResources;
  const resources: CheckOutcome = {
    claim: CLAIM,
    check: 'custom-resources',
    verdict: record.customResourcesAfterCrdOnly === all ? 'pass' : 'fail',
    reason:
      record.customResourcesAfterCrdOnly === all
        ? `re-applying the CRD brought its ${all} custom resources back`
        : `deleting the CRD deleted its ${all} custom resources too (${record.customResourceKeysAfterDelete} keys left in etcd); re-applying the CRD, where the guide stops, serves ${record.customResourcesAfterCrdOnly} of ${all}; applying them from the same throwaway restore brought ${record.customResourcesRestored} back, ${record.customResourcesIntact} intact`,
    expected:
      "(guide) re-applying the CRD recovers from its deletion: the CRD's custom resources are served again",
    observed: `${all} custom resources before; ${record.customResourceKeysAfterDelete} keys in etcd after the deletion; ${record.customResourcesAfterCrdOnly} served after re-applying the CRD; ${record.customResourcesRestored} after applying them from the snapshot (${record.customResourcesIntact} intact)`,
    measurements: [
      measure('custom resources before', all, 'count'),
      measure('custom resource keys after the CRD deletion', record.customResourceKeysAfterDelete, 'count'),
      measure('served after re-applying the CRD only', record.customResourcesAfterCrdOnly, 'count'),
      measure('intact after applying them from the snapshot', record.customResourcesIntact, 'count'),
    ],
  };
  return [guide, crd, resources];
}

/** How kube-apiserver stored a value: its protobuf envelope (`k8s\0`), JSON, or an encryption envelope. */
export function storedFormatOf(value: Buffer): string {
  if (value.subarray(0, 4).equals(Buffer.from([0x6b, 0x38, 0x73, 0x00]))) return 'protobuf';
  if (value.subarray(0, 8).toString('latin1') === 'k8s:enc:') return 'encrypted';
  const first = value.toString('utf8', 0, 1);
  return first === '{' ? 'json' : 'unknown';
}
