// `--seed-snapshot` is checked before anything starts (verify-backup's integrity check and writer): the fixture
// snapshots pass, damaged copies are refused with a message naming what is wrong, and the release that wrote it must
// be the one the rehearsal starts on.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { digestSnapshot } from '../../harness/backups/snapshot-file.js';
import { InputError } from '../../harness/errors.js';
import { digestOfKeys } from '../../harness/upgrade/keyspace.js';
import { inspectSeedSnapshot, keyspaceByResource } from '../../harness/upgrade/seed-snapshot.js';
import { resolveVersion } from '../../harness/versions/version.js';

const SNAPSHOTS = join(import.meta.dirname, '..', 'fixtures', 'snapshots');
const FIXTURE = join(SNAPSHOTS, 'etcd-3.5.35-50-keys.db');
const sha256OfFile = async (path: string) => (await digestSnapshot(path)).sha256;
const V35 = resolveVersion('3.5');
const dir = mkdtempSync(join(tmpdir(), 'etcd-chaos-seed-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('inspecting a seed snapshot', () => {
  it('accepts a snapshot taken by `snapshot save` (its appended SHA-256 matches) and leaves it unchanged', async () => {
    const before = await sha256OfFile(FIXTURE);
    const file = await inspectSeedSnapshot(FIXTURE, V35);
    expect(file).toMatchObject({ integrity: 'sha256-trailer', sha256: before, totalKeys: 50 });
    expect(file.writer).toMatch(/^3\.5 \(/);
    expect(await sha256OfFile(FIXTURE)).toBe(before);
  });

  it('refuses a bit flip, a truncation, a non-snapshot and a missing file (negative controls)', async () => {
    const bytes = readFileSync(FIXTURE);
    const flipped = Buffer.from(bytes);
    flipped[8192 + 100]! ^= 0x01;
    writeFileSync(join(dir, 'flipped.db'), flipped);
    writeFileSync(join(dir, 'truncated.db'), bytes.subarray(0, bytes.length - 1000));
    writeFileSync(join(dir, 'text.db'), 'not a snapshot\n'.repeat(600));
    await expect(inspectSeedSnapshot(join(dir, 'flipped.db'), V35)).rejects.toThrow(
      /is not a usable etcd snapshot: the SHA-256 trailer does not match the content/,
    );
    await expect(inspectSeedSnapshot(join(dir, 'truncated.db'), V35)).rejects.toThrow(
      /is not a usable etcd snapshot: truncated: the database needs \d+ bytes/,
    );
    await expect(inspectSeedSnapshot(join(dir, 'text.db'), V35)).rejects.toThrow(
      /is not a usable etcd snapshot: not an etcd snapshot: not a bbolt file/,
    );
    await expect(inspectSeedSnapshot(join(dir, 'missing.db'), V35)).rejects.toThrow(InputError);
  });

  it('requires the rehearsal to start on the release that wrote it (from its meta buckets)', async () => {
    let refusal: unknown;
    try {
      await inspectSeedSnapshot(FIXTURE, resolveVersion('3.6'));
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(InputError);
    expect((refusal as InputError).message).toMatch(
      /written by etcd 3\.5 \(.*\), but the rehearsal starts on 3\.6/,
    );
    expect((refusal as InputError).hint).toBe(
      'Rehearse from the release that wrote it: --from 3.5 (the snapshot is restored with its tools).',
    );
    const newer = await inspectSeedSnapshot(join(SNAPSHOTS, 'etcd-3.7.3-50-keys.db'), resolveVersion('3.7'));
    expect(newer.writer).toMatch(/^3\.7 \(storage version/);
    await expect(inspectSeedSnapshot(join(SNAPSHOTS, 'etcd-3.7.3-50-keys.db'), V35)).rejects.toThrow(
      /written by etcd 3\.7 .* starts on 3\.5/,
    );
  });
});

describe('summarising a keyspace', () => {
  it('groups keys per /registry/<resource> and digests every key with its value', () => {
    const rows = keyspaceByResource(
      new Map([
        ['/registry/pods/a/x', 10],
        ['/registry/pods/a/y', 20],
        ['/registry/leases/a/z', 5],
      ]),
    );
    expect(rows).toEqual([
      { resource: '/registry/pods', keys: 2, bytes: 30 },
      { resource: '/registry/leases', keys: 1, bytes: 5 },
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
