import { describe, expect, it } from 'vitest';
import compaction from '../../scenarios/compaction.js';
import { removeReport, runScenarioForTest } from '../helpers/scenario.js';

describe.each(['default', '3.5', '3.4', '3.7'])('compaction on etcd %s', (version) => {
  it('compacts on schedule with a 2 s retention; idle behaviour as the capability table says', async () => {
    const run = await runScenarioForTest(compaction, { version });
    try {
      expect(run.result.status, run.result.message).toBe('completed');
      const findings = run.findings.filter((finding) => finding.claim === 'compaction.periodic');
      expect(findings).toHaveLength(2);
      const [steady, idle] = findings;
      expect(steady!.verdict, steady!.reason).toBe('pass');
      expect(steady!.observed).toContain('required revision has been compacted');
      const interval = steady!.measurements.find((entry) => entry.name === 'mean interval')!.value;
      expect(interval).toBeGreaterThanOrEqual(1_800);
      expect(interval).toBeLessThanOrEqual(3_000);
      expect(idle!.verdict, idle!.reason).toBe('pass');
      const repeats = idle!.measurements.find(
        (entry) => entry.name === 'repeats of an unchanged revision',
      )!.value;
      // 3.4 and 3.5 compact an idle keyspace again every interval; 3.6+ skip an unchanged revision.
      if (version === 'default' || version === '3.7') expect(repeats).toBe(0);
      else expect(repeats).toBeGreaterThan(0);
    } finally {
      removeReport(run);
    }
  });
});
