import { describe, expect, it } from 'vitest';
import tuning from '../../scenarios/tuning.js';
import { isRoot } from '../helpers/proc.js';
import { removeReport, runScenarioForTest } from '../helpers/scenario.js';

// The fsync stalls need ptrace (root). One version: the scenario is 45 s of fixed windows and the mechanism (raft's
// election timer against a stalled leader) is the same on 3.4–3.7; `run tuning --etcd-version V` covers the others.
describe.runIf(isRoot).each(['default'])('tuning on etcd %s', (version) => {
  it("shows less churn and a slower failover with the guide's 500/5000 ms than with 100/1000 ms", async () => {
    const run = await runScenarioForTest(tuning, { version });
    try {
      expect(run.result.status).toBe('completed');
      const churn = run.finding('tuning.churn');
      expect(churn.verdict, churn.reason).toBe('pass');
      const failover = run.finding('tuning.failover-cost');
      expect(failover.verdict, failover.reason).toBe('pass');
      const table = run.result.tables[0]!;
      expect(table.rows.map((row) => row[0])).toEqual(['etcd defaults', 'guide-tuned']);
      const [defaults, guide] = table.rows;
      expect(Number(defaults![3])).toBeGreaterThan(0);
      expect(Number(guide![6])).toBeGreaterThan(Number(defaults![6]));
    } finally {
      removeReport(run);
    }
  });
});
