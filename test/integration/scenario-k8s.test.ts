// The Kubernetes scenarios against real etcd and a real kube-apiserver (the newest 1.34 patch, etcd 3.6): the
// guide's full-cluster restore and informers across it, encryption at rest, and CRD recovery. The fault scenario and
// the version matrix run in `--suite full` and `etcd-chaos bench kube-apiserver` (minutes), not here.
import { describe, expect, it } from 'vitest';
import k8sCrdRecovery from '../../scenarios/k8s-crd-recovery.js';
import k8sEncryption from '../../scenarios/k8s-encryption.js';
import k8sFullRestore from '../../scenarios/k8s-full-restore.js';
import { removeReport, runScenarioForTest } from '../helpers/scenario.js';

const value = (finding: { measurements: readonly { name: string; value: number | null }[] }, name: string) =>
  finding.measurements.find((entry) => entry.name === name)?.value ?? Number.NaN;

describe('k8s-full-restore on etcd 3.6', () => {
  it('restores every object, loses what came after; informers stay stale without the bump and relist with it', async () => {
    // Measured on 3.6.16 / 1.34.4 (2 cores, shared with other builds): 44–64 s.
    const run = await runScenarioForTest(k8sFullRestore);
    try {
      expect(run.result.status, run.result.message).toBe('completed');
      const byCheck = (check: string) => run.findings.find((finding) => finding.check === check)!;
      // 3.6 removed `etcdctl snapshot restore`: the guide's command is refused, etcdutl restores instead.
      expect(byCheck('guide-command').verdict).toBe('fail');
      expect(byCheck('guide-command').observed).toMatch(/unknown flag: --name/);
      expect(byCheck('objects-restored').verdict, byCheck('objects-restored').reason).toBe('pass');
      expect(byCheck('after-snapshot-lost').verdict, byCheck('after-snapshot-lost').reason).toBe('pass');
      const without = byCheck('without-bump');
      expect(without.verdict, without.reason).toBe('fail');
      // The late informer resumed above what the restored API server started at: it kept every object created after
      // the snapshot (ghosts) and missed what was created on the restored cluster up to the revision it resumed at.
      expect(value(without, 'guide-reconnects-late: ghost objects')).toBeGreaterThan(0);
      expect(value(without, 'guide-reconnects-late: missing objects')).toBeGreaterThan(0);
      expect(value(without, 'guide-reconnects-late: 410 Gone')).toBe(0);
      const withBump = byCheck('with-bump');
      expect(withBump.verdict, withBump.reason).toBe('pass');
      expect(value(withBump, 'bump-reconnects-late: 410 Gone')).toBeGreaterThan(0);
      expect(withBump.observed).toMatch(/too old resource version|410 Gone/);
    } finally {
      removeReport(run);
    }
  });
});

describe('k8s-encryption on etcd 3.6', () => {
  it('finds no plaintext with aescbc and some with identity first; rotation needs a rewrite; a lost key reads nothing', async () => {
    // Measured: 26–40 s with these parameters (46–51 s with the quick defaults).
    const run = await runScenarioForTest(k8sEncryption, {
      params: { secrets: 6, controlSecrets: 2, waitAfterRestartMs: 2_000 },
    });
    try {
      expect(run.result.status, run.result.message).toBe('completed');
      const byCheck = (check: string) => run.findings.find((finding) => finding.check === check)!;
      const aescbc = byCheck('aescbc');
      expect(aescbc.verdict, aescbc.reason).toBe('pass');
      expect(value(aescbc, 'plaintext occurrences in snapshot (aescbc)')).toBe(0);
      expect(value(aescbc, 'configmap plaintext occurrences in snapshot (control)')).toBeGreaterThan(0);
      const identity = byCheck('identity-control');
      expect(identity.verdict, identity.reason).toBe('pass');
      expect(value(identity, 'plaintext occurrences in snapshot (identity)')).toBeGreaterThan(0);
      // kube-apiserver re-encrypts only on write: the guide's "letting secrets re-encrypt" does not happen by itself.
      expect(byCheck('reencrypt-after-restart').verdict).toBe('fail');
      expect(byCheck('rotation-with-rewrite').verdict, byCheck('rotation-with-rewrite').reason).toBe('pass');
      const loss = byCheck('key-loss');
      expect(loss.verdict, loss.reason).toBe('pass');
      expect(loss.observed).toMatch(/0 of 8 Secrets readable; GET → 500/);
    } finally {
      removeReport(run);
    }
  });
});

describe('k8s-crd-recovery on etcd 3.6', () => {
  it("refuses the guide's command, recovers the CRD the working way, and finds its custom resources gone with it", async () => {
    // Measured: 20–22 s.
    const run = await runScenarioForTest(k8sCrdRecovery, { params: { customResources: 3 } });
    try {
      expect(run.result.status, run.result.message).toBe('completed');
      const byCheck = (check: string) => run.findings.find((finding) => finding.check === check)!;
      expect(byCheck('guide-command').verdict).toBe('fail');
      expect(byCheck('guide-command').observed).toMatch(/unknown shorthand flag: 'o'/);
      expect(byCheck('crd-from-snapshot').verdict).toBe('pass');
      const resources = byCheck('custom-resources');
      expect(resources.verdict).toBe('fail');
      expect(value(resources, 'served after re-applying the CRD only')).toBe(0);
      expect(value(resources, 'intact after applying them from the snapshot')).toBe(3);
    } finally {
      removeReport(run);
    }
  });
});
