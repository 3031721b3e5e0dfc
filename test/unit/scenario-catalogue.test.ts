// Every claim of the catalogue (except the upgrade rehearsal's, verify-backup's and `tune`'s) is checked by a built-in
// scenario, and the scenario definitions are well-formed (what the loader demands of users' files, built-ins meet too).
import { describe, expect, it } from 'vitest';
import { CLAIM_IDS } from '../../harness/claims/catalogue.js';
import { validateScenario } from '../../harness/scenario/loader.js';
import { PROFILES } from '../../harness/tuning/profiles.js';
import { tuneScenario } from '../../harness/tuning/tune-scenario.js';
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
  it('cover every claim of the catalogue outside the upgrade rehearsal, verify-backup and `tune`', () => {
    const covered = new Set(BUILT_IN_SCENARIOS.flatMap((scenario) => scenario.claims));
    const expected = CLAIM_IDS.filter(
      (id) =>
        !UPGRADE_CLAIMS.includes(id) && !VERIFY_BACKUP_CLAIMS.includes(id) && id !== 'tuning.recommendation',
    );
    expect(expected.filter((id) => !covered.has(id))).toEqual([]);
    // `etcd-chaos tune` builds the scenario that checks it from its input.
    const tune = tuneScenario({
      profile: PROFILES.ssd!,
      pairs: [],
      current: { label: 'yours', heartbeatIntervalMs: 100, electionTimeoutMs: 1000 },
      cycles: 1,
    });
    expect(tune.claims).toContain('tuning.recommendation');
    expect(() => validateScenario(tune, tune.id)).not.toThrow();
  });

  it("have unique ids and pass the loader's validation", () => {
    const ids = BUILT_IN_SCENARIOS.map((scenario) => scenario.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const scenario of BUILT_IN_SCENARIOS)
      expect(() => validateScenario(scenario, scenario.id)).not.toThrow();
  });
});
