// Checks for the guide's "Full Cluster Failure" with a real kube-apiserver: the guide's restore command on this
// etcd version, every object of the snapshot served back with its content, nothing from after it; and what
// list+watch clients (informers) see across the restore, without and with --bump-revision --mark-compacted.
import { type CheckOutcome, measure } from '../findings/finding.js';
import type { CachedObject, InformerRecord } from '../kube/informer.js';

export interface GuideRestoreCommandRecord {
  /** The command as run (the guide's flags, this version's etcdctl). */
  readonly command: string;
  readonly exitCode: number;
  /** Whether it produced a data dir with a backend database. */
  readonly producedDataDir: boolean;
  /** The first lines of its output. */
  readonly output: string;
  /** What was used instead when it did not work (`etcdutl snapshot restore`). */
  readonly fallback: string | undefined;
}

export interface ObjectExpectation {
  /** `configmaps demo-1/cm-3`, `customresourcedefinitions widgets.chaos.etcd.io`. */
  readonly key: string;
  /** Digest of the object as written (before the snapshot), or of what it must not be. */
  readonly digest: string;
  /** Digest as served after the restore; undefined when absent (404). */
  readonly observed: string | undefined;
}

export interface AfterSnapshotChange {
  readonly key: string;
  readonly change: 'created' | 'updated' | 'deleted';
  /** After the restore: `absent`, `as-before-snapshot`, `as-after-snapshot`, `other`. */
  readonly observed: 'absent' | 'as-before-snapshot' | 'as-after-snapshot' | 'other';
}

export interface FullRestoreRecord {
  readonly guideCommand: GuideRestoreCommandRecord;
  readonly objects: readonly ObjectExpectation[];
  readonly afterSnapshot: readonly AfterSnapshotChange[];
  /** kube-apiserver start to first /readyz 200 after the restore. */
  readonly apiserverReadyAfterMs: number;
  readonly snapshotRevision: number;
}

const CLAIM = 'k8s.full-restore';

export function checkFullRestore(record: FullRestoreRecord): CheckOutcome[] {
  const { guideCommand } = record;
  const commandWorks = guideCommand.exitCode === 0 && guideCommand.producedDataDir;
  const command: CheckOutcome = {
    claim: CLAIM,
    check: 'guide-command',
    verdict: commandWorks ? 'pass' : 'fail',
    reason: commandWorks
      ? `\`${shortCommand(guideCommand.command)}\` restored the data dir as written${/deprecat/i.test(guideCommand.output) ? ' (with a deprecation warning)' : ''}`
      : `the guide's \`etcdctl snapshot restore\` did not restore a data dir on this version (exit ${guideCommand.exitCode}${guideCommand.producedDataDir ? '' : ', no data dir written'}); ${guideCommand.fallback ? `continued with \`${guideCommand.fallback}\`` : 'no fallback'}`,
    expected:
      "the guide's `ETCDCTL_API=3 etcdctl snapshot restore <file> --name --initial-cluster --initial-advertise-peer-urls --data-dir` writes the member's data dir",
    observed: `exit ${guideCommand.exitCode}, data dir ${guideCommand.producedDataDir ? 'written' : 'not written'}; output: ${guideCommand.output.slice(0, 300)}`,
  };
  const missing = record.objects.filter((object) => object.observed === undefined);
  const changed = record.objects.filter(
    (object) => object.observed !== undefined && object.observed !== object.digest,
  );
  const intact = record.objects.length - missing.length - changed.length;
  const objects: CheckOutcome = {
    claim: CLAIM,
    check: 'objects-restored',
    verdict: record.objects.length > 0 && intact === record.objects.length ? 'pass' : 'fail',
    reason:
      intact === record.objects.length
        ? `all ${record.objects.length} objects written before the snapshot are served with their content`
        : `${missing.length} missing (${missing
            .slice(0, 3)
            .map((object) => object.key)
            .join(', ')}), ${changed.length} with other content (${changed
            .slice(0, 3)
            .map((object) => object.key)
            .join(', ')})`,
    expected:
      'every namespace, ConfigMap, Secret, CRD and custom resource of the snapshot served by kube-apiserver with its content',
    observed: `${intact} of ${record.objects.length} intact, ${missing.length} missing, ${changed.length} changed; kube-apiserver ready ${(record.apiserverReadyAfterMs / 1000).toFixed(1)} s after start`,
    measurements: [
      measure('objects before the snapshot', record.objects.length, 'count'),
      measure('served intact after the restore', intact, 'count'),
      measure('kube-apiserver start to ready after the restore', record.apiserverReadyAfterMs, 'ms'),
      measure('snapshot revision', record.snapshotRevision, 'revision'),
    ],
  };
  const expectedAfter = (change: AfterSnapshotChange['change']): AfterSnapshotChange['observed'] =>
    change === 'created' ? 'absent' : 'as-before-snapshot';
  const wrong = record.afterSnapshot.filter((entry) => entry.observed !== expectedAfter(entry.change));
  const lost: CheckOutcome = {
    claim: CLAIM,
    check: 'after-snapshot-lost',
    verdict: record.afterSnapshot.length > 0 && wrong.length === 0 ? 'pass' : 'fail',
    reason:
      wrong.length === 0
        ? `all ${record.afterSnapshot.length} changes made after the snapshot are gone (created objects absent, updated and deleted ones as they were at the snapshot): the documented loss window`
        : `${wrong.length} changes made after the snapshot survived the restore: ${wrong
            .slice(0, 3)
            .map((entry) => `${entry.key} (${entry.change}, now ${entry.observed})`)
            .join(', ')}`,
    expected:
      'objects created after the snapshot are absent; objects updated or deleted after it are back as they were at the snapshot',
    observed: countBy(record.afterSnapshot.map((entry) => `${entry.change} → ${entry.observed}`)),
    measurements: [
      measure('changes after the snapshot', record.afterSnapshot.length, 'count'),
      measure('surviving the restore', wrong.length, 'count'),
    ],
  };
  return [command, objects, lost];
}

/** One informer across the restore, reduced to what the check judges. */
export interface InformerAcrossRestore {
  readonly record: InformerRecord;
  /** `when the API server answers again` or `after N writes on the restored cluster`. */
  readonly resumed: string;
  /** Epoch ms of the API server's return (events, relists and errors before it belong to the old cluster). */
  readonly restoredAt: number;
}

export interface WatchRestoreRecord {
  readonly bump: { readonly revision: number; readonly markCompacted: boolean } | undefined;
  readonly snapshotRevision: number;
  /** The highest resourceVersion informers had seen before the API server stopped. */
  readonly clientRevisionBefore: number;
  /** etcd's revision right after the restored API server became ready. */
  readonly revisionAtReady: number;
  /** etcd's revision when the late informer resumed (after the writes on the restored cluster). */
  readonly revisionAtLateResume: number;
  readonly informers: readonly InformerAcrossRestore[];
  /** The server's state at the end (a consistent LIST): key → object. */
  readonly truth: Readonly<Record<string, CachedObject>>;
  /** An object updated after the snapshot: its resourceVersion as clients last saw it, and as served after the restore. */
  readonly rewound?: { readonly key: string; readonly before: string; readonly after: string | undefined };
}

export interface InformerVerdict {
  readonly name: string;
  readonly resumed: string;
  readonly gone410: number;
  readonly tooLarge: number;
  readonly relists: number;
  readonly backwards: number;
  /** In the server's state, not in the informer's cache. */
  readonly missing: readonly string[];
  /** In the informer's cache, not on the server. */
  readonly ghosts: readonly string[];
  /** In both, with other content. */
  readonly outdated: readonly string[];
}

/** Compares one informer's cache with the server's state and counts what it was told after the restore. */
export function judgeInformer(
  informer: InformerAcrossRestore,
  truth: Readonly<Record<string, CachedObject>>,
): InformerVerdict {
  const after = <T extends { at: number }>(entries: readonly T[]) =>
    entries.filter((entry) => entry.at >= informer.restoredAt);
  const errors = after(informer.record.errors);
  const cache = informer.record.cache;
  return {
    name: informer.record.name,
    resumed: informer.resumed,
    gone410: errors.filter(
      (error) => error.status === 410 || error.reason === 'Expired' || error.reason === 'Gone',
    ).length,
    tooLarge: errors.filter((error) => /too large resource version/i.test(error.message)).length,
    relists: after(informer.record.relists).length,
    backwards: after(informer.record.backwards).length,
    missing: Object.keys(truth).filter((key) => !(key in cache)),
    ghosts: Object.keys(cache).filter((key) => !(key in truth)),
    outdated: Object.keys(truth).filter((key) => key in cache && cache[key]?.digest !== truth[key]?.digest),
  };
}

function describeInformer(verdict: InformerVerdict): string {
  return `informer ${verdict.name} (resumed ${verdict.resumed}): ${verdict.gone410}× 410 Gone, ${verdict.tooLarge}× "too large resource version", ${verdict.relists} relists, ${verdict.backwards} resourceVersions backwards; cache vs server: ${verdict.missing.length} missing, ${verdict.ghosts.length} ghosts, ${verdict.outdated.length} outdated`;
}

function isStale(verdict: InformerVerdict): boolean {
  return verdict.missing.length + verdict.ghosts.length + verdict.outdated.length > 0;
}

/**
 * Judges informers across one restore. The claim holds when every informer was told (410 or a relist) and ended with
 * the server's state, with no resourceVersion going backwards. Without the flags the hazard needs the informers'
 * last resourceVersion to lie above the restored revision when the API server returns (else it is not set up, and
 * the check is inconclusive).
 */
export function checkWatchAcrossRestore(record: WatchRestoreRecord): CheckOutcome {
  const verdicts = record.informers.map((informer) => judgeInformer(informer, record.truth));
  const check = record.bump ? 'with-bump' : 'without-bump';
  const procedure = record.bump
    ? `restore with --bump-revision=${record.bump.revision}${record.bump.markCompacted ? ' --mark-compacted' : ''}`
    : "the guide's restore (no --bump-revision)";
  const measurements = [
    measure('snapshot revision', record.snapshotRevision, 'revision'),
    measure('highest resourceVersion clients saw before', record.clientRevisionBefore, 'revision'),
    measure('etcd revision when the API server was ready again', record.revisionAtReady, 'revision'),
    measure('etcd revision when the late informer resumed', record.revisionAtLateResume, 'revision'),
    ...verdicts.flatMap((verdict) => [
      measure(`${verdict.name}: 410 Gone`, verdict.gone410, 'count'),
      measure(`${verdict.name}: relists after the restore`, verdict.relists, 'count'),
      measure(`${verdict.name}: resourceVersions backwards`, verdict.backwards, 'count'),
      measure(`${verdict.name}: missing objects`, verdict.missing.length, 'count'),
      measure(`${verdict.name}: ghost objects`, verdict.ghosts.length, 'count'),
      measure(`${verdict.name}: outdated objects`, verdict.outdated.length, 'count'),
    ]),
  ];
  const rewound = record.rewound
    ? `; ${record.rewound.key} had resourceVersion ${record.rewound.before} before, ${record.rewound.after ?? 'absent'} after the restore`
    : '';
  const observed = `${procedure}: snapshot at revision ${record.snapshotRevision}, clients had seen ${record.clientRevisionBefore}, the restored API server was ready at ${record.revisionAtReady}${rewound}; ${verdicts.map(describeInformer).join('; ')}`;
  const expected =
    'every informer is told (410 Gone "too old resource version") and relists; its cache ends equal to the server\'s state; no resourceVersion goes backwards';
  if (!record.bump && record.revisionAtReady >= record.clientRevisionBefore) {
    return {
      claim: 'k8s.watch-after-restore',
      check,
      verdict: 'inconclusive',
      reason: `the restored revision (${record.revisionAtReady}) already reached what clients had seen (${record.clientRevisionBefore}): the scenario wrote too little after the snapshot to set up the hazard`,
      expected,
      observed,
      measurements,
    };
  }
  const failing = verdicts.filter(
    (verdict) => isStale(verdict) || verdict.backwards > 0 || verdict.gone410 + verdict.relists === 0,
  );
  return {
    claim: 'k8s.watch-after-restore',
    check,
    verdict: failing.length === 0 && verdicts.length > 0 ? 'pass' : 'fail',
    reason:
      failing.length === 0
        ? `after ${procedure}, every informer was told to relist (${verdicts.map((verdict) => `${verdict.name}: ${verdict.gone410}× 410`).join(', ')}) and ended with the server's state`
        : `after ${procedure}: ${failing
            .map((verdict) =>
              `${verdict.name} ${isStale(verdict) ? `kept a stale view (${verdict.ghosts.length} ghosts, ${verdict.missing.length} missed, ${verdict.outdated.length} outdated)` : ''}${verdict.backwards > 0 ? ` saw resourceVersions go backwards ${verdict.backwards}×` : ''}${verdict.gone410 + verdict.relists === 0 ? ' was never told to relist' : ''}`.trim(),
            )
            .join(
              '; ',
            )}${record.bump ? '' : ' — nothing told them: restore with --bump-revision --mark-compacted'}`,
    expected,
    observed,
    measurements,
  };
}

function shortCommand(command: string): string {
  return command
    .replace(/ --(initial-cluster|initial-advertise-peer-urls|data-dir)=\S+/g, ' --$1=…')
    .slice(0, 160);
}

function countBy(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].map(([value, count]) => `${count}× ${value}`).join(', ') || 'none';
}
