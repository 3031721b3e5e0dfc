import { describe, expect, it } from 'vitest';
import alerts from '../../scenarios/alerts.js';
import { isRoot } from '../helpers/proc.js';
import { removeReport, runScenarioForTest } from '../helpers/scenario.js';

describe.runIf(isRoot).each(['default', '3.5', '3.4'])('alerts on etcd %s', (version) => {
  it('every alert of the guide fires under its fault and stays quiet without it', async () => {
    const run = await runScenarioForTest(alerts, { version });
    try {
      expect(run.result.status, run.result.message).toBe('completed');
      const findings = run.findings.filter((finding) => finding.claim === 'alerts.thresholds');
      expect(findings.map((finding) => finding.check)).toEqual([
        'WAL fsync p99 > 10 ms',
        'backend commit p99 > 25 ms',
        'more than 2 leader changes in a minute',
        'db size > 80 % of the quota',
      ]);
      for (const finding of findings)
        expect(finding.verdict, `${finding.check}: ${finding.reason}`).toBe('pass');
      const dbSize = findings[3]!;
      if (version === '3.4') expect(dbSize.reason).not.toMatch(/is not served/);
      else expect(dbSize.reason).toMatch(/etcd_debugging_mvcc_db_total_size_in_bytes is not served/);
    } finally {
      removeReport(run);
    }
  });
});
