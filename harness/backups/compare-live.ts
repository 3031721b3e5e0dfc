// Compares a snapshot's keys with a live cluster (`--compare-endpoints`): a keys-only range at the snapshot revision,
// or, when the cluster compacted past it, the live keys not modified since (the only ones both sides must agree on);
// a cluster that never reached the snapshot's revision is told apart from one that cannot be read.
import type { LiveComparisonRecord } from '../checks/backup-files.js';
import type { ClientTls } from '../cluster/clients.js';
import { etcdctlTlsArgs } from '../cluster/etcdctl.js';
import { runTool, type ToolRun, toolError } from '../procedures/tool-run.js';
import type { LiveKey } from './etcd-db.js';

export interface LiveTarget {
  readonly endpoints: readonly string[];
  readonly tls?: ClientTls;
}

interface RangeJson {
  readonly kvs?: readonly { readonly key: string; readonly mod_revision?: number }[];
}

const SAMPLES = 20;

export async function compareWithLive(input: {
  readonly file: string;
  readonly etcdctl: string;
  readonly target: LiveTarget;
  readonly snapshotRevision: number;
  readonly snapshotKeys: readonly LiveKey[];
  readonly record: (label: string, run: ToolRun) => void;
}): Promise<LiveComparisonRecord> {
  const base = {
    file: input.file,
    endpoints: input.target.endpoints.join(','),
    snapshotRevision: input.snapshotRevision,
  };
  // One endpoint answers the range (they are one cluster); the first that does.
  const args = (extra: string[]) => [
    `--endpoints=${input.target.endpoints.join(',')}`,
    ...etcdctlTlsArgs(input.target.tls),
    'get',
    '',
    '--from-key',
    '--keys-only',
    // etcdctl's default 5 s is too short for a keys-only range over a production keyspace; the process timeout
    // below (300 s) stays the bound.
    '--command-timeout=290s',
    ...extra,
    '-w',
    'json',
  ];
  const atRevision = await runTool(input.etcdctl, args([`--rev=${input.snapshotRevision}`]), 300_000);
  input.record(`live keys at revision ${input.snapshotRevision}`, {
    ...atRevision,
    stdout: truncated(atRevision.stdout),
  });
  const snapshot = new Map(input.snapshotKeys.map((entry) => [entry.key, entry.modRevision]));
  if (atRevision.exitCode === 0) {
    const live = liveKeys(atRevision.stdout);
    return { ...base, mode: 'at-revision', ...compare(snapshot, live, () => true) };
  }
  const message = toolError(atRevision);
  // A linearizable range refused as a future revision: the cluster is readable and its history never reached the
  // snapshot's revision, so the snapshot cannot be from it (another cluster, or one restored from an older backup).
  if (/future revision/i.test(message))
    return {
      ...base,
      mode: 'not-reached',
      notReached: { message },
      comparedKeys: 0,
      onlyInSnapshot: [],
      onlyInCluster: [],
      differentRevision: [],
      mismatchCount: 0,
    };
  if (!/compacted/i.test(message))
    return {
      ...base,
      mode: 'unreachable',
      unreachable: message,
      comparedKeys: 0,
      onlyInSnapshot: [],
      onlyInCluster: [],
      differentRevision: [],
      mismatchCount: 0,
    };
  const current = await runTool(input.etcdctl, args([]), 300_000);
  input.record('live keys now (snapshot revision compacted)', {
    ...current,
    stdout: truncated(current.stdout),
  });
  if (current.exitCode !== 0)
    return {
      ...base,
      mode: 'unreachable',
      unreachable: toolError(current),
      comparedKeys: 0,
      onlyInSnapshot: [],
      onlyInCluster: [],
      differentRevision: [],
      mismatchCount: 0,
    };
  const live = liveKeys(current.stdout);
  const unchanged = new Map([...live].filter(([, revision]) => revision <= input.snapshotRevision));
  // Keys live now and unchanged since the snapshot must be in it at the same revision; snapshot keys missing now may
  // have been deleted later, which a compacted history cannot tell apart: only the live side is judged.
  const result = compare(snapshot, unchanged, () => false);
  return {
    ...base,
    mode: 'unchanged-since',
    compacted: { message },
    changedSince: live.size - unchanged.size,
    ...result,
  };
}

function liveKeys(stdout: string): Map<string, number> {
  const parsed = JSON.parse(stdout) as RangeJson;
  return new Map(
    (parsed.kvs ?? []).map((kv) => [
      Buffer.from(kv.key, 'base64').toString('latin1'),
      Number(kv.mod_revision ?? 0),
    ]),
  );
}

function compare(
  snapshot: ReadonlyMap<string, number>,
  live: ReadonlyMap<string, number>,
  judgeSnapshotOnly: () => boolean,
): Pick<
  LiveComparisonRecord,
  'comparedKeys' | 'onlyInSnapshot' | 'onlyInCluster' | 'differentRevision' | 'mismatchCount'
> {
  const onlyInSnapshot: string[] = [];
  const onlyInCluster: string[] = [];
  const differentRevision: string[] = [];
  let mismatchCount = 0;
  if (judgeSnapshotOnly()) {
    for (const key of snapshot.keys()) {
      if (live.has(key)) continue;
      mismatchCount++;
      if (onlyInSnapshot.length < SAMPLES) onlyInSnapshot.push(key);
    }
  }
  for (const [key, revision] of live) {
    const inSnapshot = snapshot.get(key);
    if (inSnapshot === undefined) {
      mismatchCount++;
      if (onlyInCluster.length < SAMPLES) onlyInCluster.push(key);
    } else if (inSnapshot !== revision) {
      mismatchCount++;
      if (differentRevision.length < SAMPLES)
        differentRevision.push(`${key} (snapshot ${inSnapshot}, cluster ${revision})`);
    }
  }
  return { comparedKeys: live.size, onlyInSnapshot, onlyInCluster, differentRevision, mismatchCount };
}

function truncated(text: string): string {
  return text.length > 4_000 ? `${text.slice(0, 4_000)}\n... (${text.length} characters in all)` : text;
}
