// restore-bump-revision against real etcd: passes on 3.6 and 3.5 (etcdutl has the flags from 3.5.10); not applicable
// to 3.4.
import { describe, expect, it } from 'vitest';
import restoreBumpRevision from '../../scenarios/restore-bump-revision.js';
import { removeReport, runScenarioForTest } from '../helpers/scenario.js';

describe.each(['default', '3.5'])('restore-bump-revision on etcd %s', (version) => {
  it('continues revisions above what clients saw and ends old watches with a compacted error', async () => {
    const run = await runScenarioForTest(restoreBumpRevision, { version });
    try {
      expect(run.result.status, run.result.message).toBe('completed');
      const finding = run.finding('restore.bump-revision');
      expect(finding.verdict, finding.reason).toBe('pass');
      const value = (name: string) =>
        finding.measurements.find((entry) => entry.name === name)?.value ?? Number.NaN;
      expect(value('first put revision after restore')).toBeGreaterThan(
        value('highest revision seen before restore'),
      );
      expect(value('highest revision seen before restore')).toBeGreaterThan(value('snapshot revision'));
      expect(finding.observed).toContain('required revision has been compacted');
    } finally {
      removeReport(run);
    }
  });
});

describe('restore-bump-revision on etcd 3.4', () => {
  it('is not applicable: no --bump-revision before etcdutl 3.5.10', async () => {
    const run = await runScenarioForTest(restoreBumpRevision, { version: '3.4' });
    try {
      expect(run.result.status).toBe('not-applicable');
      expect(run.finding('restore.bump-revision').verdict).toBe('inconclusive');
      expect(run.finding('restore.bump-revision').reason).toMatch(/not applicable/);
    } finally {
      removeReport(run);
    }
  });
});
