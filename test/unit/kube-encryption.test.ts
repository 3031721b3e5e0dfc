// Encryption at rest: the EncryptionConfiguration the API server reads, envelope detection, plaintext counting, and
// the checks, each with the negative controls that must fail.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  checkEncryptionAtRest,
  checkKeyLoss,
  checkKeyRotation,
  countOccurrences,
  type EncryptionAtRestRecord,
  type KeyRotationRecord,
} from '../../harness/checks/kube-encryption.js';
import {
  guideEncryptionConfig,
  identityFirstConfig,
  newEncryptionKey,
  renderEncryptionConfiguration,
  storedEnvelopeOf,
} from '../../harness/kube/encryption.js';

describe('EncryptionConfiguration', () => {
  it("renders the guide's file: aescbc key1 first, identity second, for secrets", () => {
    const key = newEncryptionKey('key1');
    expect(Buffer.from(key.secret, 'base64')).toHaveLength(32);
    const document = parse(renderEncryptionConfiguration(guideEncryptionConfig(key)));
    expect(document).toEqual({
      apiVersion: 'apiserver.config.k8s.io/v1',
      kind: 'EncryptionConfiguration',
      resources: [
        {
          resources: ['secrets'],
          providers: [{ aescbc: { keys: [{ name: 'key1', secret: key.secret }] } }, { identity: {} }],
        },
      ],
    });
  });

  it('puts identity first for the negative control, and the new key first for a rotation', () => {
    const key1 = newEncryptionKey('key1');
    const key2 = newEncryptionKey('key2');
    expect(
      Object.keys(parse(renderEncryptionConfiguration(identityFirstConfig(key1))).resources[0].providers[0]),
    ).toEqual(['identity']);
    const rotation = parse(renderEncryptionConfiguration(guideEncryptionConfig(key2, key1)));
    expect(rotation.resources[0].providers[0].aescbc.keys.map((key: { name: string }) => key.name)).toEqual([
      'key2',
      'key1',
    ]);
  });

  it('tells a stored value by its envelope', () => {
    expect(storedEnvelopeOf(Buffer.from('k8s:enc:aescbc:v1:key1:\x00\x01binary'))).toEqual({
      provider: 'aescbc',
      key: 'key1',
    });
    expect(storedEnvelopeOf('k8s:enc:secretbox:v1:k2:xyz')).toEqual({ provider: 'secretbox', key: 'k2' });
    expect(storedEnvelopeOf(Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a]))).toEqual({
      provider: 'identity',
      key: undefined,
    });
  });
});

describe('countOccurrences', () => {
  it('counts non-overlapping occurrences in binary data', () => {
    const haystack = Buffer.concat([
      Buffer.from([0, 255]),
      Buffer.from('secret-a..secret-a'),
      Buffer.from([0]),
    ]);
    expect(countOccurrences(haystack, 'secret-a')).toBe(2);
    expect(countOccurrences(haystack, 'secret-b')).toBe(0);
    expect(countOccurrences(Buffer.from('aaaa'), 'aa')).toBe(2);
    expect(countOccurrences(haystack, '')).toBe(0);
  });
});

/** The 1.34.4 / etcd 3.6.16 quick run. */
function atRest(overrides: Partial<EncryptionAtRestRecord> = {}): EncryptionAtRestRecord {
  return {
    aescbc: {
      secrets: 10,
      storedAs: { 'aescbc:key1': 10 },
      plaintextInEtcd: 0,
      plaintextInSnapshot: 0,
      snapshotBytes: 253_984,
    },
    configMapPlaintextInSnapshot: 5,
    identity: {
      secrets: 3,
      storedAs: { identity: 3 },
      plaintextInEtcd: 3,
      plaintextInSnapshot: 3,
      snapshotBytes: 258_080,
    },
    ...overrides,
  };
}

describe('checkEncryptionAtRest', () => {
  it('passes the measured run: 0 plaintext with aescbc, plaintext found with identity first', () => {
    const [aescbc, control] = checkEncryptionAtRest(atRest());
    expect(aescbc?.verdict).toBe('pass');
    expect(control?.verdict).toBe('pass');
    expect(aescbc?.observed).toMatch(/occur 0 times in etcd and 0 times in a 253984-byte snapshot/);
  });

  it('fails when a plaintext value is in the snapshot (negative control)', () => {
    const [aescbc] = checkEncryptionAtRest(
      atRest({
        aescbc: {
          secrets: 10,
          storedAs: { 'aescbc:key1': 10 },
          plaintextInEtcd: 0,
          plaintextInSnapshot: 1,
          snapshotBytes: 1,
        },
      }),
    );
    expect(aescbc?.verdict).toBe('fail');
  });

  it('fails when a Secret is stored unencrypted', () => {
    const [aescbc] = checkEncryptionAtRest(
      atRest({
        aescbc: {
          secrets: 10,
          storedAs: { 'aescbc:key1': 9, identity: 1 },
          plaintextInEtcd: 1,
          plaintextInSnapshot: 1,
          snapshotBytes: 1,
        },
      }),
    );
    expect(aescbc?.verdict).toBe('fail');
    expect(aescbc?.reason).toMatch(/1 of 10 Secrets not stored as aescbc:key1/);
  });

  it('is inconclusive when the count cannot see plaintext at all (no ConfigMap value found either)', () => {
    const [aescbc] = checkEncryptionAtRest(atRest({ configMapPlaintextInSnapshot: 0 }));
    expect(aescbc?.verdict).toBe('inconclusive');
  });

  it('fails the control when identity-first Secrets show no plaintext', () => {
    const [, control] = checkEncryptionAtRest(
      atRest({
        identity: {
          secrets: 3,
          storedAs: { 'aescbc:key1': 3 },
          plaintextInEtcd: 0,
          plaintextInSnapshot: 0,
          snapshotBytes: 1,
        },
      }),
    );
    expect(control?.verdict).toBe('fail');
  });
});

function rotation(overrides: Partial<KeyRotationRecord> = {}): KeyRotationRecord {
  return {
    secrets: 13,
    afterRestart: { storedAs: { 'aescbc:key1': 10, identity: 3 }, waitedMs: 5_000 },
    afterRewrite: { storedAs: { 'aescbc:key2': 13 }, rewritten: 13 },
    afterDrop: { readable: 13, storedAs: { 'aescbc:key2': 13 }, errors: [] },
    oldKey: 'key1',
    newKey: 'key2',
    ...overrides,
  };
}

describe('checkKeyRotation', () => {
  it('fails "letting secrets re-encrypt" (nothing re-encrypts by itself) and passes the rotation with a rewrite', () => {
    const [implicit, withRewrite] = checkKeyRotation(rotation());
    expect(implicit?.verdict).toBe('fail');
    expect(implicit?.reason).toMatch(
      /10 of 13 Secrets were still stored under key1 5\.0 s after the restart/,
    );
    expect(withRewrite?.verdict).toBe('pass');
  });

  it('passes the first check if every Secret had moved to the new key after the restart', () => {
    const [implicit] = checkKeyRotation(
      rotation({ afterRestart: { storedAs: { 'aescbc:key2': 13 }, waitedMs: 5_000 } }),
    );
    expect(implicit?.verdict).toBe('pass');
  });

  it('fails the rotation when a Secret is unreadable after the old key is dropped', () => {
    const [, withRewrite] = checkKeyRotation(
      rotation({
        afterDrop: {
          readable: 12,
          storedAs: { 'aescbc:key2': 12, 'aescbc:key1': 1 },
          errors: ['s1: 500 invalid padding'],
        },
      }),
    );
    expect(withRewrite?.verdict).toBe('fail');
    expect(withRewrite?.reason).toMatch(/12 of 13 Secrets read back.*invalid padding/);
  });
});

describe('checkKeyLoss', () => {
  const lost = {
    variant: 'new-key-same-name',
    secrets: 13,
    readable: 0,
    getStatus: 500,
    listStatus: 429,
    message: 'Internal error occurred: invalid padding on input',
    readyz: '500 (informer-sync failed: reason withheld)',
    logLine: 'transformer.go:164] "failed to decrypt data" err="invalid padding on input"',
  };

  it('passes when nothing is readable without the key, quoting the error', () => {
    const outcome = checkKeyLoss({ attempts: [lost], readableWithOriginalKey: 13 });
    expect(outcome.verdict).toBe('pass');
    expect(outcome.observed).toMatch(/invalid padding on input/);
    expect(outcome.observed).toMatch(/with the original key back: 13 readable/);
  });

  it('fails when a Secret is readable without its key (negative control)', () => {
    expect(
      checkKeyLoss({
        attempts: [{ ...lost, readable: 1, getStatus: 200 }],
        readableWithOriginalKey: undefined,
      }).verdict,
    ).toBe('fail');
    expect(checkKeyLoss({ attempts: [], readableWithOriginalKey: undefined }).verdict).toBe('fail');
  });
});
