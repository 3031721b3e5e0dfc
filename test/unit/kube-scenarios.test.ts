// The Kubernetes scenarios: full suite only (each needs a kube-apiserver built once per cache and takes a minute),
// run whenever named; every k8s claim cites the guide section it checks.
import { describe, expect, it } from 'vitest';
import { allClaims } from '../../harness/claims/catalogue.js';
import { availableScenarios, selectScenarios } from '../../harness/cli/scenario-selection.js';
import { BUILT_IN_SCENARIOS as BUILT_IN } from '../../scenarios/index.js';

const BUILT_IN_SCENARIOS = await availableScenarios(BUILT_IN, []);
const ids = (list: readonly { id: string }[]) => list.map((scenario) => scenario.id);
const K8S = [
  'k8s-full-restore',
  'k8s-crd-recovery',
  'k8s-encryption',
  'k8s-apiserver-faults',
  'k8s-version-matrix',
];

describe('the k8s scenarios', () => {
  it('stay out of the quick suite, run in the full one, and run when named by id or claim', () => {
    const quick = ids(selectScenarios(BUILT_IN_SCENARIOS, [], 'quick'));
    for (const id of K8S) expect(quick).not.toContain(id);
    expect(ids(selectScenarios(BUILT_IN_SCENARIOS, [], 'full'))).toEqual(expect.arrayContaining(K8S));
    expect(ids(selectScenarios(BUILT_IN_SCENARIOS, ['k8s.key-rotation'], 'quick'))).toEqual([
      'k8s-encryption',
    ]);
    expect(ids(selectScenarios(BUILT_IN_SCENARIOS, ['k8s-full-restore'], 'quick'))).toEqual([
      'k8s-full-restore',
    ]);
  });

  it('take the API server release as a parameter, defaulting to the newest 1.34 (what npm test provisions)', () => {
    for (const scenario of BUILT_IN.filter(
      (entry) => K8S.includes(entry.id) && entry.id !== 'k8s-version-matrix',
    )) {
      expect(scenario.params.kubernetes).toMatchObject({ type: 'enum', default: '1.34' });
    }
  });

  it('cite a guide section for every k8s claim', () => {
    const claims = allClaims().filter((claim) => claim.id.startsWith('k8s.'));
    expect(claims.map((claim) => claim.id)).toHaveLength(8);
    for (const claim of claims) expect(claim.source).toMatch(/etcd operations guide, "/);
  });
});
