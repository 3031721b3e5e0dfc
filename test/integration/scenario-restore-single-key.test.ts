// restore-single-key against real etcd: the CRD comes back byte-identical through a throwaway cluster restored from
// the snapshot, other keys untouched; the guide's own command (against the live cluster) finds nothing.
import { describe, expect, it } from 'vitest';
import restoreSingleKey from '../../scenarios/restore-single-key.js';
import { removeReport, runScenarioForTest } from '../helpers/scenario.js';

describe.each(['default', '3.5', '3.4'])('restore-single-key on etcd %s', (version) => {
  it('recovers the deleted key from the snapshot without touching the rest', async () => {
    const run = await runScenarioForTest(restoreSingleKey, { version });
    try {
      expect(run.result.status, run.result.message).toBe('completed');
      const finding = run.finding('restore.single-key');
      expect(finding.verdict, finding.reason).toBe('pass');
      expect(finding.observed).toContain("unknown shorthand flag: 'o' in -o");
      expect(finding.observed).toContain('after the deletion it finds 0 keys');
      expect(finding.measurements.find((entry) => entry.name === 'other keys disturbed')?.value).toBe(0);
    } finally {
      removeReport(run);
    }
  });
});
