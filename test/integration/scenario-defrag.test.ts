import { describe, expect, it } from 'vitest';
import defrag from '../../scenarios/defrag.js';
import { removeReport, runScenarioForTest } from '../helpers/scenario.js';

describe.each(['default', '3.5', '3.4', '3.7'])('defrag on etcd %s', (version) => {
  it("shrinks each member's db to about the size in use after compaction", async () => {
    const run = await runScenarioForTest(defrag, { version });
    try {
      expect(run.result.status, run.result.message).toBe('completed');
      const findings = run.findings.filter((finding) => finding.claim === 'defrag.shrinks');
      expect(findings.map((finding) => finding.check)).toEqual([
        'defrag of m1 after compaction',
        'defrag of m2 after compaction',
        'defrag of m3 after compaction',
      ]);
      for (const finding of findings) {
        expect(finding.verdict, finding.reason).toBe('pass');
        const value = (name: string) => finding.measurements.find((entry) => entry.name === name)!.value;
        // The workload leaves well over a MiB to reclaim.
        expect(value('db size before') - value('db size in use before')).toBeGreaterThan(1024 * 1024);
      }
    } finally {
      removeReport(run);
    }
  });
});
