// Which scenarios a suite runs: the upgrade rehearsals (two releases, several clusters) only in the full suite, and
// whenever they are named, by id or by a claim they check.
import { describe, expect, it } from 'vitest';
import { availableScenarios, selectScenarios } from '../../harness/cli/scenario-selection.js';
import { BUILT_IN_SCENARIOS as BUILT_IN } from '../../scenarios/index.js';

const BUILT_IN_SCENARIOS = await availableScenarios(BUILT_IN, []);

const ids = (list: readonly { id: string }[]) => list.map((scenario) => scenario.id);

describe('suites', () => {
  it('leave the rehearsals out of the quick suite and run them in the full one', () => {
    expect(ids(selectScenarios(BUILT_IN_SCENARIOS, [], 'quick'))).not.toContain('upgrade-rehearsal');
    expect(ids(selectScenarios(BUILT_IN_SCENARIOS, [], 'full'))).toEqual(
      expect.arrayContaining(['upgrade-rehearsal', 'downgrade-rehearsal', 'backup-restore']),
    );
  });

  it('run a rehearsal that is named, by id or by claim, whatever the suite', () => {
    expect(ids(selectScenarios(BUILT_IN_SCENARIOS, ['upgrade.no-skip'], 'quick'))).toEqual([
      'upgrade-rehearsal',
    ]);
    expect(ids(selectScenarios(BUILT_IN_SCENARIOS, ['downgrade-rehearsal'], 'quick'))).toEqual([
      'downgrade-rehearsal',
    ]);
  });
});
