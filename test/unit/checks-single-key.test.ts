// restore.single-key over recorded data: the measured recovery passes and reports what the guide's command did; a
// value that differs by one byte (from the snapshot or after the put), a key missing from the snapshot, and a recovery
// that disturbs other keys each fail; a delete that did not happen is inconclusive.
import { describe, expect, it } from 'vitest';
import { checkSingleKeyRecovery, diffKeys, type SingleKeyRecord } from '../../harness/checks/single-key.js';

const CRD = Buffer.from(
  JSON.stringify({
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com', annotations: { description: 'Widgets — größer, schöner ✓' } },
  }),
);

function flipped(value: Buffer, index: number): Buffer {
  const copy = Buffer.from(value);
  copy[index] = (copy[index] as number) ^ 1;
  return copy;
}

const OTHERS = {
  '/registry/configmaps/default/cm-0000': Buffer.from('{"at":"after the snapshot"}').toString('base64'),
  '/registry/configmaps/default/cm-0001': Buffer.from('{"at":"before"}').toString('base64'),
  '/registry/namespaces/default': Buffer.from('{"kind":"Namespace"}').toString('base64'),
};

/** The measured 3.6.16 run (values shortened). */
function measured(overrides: Partial<SingleKeyRecord> = {}): SingleKeyRecord {
  return {
    key: '/registry/apiextensions.k8s.io/customresourcedefinitions/widgets.example.com',
    original: CRD,
    presentAfterDeletion: false,
    fromSnapshot: Buffer.from(CRD),
    liveAfterRecovery: Buffer.from(CRD),
    otherKeysBefore: OTHERS,
    otherKeysAfter: { ...OTHERS },
    changedAfterSnapshot: ['/registry/configmaps/default/cm-0000'],
    guide: {
      literal: { exitCode: 1, message: "Error: unknown shorthand flag: 'o' in -o" },
      afterDeletion: { exitCode: 0, count: 0 },
      jqValueFieldPresent: false,
    },
    ...overrides,
  };
}

describe('checkSingleKeyRecovery', () => {
  it('passes the measured recovery and says what the guide command did', () => {
    const outcome = checkSingleKeyRecovery(measured());
    expect(outcome.verdict, outcome.reason).toBe('pass');
    expect(outcome.observed).toContain("unknown shorthand flag: 'o' in -o");
    expect(outcome.observed).toContain('finds 0 keys');
    expect(outcome.observed).toContain('.kvs[0].value');
    expect(outcome.reason).toMatch(/guide's own command finds nothing/);
  });

  it('fails when the value read from the snapshot differs by one byte', () => {
    const outcome = checkSingleKeyRecovery(measured({ fromSnapshot: flipped(CRD, 40) }));
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/differs from the original \(first difference at byte 40\)/);
  });

  it('fails when the live cluster does not hold the original after the put', () => {
    const outcome = checkSingleKeyRecovery(measured({ liveAfterRecovery: CRD.subarray(0, CRD.length - 1) }));
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/live cluster does not hold the original/);
  });

  it('fails when the key is not in the snapshot', () => {
    const outcome = checkSingleKeyRecovery(
      measured({ fromSnapshot: undefined, liveAfterRecovery: undefined }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/could not be read from the snapshot/);
  });

  it('fails when the recovery rolls back a key changed after the snapshot (a full restore would)', () => {
    const outcome = checkSingleKeyRecovery(
      measured({
        otherKeysAfter: {
          ...OTHERS,
          '/registry/configmaps/default/cm-0000': Buffer.from('{"at":"before"}').toString('base64'),
        },
      }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(
      /disturbed other keys \(changed: \/registry\/configmaps\/default\/cm-0000/,
    );
  });

  it('is inconclusive when the key was never deleted', () => {
    expect(checkSingleKeyRecovery(measured({ presentAfterDeletion: true })).verdict).toBe('inconclusive');
  });
});

describe('diffKeys', () => {
  it('reports changed, missing and added keys', () => {
    expect(diffKeys({ a: '1', b: '2', c: '3' }, { a: '1', b: 'x', d: '4' })).toEqual({
      changed: ['b'],
      missing: ['c'],
      added: ['d'],
    });
  });
});
