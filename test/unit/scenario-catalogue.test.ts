// Every claim of the catalogue (except the upgrade rehearsal's) is checked by a built-in scenario, and the scenario
// definitions are well-formed (what the loader demands of users' files, built-ins meet too).
import { describe, expect, it } from 'vitest';
import { CLAIM_IDS } from '../../harness/claims/catalogue.js';
import { validateScenario } from '../../harness/scenario/loader.js';
import { BUILT_IN_SCENARIOS } from '../../scenarios/index.js';

const UPGRADE_CLAIMS = [
  'upgrade.rolling',
  'upgrade.no-skip',
  'downgrade.supported',
  'upgrade.snapshot-compat',
];

// Checked on the user's own backups by `etcd-chaos verify-backup` (a directory's age, a live cluster to compare with).
const VERIFY_BACKUP_CLAIMS = ['backup.fresh', 'backup.matches-live'];

describe('built-in scenarios', () => {
  it('cover every claim of the catalogue outside the upgrade rehearsal and verify-backup', () => {
    const covered = new Set(BUILT_IN_SCENARIOS.flatMap((scenario) => scenario.claims));
    const expected = CLAIM_IDS.filter(
      (id) => !UPGRADE_CLAIMS.includes(id) && !VERIFY_BACKUP_CLAIMS.includes(id),
    );
    expect(expected.filter((id) => !covered.has(id))).toEqual([]);
  });

  it("have unique ids and pass the loader's validation", () => {
    const ids = BUILT_IN_SCENARIOS.map((scenario) => scenario.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const scenario of BUILT_IN_SCENARIOS)
      expect(() => validateScenario(scenario, scenario.id)).not.toThrow();
  });
});
