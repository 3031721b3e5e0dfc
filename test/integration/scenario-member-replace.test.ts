// member-replace against real etcd: a SIGKILLed follower removed, a fresh member added; it catches up with every
// acknowledged write and the same hashKV as the others.
import { describe, expect, it } from 'vitest';
import memberReplace from '../../scenarios/member-replace.js';
import { removeReport, runScenarioForTest } from '../helpers/scenario.js';

describe.each(['default', '3.5', '3.4'])('member-replace on etcd %s', (version) => {
  it('replaces a failed member and the new one holds what the others hold', async () => {
    const run = await runScenarioForTest(memberReplace, { version });
    try {
      expect(run.result.status, run.result.message).toBe('completed');
      const finding = run.finding('member.replace');
      expect(finding.verdict, finding.reason).toBe('pass');
      expect(finding.observed).toMatch(/member list: .*m4/);
      expect(finding.measurements.find((entry) => entry.name === 'missing on the new member')?.value).toBe(0);
      expect(
        finding.measurements.find((entry) => entry.name === 'keys on the new member')?.value,
      ).toBeGreaterThan(0);
    } finally {
      removeReport(run);
    }
  });
});
