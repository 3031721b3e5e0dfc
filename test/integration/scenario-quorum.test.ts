import { describe, expect, it } from 'vitest';
import quorum from '../../scenarios/quorum.js';
import { removeReport, runScenarioForTest } from '../helpers/scenario.js';

const measurement = (finding: { measurements: readonly { name: string; value: number }[] }, name: string) =>
  finding.measurements.find((entry) => entry.name === name)?.value;

describe.each(['default', '3.5', '3.4'])('quorum on etcd %s', (version) => {
  it('keeps writing with one member lost; without quorum times out, reads serializably, recovers', async () => {
    const run = await runScenarioForTest(quorum, { version });
    try {
      expect(run.result.status, run.result.message).toBe('completed');
      const oneLoss = run.finding('quorum.one-loss');
      expect(oneLoss.verdict, oneLoss.reason).toBe('pass');
      expect(measurement(oneLoss, 'survivor puts/s during')).toBeGreaterThan(0);
      const twoLoss = run.finding('quorum.two-loss');
      expect(twoLoss.verdict, twoLoss.reason).toBe('pass');
      expect(twoLoss.observed).toMatch(/put: failed after \d+ ms: (deadline-exceeded|timed-out|no-leader)/);
      expect(measurement(twoLoss, 'acknowledged writes missing')).toBe(0);
      expect(measurement(twoLoss, 'ledger writes after recovery')).toBeGreaterThan(0);
    } finally {
      removeReport(run);
    }
  });
});

describe('quorum on etcd default, losing the leader first', () => {
  it('pauses writes for an election, then keeps writing', async () => {
    const run = await runScenarioForTest(quorum, { params: { oneLossTarget: 'leader' } });
    try {
      const oneLoss = run.finding('quorum.one-loss');
      expect(oneLoss.verdict, oneLoss.reason).toBe('pass');
      // An election happened: the survivors paused longer than a put takes.
      expect(measurement(oneLoss, 'longest pause during')).toBeGreaterThan(200);
      expect(run.finding('quorum.two-loss').verdict).toBe('pass');
    } finally {
      removeReport(run);
    }
  });
});
