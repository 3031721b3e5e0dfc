// Downgrade rehearsals on real binaries: 3.6 → 3.5 through the downgrade API (validate, enable, storage version,
// member by member, leader last) with the data intact; 3.5 → 3.4.23, where the documented path needs a 3.4.32+
// binary, inconclusive with what etcd 3.4.23 did.
import { describe, expect, it } from 'vitest';
import downgradeRehearsal from '../../scenarios/downgrade-rehearsal.js';
import { removeReport, runScenarioForTest } from '../helpers/scenario.js';

const SMALL = { seedKeys: 150, valueBytes: 256, writers: 3 };

describe('scenario downgrade-rehearsal', () => {
  it('downgrades 3.6 → 3.5 with downgrade enable and a binary swap per member, data intact', async () => {
    const run = await runScenarioForTest(downgradeRehearsal, { version: '3.6', params: SMALL });
    const finding = run.finding('downgrade.supported');
    expect(finding.verdict, finding.reason).toBe('pass');
    expect(finding.observed).toMatch(/etcdctl downgrade enable 3\.5`: Downgrade enable success/);
    expect(finding.observed).toMatch(/m1 3\.5\.35\/3\.5\.0, m2 3\.5\.35\/3\.5\.0, m3 3\.5\.35\/3\.5\.0/);
    removeReport(run);
  }, 90_000);

  it('reports 3.5 → 3.4.23 inconclusive: the 3.4 binary lacks --next-cluster-version-compatible', async () => {
    const run = await runScenarioForTest(downgradeRehearsal, { version: '3.5', params: SMALL });
    const finding = run.finding('downgrade.supported');
    expect(finding.verdict).toBe('inconclusive');
    expect(finding.reason).toMatch(/3\.4\.32 or later/);
    expect(finding.observed).toMatch(
      /invalid downgrade; server version is lower than determined cluster version/,
    );
    removeReport(run);
  }, 60_000);
});
