// snapshot-corruption against real etcd. Measured: `snapshot status` never refuses a bit flip (exit 0, another hash)
// and crashes on a truncated file; `snapshot restore` refuses both with a clear message but leaves member/snap/db
// behind, and 3.4/3.5 start on that leftover and serve the flipped value (so the bit-flip finding fails there).
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../harness/findings/finding.js';
import snapshotCorruption from '../../scenarios/snapshot-corruption.js';
import { removeReport, runScenarioForTest } from '../helpers/scenario.js';

const BIT_FLIP_VERDICT: Record<string, Finding['verdict']> = {
  default: 'pass',
  '3.5': 'fail',
  '3.4': 'fail',
};

describe.each(['default', '3.5', '3.4'])('snapshot-corruption on etcd %s', (version) => {
  it('status misses a bit flip, restore refuses both corruptions; judges what the refused restore left', async () => {
    const run = await runScenarioForTest(snapshotCorruption, { version });
    try {
      expect(run.result.status, run.result.message).toBe('completed');
      const byCheck = (check: string) => {
        const found = run.findings.find((finding) => finding.check === check);
        if (!found) throw new Error(`no finding "${check}"`);
        return found;
      };
      const truncated = byCheck('truncated snapshot');
      expect(truncated.verdict, truncated.reason).toBe('pass');
      expect(truncated.observed).toMatch(/status exit [12] \(crashed\)/);
      expect(truncated.observed).toMatch(/restore exit 1: "Error: (snapshot missing hash|expected sha256)/);
      expect(truncated.observed).toMatch(/etcd started on it did not come up/);

      const flipped = byCheck('bit-flipped snapshot');
      expect(flipped.verdict, flipped.reason).toBe(BIT_FLIP_VERDICT[version]);
      expect(flipped.observed).toMatch(/status exit 0: hash \d+ \(intact snapshot: \d+\)/);
      expect(flipped.observed).toMatch(/restore exit 1: "Error: expected sha256/);
      expect(flipped.reason).toMatch(/Verify snapshot integrity/);
      if (BIT_FLIP_VERDICT[version] === 'fail')
        expect(flipped.observed).toMatch(/served the corrupted value/);
      expect(flipped.evidence.length).toBeGreaterThan(0);
    } finally {
      removeReport(run);
    }
  });
});
