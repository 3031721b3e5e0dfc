import { describe, expect, it } from 'vitest';
import backupRestore from '../../scenarios/backup-restore.js';
import { removeReport, runScenarioForTest } from '../helpers/scenario.js';

describe.each(['default', '3.4'])('backup-restore on etcd %s', (version) => {
  it('passes every claim, with evidence', async () => {
    const run = await runScenarioForTest(backupRestore, { version });
    try {
      expect(run.result.status).toBe('completed');
      for (const claim of backupRestore.claims) {
        const finding = run.finding(claim);
        expect(finding.verdict, `${claim}: ${finding.reason}`).toBe('pass');
        expect(finding.evidence.length).toBeGreaterThan(0);
      }
      expect(
        run
          .finding('restore.loses-after-snapshot')
          .measurements.find((entry) => entry.name === 'acknowledged after snapshot')?.value,
      ).toBeGreaterThan(0);
    } finally {
      removeReport(run);
    }
  });
});
