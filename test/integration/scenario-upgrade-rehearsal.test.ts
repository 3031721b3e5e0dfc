// Upgrade rehearsals on real binaries, one minor at a time (3.4.23 → 3.5, 3.5 → 3.6, 3.6 → 3.7): nothing lost, the
// cluster version moves only at the end, the old snapshot restores with the new tool; and the skips (3.4 → 3.6,
// 3.5 → 3.7) refused by etcd, with etcd's own words in the finding.
import { describe, expect, it } from 'vitest';
import {
  checkClusterVersionMoves,
  checkRollingKeepsData,
  closeRehearsal,
  defineScenario,
  rehearsalPath,
  resolveEtcd,
  resolveVersion,
  runRollingSwap,
  startRehearsalCluster,
} from '../../harness/index.js';
import upgradeRehearsal from '../../scenarios/upgrade-rehearsal.js';
import { removeReport, runScenarioForTest } from '../helpers/scenario.js';

const SMALL = { seedKeys: 150, valueBytes: 256, writers: 3, loadBeforeMs: 300, skipCheck: false };

describe('scenario upgrade-rehearsal', () => {
  it.each([
    ['3.4.23', '3.5'],
    ['3.5', '3.6'],
    ['3.6', '3.7'],
  ])(
    'rehearses %s → %s with nothing lost',
    async (from, to) => {
      const run = await runScenarioForTest(upgradeRehearsal, { version: to, params: { ...SMALL, from, to } });
      for (const finding of run.findings.filter((entry) => entry.claim !== 'upgrade.no-skip'))
        expect(finding.verdict, `${finding.check}: ${finding.reason}`).toBe('pass');
      const rolling = run.findings.find((entry) => entry.check.includes('keeps quorum'))!;
      expect(rolling.measurements.find((entry) => entry.name === 'missing acknowledged writes')?.value).toBe(
        0,
      );
      expect(run.result.tables.map((table) => table.name)).toEqual([
        expect.stringMatching(/availability per step/),
        expect.stringMatching(/versions over time/),
      ]);
      removeReport(run);
    },
    90_000,
  );

  it.each([
    ['3.4', '3.6', /detected disallowed v2 WAL/],
    ['3.5', '3.7', /unmarshal should never fail/],
  ])(
    "refuses the skip %s → %s, in etcd's words",
    async (from, to, said) => {
      const run = await runScenarioForTest(upgradeRehearsal, { version: to, params: { ...SMALL, from, to } });
      const skip = run.finding('upgrade.no-skip');
      expect(skip.verdict, skip.reason).toBe('pass');
      expect(skip.reason).toMatch(/documented behaviour holds/);
      expect(skip.reason).toMatch(said);
      expect(run.finding('upgrade.rolling').verdict).toBe('inconclusive');
      removeReport(run);
    },
    60_000,
  );

  it('catches a broken rehearsal: one member started on a skipped release (3.5 cluster, m2 on 3.7)', async () => {
    // The rehearsal's own procedure and checks, with the operator's mistake: m2 gets the 3.7 binary instead of 3.6.
    const broken = defineScenario({
      id: 'broken-upgrade',
      title: 'an upgrade with one member on the wrong release',
      claims: ['upgrade.rolling'],
      params: {},
      async run(ctx) {
        const path = rehearsalPath(resolveVersion('3.5'), resolveVersion('3.6'));
        const [next, skipped] = await Promise.all([resolveEtcd(path.to), resolveEtcd(resolveVersion('3.7'))]);
        const run = await startRehearsalCluster(ctx, path.from, {
          seedKeys: 100,
          valueBytes: 128,
          writers: 2,
        });
        const steps = await runRollingSwap({
          cluster: run.cluster,
          binariesFor: (member) => (member === 'm2' ? skipped : next),
          memberTimeoutMs: 10_000,
        });
        const { record } = await closeRehearsal(ctx, run, {
          path,
          steps,
          maxOutageMs: 5_000,
          clusterVersionTimeoutMs: 5_000,
        });
        ctx.report(checkRollingKeepsData(record));
        ctx.report(checkClusterVersionMoves(record));
      },
    });
    const run = await runScenarioForTest(broken, { version: '3.6' });
    const [data, clusterVersion] = run.findings;
    expect(data?.verdict).toBe('fail');
    expect(data?.reason).toMatch(
      /step "m2 3\.5\.35 → 3\.7\.3" failed: the member exited; etcd said: panic: .*unmarshal should never fail/,
    );
    expect(clusterVersion?.verdict).toBe('fail');
    expect(clusterVersion?.reason).toMatch(/m2 did not run 3\.6\.16/);
    removeReport(run);
  }, 60_000);
});
