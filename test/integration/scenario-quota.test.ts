import { describe, expect, it } from 'vitest';
import quota from '../../scenarios/quota.js';
import { removeReport, runScenarioForTest } from '../helpers/scenario.js';

const measurement = (finding: { measurements: readonly { name: string; value: number }[] }, name: string) =>
  finding.measurements.find((entry) => entry.name === name)?.value;

describe.each(['default', '3.5', '3.4', '3.7'])('quota on etcd %s', (version) => {
  it('refuses writes past the quota with NOSPACE, and the documented recovery restores them', async () => {
    const run = await runScenarioForTest(quota, { version });
    try {
      expect(run.result.status, run.result.message).toBe('completed');
      const nospace = run.finding('quota.nospace');
      expect(nospace.verdict, nospace.reason).toBe('pass');
      expect(nospace.observed).toContain('etcdserver: mvcc: database space exceeded');
      expect(nospace.observed).toMatch(/alarms: .*NOSPACE/);
      const recovery = run.finding('quota.recovery');
      expect(recovery.verdict, recovery.reason).toBe('pass');
      // The guide's "mvcc: database space exceeded" section (defrag only) does not restore writes, nor does
      // freeing space without the alarm disarm.
      expect(measurement(recovery, 'writes restored by defrag alone')).toBe(0);
      expect(measurement(recovery, 'writes restored before the disarm')).toBe(0);
      expect(recovery.reason).toContain('until the alarm disarm');
      const dbSize = run.result.series.find((series) => series.name.startsWith('backend db size'));
      expect(dbSize?.thresholds?.[0]?.value).toBe(16 * 1024 * 1024);
      expect(dbSize?.points.length).toBeGreaterThan(3);
    } finally {
      removeReport(run);
    }
  });
});
