// guide-backup against real etcd (one fault-free script run, to keep it short: the faults are drill.test.ts's): the
// guide's script writes a good backup, its retention step deletes remote copies the guide's own summary keeps, gpg and
// openssl round-trip a snapshot byte for byte, and this version's snapshot restores with its neighbours' tools.
import { describe, expect, it } from 'vitest';
import guideBackup from '../../scenarios/guide-backup.js';
import { removeReport, runScenarioForTest } from '../helpers/scenario.js';

describe('guide-backup on the default version', () => {
  it('script, retention, encryption and cross-version restore', async () => {
    const run = await runScenarioForTest(guideBackup, { params: { faults: ['none'], seedKeys: 100 } });
    try {
      expect(run.result.status, run.result.message).toBe('completed');
      const byCheck = (check: string) => {
        const found = run.findings.find((finding) => finding.check === check);
        if (!found)
          throw new Error(`no finding "${check}" in ${run.findings.map((entry) => entry.check).join('; ')}`);
        return found;
      };
      expect(byCheck('run 1').verdict).toBe('pass');
      const retention = byCheck("the script's retention step");
      expect(retention.verdict).toBe('fail');
      expect(retention.reason).toMatch(/deletes remote backups aged 20 d/);
      for (const method of ['gpg --symmetric round trip', 'openssl enc -aes-256-cbc -pbkdf2 round trip']) {
        const encryption = byCheck(method);
        expect(encryption.verdict, encryption.reason).toBe('pass');
        expect(encryption.observed).toMatch(/identical SHA-256; wrong key: refused/);
      }
      const crossVersion = run.findings.filter((finding) => finding.claim === 'restore.cross-version');
      expect(crossVersion.map((finding) => finding.check)).toEqual([
        expect.stringMatching(/^3\.6\.\d+ snapshot with etcdutl 3\.5\.\d+$/),
        expect.stringMatching(/^3\.6\.\d+ snapshot with etcdutl 3\.7\.\d+$/),
      ]);
      for (const finding of crossVersion)
        expect(finding.reason).toMatch(/restored with|refused|did not start|instead of/);
    } finally {
      removeReport(run);
    }
  });
});
