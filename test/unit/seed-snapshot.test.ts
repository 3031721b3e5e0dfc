// `--seed-snapshot` is checked before anything starts: the fixture snapshots pass, damaged copies are refused with a
// message naming what is wrong, and the release that wrote it must be the one the rehearsal starts on.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../harness/errors.js';
import { digestOfKeys } from '../../harness/upgrade/keyspace.js';
import {
  checkWriterLine,
  inspectSeedSnapshot,
  keyspaceByResource,
  resourceOfKey,
  sha256OfFile,
} from '../../harness/upgrade/seed-snapshot.js';
import { resolveVersion } from '../../harness/versions/version.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'snapshots', 'etcd-3.5.35-50-keys.db');
const dir = mkdtempSync(join(tmpdir(), 'etcd-chaos-seed-test-'));

describe('inspecting a seed snapshot', () => {
  it('accepts a snapshot taken by `snapshot save` (its appended SHA-256 matches) and leaves it unchanged', async () => {
    const before = await sha256OfFile(FIXTURE);
    const file = await inspectSeedSnapshot(FIXTURE);
    expect(file.integrity).toBe('sha256-trailer');
    expect(file.sha256).toBe(before);
    expect(await sha256OfFile(FIXTURE)).toBe(before);
  });

  it('refuses a bit flip, a truncation, a non-snapshot and a missing file (negative controls)', async () => {
    const bytes = readFileSync(FIXTURE);
    const flipped = Buffer.from(bytes);
    flipped[8192 + 100]! ^= 0x01;
    writeFileSync(join(dir, 'flipped.db'), flipped);
    writeFileSync(join(dir, 'truncated.db'), bytes.subarray(0, bytes.length - 1000));
    writeFileSync(join(dir, 'text.db'), 'not a snapshot\n'.repeat(600));
    await expect(inspectSeedSnapshot(join(dir, 'flipped.db'))).rejects.toThrow(
      /its SHA-256 does not match the one `snapshot save` appended/,
    );
    await expect(inspectSeedSnapshot(join(dir, 'truncated.db'))).rejects.toThrow(/the file is truncated/);
    await expect(inspectSeedSnapshot(join(dir, 'text.db'))).rejects.toThrow(/no bbolt meta page/);
    await expect(inspectSeedSnapshot(join(dir, 'missing.db'))).rejects.toThrow(InputError);
  });

  it('requires the rehearsal to start on the release that wrote it (storage version from etcdutl 3.6+)', () => {
    expect(checkWriterLine('', resolveVersion('3.5'), 'x.db')).toBe('3.5 or older (no storage version)');
    expect(checkWriterLine('3.6.0', resolveVersion('3.6'), 'x.db')).toBe('3.6 (storage version 3.6.0)');
    expect(() => checkWriterLine('3.6.0', resolveVersion('3.5'), 'x.db')).toThrow(
      /written by etcd 3.6 .* starts on 3.5/,
    );
    let refusal: unknown;
    try {
      checkWriterLine('', resolveVersion('3.6'), 'x.db');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(InputError);
    expect((refusal as InputError).message).toMatch(/written by etcd 3.5 or older .* starts on 3.6/);
    expect((refusal as InputError).hint).toBe(
      'Rehearse from the release that wrote it: --from 3.5 (the snapshot is restored with its tools).',
    );
  });
});

describe('summarising a keyspace', () => {
  it('groups keys per /registry/<resource> and digests every key with its value', () => {
    expect(resourceOfKey('/registry/pods/default/web-1')).toBe('pods');
    expect(resourceOfKey('/registry/apiextensions.k8s.io/customresourcedefinitions/x')).toBe(
      'apiextensions.k8s.io/customresourcedefinitions',
    );
    expect(resourceOfKey('/other')).toBe('(outside /registry/)');
    const rows = keyspaceByResource(
      new Map([
        ['/registry/pods/a/x', 10],
        ['/registry/pods/a/y', 20],
        ['/registry/leases/a/z', 5],
      ]),
    );
    expect(rows).toEqual([
      { resource: 'pods', keys: 2, bytes: 30 },
      { resource: 'leases', keys: 1, bytes: 5 },
    ]);
    const seed = new Map([
      ['/a', 'h1'],
      ['/b', 'h2'],
    ]);
    expect(digestOfKeys(new Map([...seed, ['/ledger/1', 'h3']]), seed.keys())).toBe(digestOfKeys(seed));
    expect(digestOfKeys(new Map([['/a', 'h1']]), seed.keys())).not.toBe(digestOfKeys(seed));
    expect(
      digestOfKeys(
        new Map([
          ['/a', 'h1'],
          ['/b', 'changed'],
        ]),
        seed.keys(),
      ),
    ).not.toBe(digestOfKeys(seed));
  });
});
