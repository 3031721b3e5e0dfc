// The full-restore and watch-across-restore checks over recorded data: the measured 3.6.16 run (guide command gone,
// objects back, informers stale without the bump, told with it) and the negative controls.
import { describe, expect, it } from 'vitest';
import {
  checkFullRestore,
  checkWatchAcrossRestore,
  type FullRestoreRecord,
  type InformerAcrossRestore,
  judgeInformer,
  type WatchRestoreRecord,
} from '../../harness/checks/kube-restore.js';
import type { CachedObject, InformerRecord } from '../../harness/kube/informer.js';
import { objectDigest } from '../../harness/kube/informer.js';

function fullRestore(overrides: Partial<FullRestoreRecord> = {}): FullRestoreRecord {
  return {
    guideCommand: {
      command:
        'ETCDCTL_API=3 /cache/etcd/3.6.16/etcdctl snapshot restore /tmp/s.db --name=m1 --data-dir=/tmp/d',
      exitCode: 1,
      producedDataDir: false,
      output: 'NAME: / Error: unknown flag: --name',
      fallback: '/cache/etcd/3.6.16/etcdutl snapshot restore',
    },
    objects: [
      { key: 'namespaces kfr-0', digest: 'a', observed: 'a' },
      { key: 'secrets kfr-0/secret-0', digest: 'b', observed: 'b' },
    ],
    afterSnapshot: [
      { key: 'configmaps kfr-0/after-snapshot-0', change: 'created', observed: 'absent' },
      { key: 'configmaps kfr-0/cm-0', change: 'updated', observed: 'as-before-snapshot' },
      { key: 'configmaps kfr-1/cm-2', change: 'deleted', observed: 'as-before-snapshot' },
    ],
    apiserverReadyAfterMs: 6_100,
    snapshotRevision: 213,
    ...overrides,
  };
}

describe('checkFullRestore', () => {
  it('reports the guide command gone on 3.6, and the objects back with nothing after the snapshot', () => {
    const [command, objects, lost] = checkFullRestore(fullRestore());
    expect(command?.verdict).toBe('fail');
    expect(command?.observed).toMatch(/unknown flag: --name/);
    expect(command?.reason).toMatch(/continued with `\/cache\/etcd\/3\.6\.16\/etcdutl snapshot restore`/);
    expect(objects?.verdict).toBe('pass');
    expect(lost?.verdict).toBe('pass');
  });

  it('passes the guide command where it restores (3.5), noting the deprecation', () => {
    const [command] = checkFullRestore(
      fullRestore({
        guideCommand: {
          command: 'etcdctl snapshot restore',
          exitCode: 0,
          producedDataDir: true,
          output: 'Deprecated: Use `etcdutl snapshot restore` instead.',
          fallback: undefined,
        },
      }),
    );
    expect(command?.verdict).toBe('pass');
    expect(command?.reason).toMatch(/deprecation warning/);
  });

  it('fails a missing or changed object, and a change after the snapshot that survived', () => {
    const [, objects, lost] = checkFullRestore(
      fullRestore({
        objects: [
          { key: 'a', digest: 'a', observed: undefined },
          { key: 'b', digest: 'b', observed: 'x' },
        ],
        afterSnapshot: [{ key: 'c', change: 'created', observed: 'as-after-snapshot' }],
      }),
    );
    expect(objects?.verdict).toBe('fail');
    expect(objects?.reason).toMatch(/1 missing \(a\), 1 with other content \(b\)/);
    expect(lost?.verdict).toBe('fail');
  });
});

const cached = (digest: string, resourceVersion = '1'): CachedObject => ({ resourceVersion, digest });

function informer(
  name: string,
  cache: Record<string, CachedObject>,
  extra: Partial<InformerRecord> = {},
  restoredAt = 1_000,
): InformerAcrossRestore {
  return {
    record: {
      name,
      events: [],
      relists: [],
      errors: [],
      backwards: [],
      lastResourceVersion: '250',
      cache,
      ...extra,
    },
    resumed: 'as soon as the API server answered',
    restoredAt,
  };
}

const truth = { 'ns/cm-0': cached('a'), 'ns/after-restore-0': cached('r') };

describe('judgeInformer', () => {
  it('finds ghosts, missed objects and outdated ones', () => {
    const verdict = judgeInformer(
      informer('late', { 'ns/cm-0': cached('changed'), 'ns/after-snapshot-0': cached('g') }),
      truth,
    );
    expect(verdict.ghosts).toEqual(['ns/after-snapshot-0']);
    expect(verdict.missing).toEqual(['ns/after-restore-0']);
    expect(verdict.outdated).toEqual(['ns/cm-0']);
  });

  it('counts only what happened after the restore', () => {
    const verdict = judgeInformer(
      informer('early', truth, {
        errors: [
          {
            at: 500,
            during: 'watch',
            status: 410,
            reason: 'Expired',
            message: 'too old resource version: 1 (2)',
          },
          {
            at: 1_500,
            during: 'watch',
            status: 410,
            reason: 'Expired',
            message: 'too old resource version: 245 (1000000213)',
          },
        ],
        relists: [
          { at: 100, requested: '', listed: '213', items: 1, reason: 'initial list' },
          {
            at: 1_600,
            requested: '245',
            listed: '1000000213',
            items: 2,
            reason: 'watch ERROR event: 410 Expired',
          },
        ],
      }),
      truth,
    );
    expect(verdict.gone410).toBe(1);
    expect(verdict.relists).toBe(1);
  });
});

function watchRecord(overrides: Partial<WatchRestoreRecord> = {}): WatchRestoreRecord {
  return {
    bump: undefined,
    snapshotRevision: 213,
    clientRevisionBefore: 245,
    revisionAtReady: 214,
    revisionAtLateResume: 250,
    informers: [
      informer('guide-reconnects-at-once', { 'ns/cm-0': cached('a'), 'ns/after-snapshot-0': cached('g') }),
      informer('guide-reconnects-late', { 'ns/cm-0': cached('a'), 'ns/after-snapshot-0': cached('g') }),
    ],
    truth,
    ...overrides,
  };
}

const told = (name: string) =>
  informer(name, truth, {
    errors: [
      {
        at: 2_000,
        during: 'watch',
        status: 410,
        reason: 'Expired',
        message: 'too old resource version: 245 (1000000213)',
      },
    ],
    relists: [
      {
        at: 2_100,
        requested: '245',
        listed: '1000000213',
        items: 2,
        reason: 'watch ERROR event: 410 Expired',
      },
    ],
  });

describe('checkWatchAcrossRestore', () => {
  it("fails the guide's restore: informers kept ghosts and missed objects, never told", () => {
    const outcome = checkWatchAcrossRestore(watchRecord());
    expect(outcome.check).toBe('without-bump');
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(
      /guide-reconnects-late kept a stale view \(1 ghosts, 1 missed, 0 outdated\) was never told to relist/,
    );
    expect(outcome.reason).toMatch(/restore with --bump-revision --mark-compacted/);
  });

  it('passes a bumped restore where every informer got 410 Gone and relisted to the server state', () => {
    const outcome = checkWatchAcrossRestore(
      watchRecord({
        bump: { revision: 1_000_000_000, markCompacted: true },
        revisionAtReady: 1_000_000_214,
        informers: [told('bump-reconnects-at-once'), told('bump-reconnects-late')],
      }),
    );
    expect(outcome.check).toBe('with-bump');
    expect(outcome.verdict).toBe('pass');
  });

  it('fails a bumped restore when an informer ended stale, or saw resourceVersions go backwards', () => {
    const stale = checkWatchAcrossRestore(
      watchRecord({
        bump: { revision: 1e9, markCompacted: true },
        informers: [told('a'), informer('b', { 'ns/cm-0': cached('a') })],
      }),
    );
    expect(stale.verdict).toBe('fail');
    const backwards = checkWatchAcrossRestore(
      watchRecord({
        bump: { revision: 1e9, markCompacted: true },
        informers: [
          informer('a', truth, {
            relists: [{ at: 2_000, requested: '', listed: '214', items: 2, reason: 'x' }],
            backwards: [
              { at: 2_000, key: undefined, resourceVersion: '214', previousMax: '245', via: 'list' },
            ],
          }),
        ],
      }),
    );
    expect(backwards.verdict).toBe('fail');
    expect(backwards.reason).toMatch(/backwards 1×/);
  });

  it('is inconclusive when the scenario did not put clients above the restored revision', () => {
    expect(checkWatchAcrossRestore(watchRecord({ revisionAtReady: 245 })).verdict).toBe('inconclusive');
  });
});

describe('objectDigest', () => {
  it('ignores metadata and key order, sees content', () => {
    const a = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', resourceVersion: '1' },
      data: { a: '1', b: '2' },
    };
    const b = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', resourceVersion: '9' },
      data: { b: '2', a: '1' },
    };
    expect(objectDigest(a)).toBe(objectDigest(b));
    expect(objectDigest({ ...a, data: { a: '1', b: '3' } })).not.toBe(objectDigest(a));
  });
});
