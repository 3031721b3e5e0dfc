// The production-scale scenarios at test size (--scale small, quick intensity): the peer-RTT curve shows an injected
// round trip in the put latency, and the quota scenario seeds a Kubernetes-shaped keyspace (generated once, restored
// into every member), drives it into NOSPACE and back; nothing they write stays on disk.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import peerRtt from '../../scenarios/peer-rtt.js';
import quotaProduction from '../../scenarios/quota-production.js';
import { removeReport, runScenarioForTest } from '../helpers/scenario.js';

const value = (finding: { measurements: readonly { name: string; value: number }[] }, name: string) =>
  finding.measurements.find((entry) => entry.name === name)?.value ?? Number.NaN;

describe('production-scale scenarios at test size', () => {
  it('peer-rtt: no put beats an injected 10 ms round trip', async () => {
    const run = await runScenarioForTest(peerRtt, { params: { rttsMs: ['0', '10'], windowMs: 1_500 } });
    try {
      expect(run.result.status, run.result.message).toBe('completed');
      const finding = run.finding('network.peer-rtt');
      expect(finding.verdict, finding.reason).toBe('pass');
      expect(finding.environmentDependent).toBe(true);
      // A commit waits one round trip: measured +9.1 ms for 10 ms RTT at 16 in flight (3.6.16, load 9).
      expect(value(finding, 'p50 at 10 ms RTT') - value(finding, 'p50 at 0 ms RTT')).toBeGreaterThanOrEqual(
        7,
      );
      expect(run.result.tables[0]?.rows).toHaveLength(2);
    } finally {
      removeReport(run);
    }
  });

  it('quota-production: seeded keyspace, NOSPACE near the quota, recovery; the data dirs and the seed are gone after', async () => {
    const run = await runScenarioForTest(quotaProduction);
    try {
      expect(run.result.status, run.result.message).toBe('completed');
      const [nospace, recovery] = run.findings;
      expect(nospace?.verdict, nospace?.reason).toBe('pass');
      expect(recovery?.verdict, recovery?.reason).toBe('pass');
      expect(value(nospace!, 'db size at NOSPACE')).toBeGreaterThanOrEqual(0.9 * 64 * 1024 ** 2);
      expect(value(nospace!, 'seeded db size')).toBeGreaterThan(20 * 1024 ** 2); // --scale small: ~26 MiB
      const seed = JSON.parse(
        readFileSync(join(run.reportDir, 'evidence', 'quota-production', 'seed-small.json'), 'utf8'),
      );
      expect(seed.generation.keys).toBe(2_000);
      const restores = readFileSync(
        join(run.reportDir, 'evidence', 'quota-production', 'commands.log'),
        'utf8',
      );
      expect(restores.match(/snapshot restore/g)?.length).toBeGreaterThanOrEqual(3);
      // The seed snapshot and the data dirs lived in the session's temp dir, which is gone.
      const dataDir = /--data-dir=(\S+)/.exec(restores)?.[1];
      expect(dataDir).toBeDefined();
      expect(existsSync(dataDir!)).toBe(false);
    } finally {
      removeReport(run);
    }
  });
});
