// `etcd-chaos verify-backup --compare-endpoints` against real clusters on the default etcd version: snapshots saved
// from a running (TLS) cluster match it at their revisions after later writes; against another cluster they fail
// with the differing keys (or the revision that cluster never reached); once the cluster compacted past them, only
// the keys unchanged since are compared, and a snapshot none of whose keys survived unchanged is not judged at all.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterSpec } from '../../harness/cluster/spec.js';
import type { StartedCluster } from '../../harness/cluster/types.js';
import { saveSnapshot } from '../../harness/procedures/snapshot.js';
import { runCli } from '../helpers/cli.js';

interface Finding {
  readonly claim: string;
  readonly check: string;
  readonly verdict: string;
  readonly reason: string;
  readonly observed: string;
  readonly measurements: readonly { readonly name: string; readonly value: number }[];
}

let dir: string;
/** Cluster A (mTLS): the snapshots' source. Cluster B: another cluster with other keys. */
let clusterA: StartedCluster | undefined;
let clusterB: StartedCluster | undefined;
/** Snapshots of A: `early` holds only keys rewritten later, `late` holds keys still unchanged at the end. */
const early = { path: '', revision: 0 };
const late = { path: '', revision: 0 };
let revisionB = 0;
/** A's revision after the writes that follow both saves. */
let finalRevisionA = 0;

const key = (prefix: string, index: number) => `/compare/${prefix}/${String(index).padStart(3, '0')}`;

/** Puts `prefix/from..to-1` one revision each; the revision of the last put. */
async function put(client: Etcd3, prefix: string, from: number, to: number, value: string): Promise<number> {
  let revision = 0;
  for (let index = from; index < to; index++)
    revision = Number((await client.put(key(prefix, index)).value(value)).header.revision);
  return revision;
}

async function remove(client: Etcd3, prefix: string, from: number, to: number): Promise<number> {
  let revision = 0;
  for (let index = from; index < to; index++)
    revision = Number((await client.delete().key(key(prefix, index))).header.revision);
  return revision;
}

/** `verify-backup FILES --compare-endpoints CLUSTER` and its backup.matches-live findings, by file. */
function compare(
  files: readonly string[],
  cluster: StartedCluster,
  reportName: string,
): { code: number | null; byFile: Map<string, Finding> } {
  const tls = cluster.clientTls();
  const reportDir = join(dir, reportName);
  const result = runCli(
    [
      'verify-backup',
      ...files,
      '--compare-endpoints',
      cluster.endpoints().join(','),
      ...(tls ? ['--cacert', tls.caFile] : []),
      ...(tls?.certFile ? ['--cert', tls.certFile] : []),
      ...(tls?.keyFile ? ['--key', tls.keyFile] : []),
      // The restore drill is not under test here: loopback spares it a network namespace per file.
      '--network',
      'loopback',
      '--report-dir',
      reportDir,
    ],
    {},
    // Measured: 2.4–3.9 s per run of two files (restore drills, the live ranges) on the shared 2-core host; 60 s is
    // over ten times that, for a loaded machine, and still fails a hung run well before vitest's test timeout.
    60_000,
  );
  const { findings } = JSON.parse(readFileSync(join(reportDir, 'result.json'), 'utf8')) as {
    findings: Finding[];
  };
  const byFile = new Map<string, Finding>();
  for (const finding of findings.filter((entry) => entry.claim === 'backup.matches-live'))
    byFile.set(finding.check.slice(0, finding.check.indexOf(' against ')), finding);
  if (byFile.size !== files.length)
    throw new Error(
      `expected a backup.matches-live finding per file, got:\n${result.stdout}${result.stderr}`,
    );
  return { code: result.code, byFile };
}

function measurement(finding: Finding, name: string): number | undefined {
  return finding.measurements.find((entry) => entry.name === name)?.value;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'etcd-chaos-verify-compare-'));
  // One member each: the comparison reads one endpoint, more members would only slow the start. Loopback: no
  // namespaces to set up.
  [clusterA, clusterB] = await Promise.all([
    ClusterSpec.etcd('default').withMembers(1).withNetwork('loopback').withTls().start(),
    ClusterSpec.etcd('default').withMembers(1).withNetwork('loopback').start(),
  ]);
  const a = clusterA.client();
  // Revision 1 is the empty store: a/000..099 at 2..101, a/000..009 again at 102..111, a/090..099 deleted at 112..121.
  await put(a, 'a', 0, 100, 'v1');
  await put(a, 'a', 0, 10, 'v2');
  early.revision = await remove(a, 'a', 90, 100);
  early.path = (await saveSnapshot(clusterA, clusterA.members[0]!, join(dir, 'early.db'))).path;
  // Every key of `early` rewritten (122..211), then late/000..049 (212..261).
  await put(a, 'a', 0, 90, 'v3');
  late.revision = await put(a, 'late', 0, 50, 'v1');
  late.path = (await saveSnapshot(clusterA, clusterA.members[0]!, join(dir, 'late.db'))).path;
  // Writes after both saves: new keys, changed and deleted ones the snapshots hold.
  await put(a, 'after', 0, 50, 'v1');
  await put(a, 'late', 0, 10, 'v2');
  finalRevisionA = await remove(a, 'late', 40, 50);

  // B: a/000..009 (2..11, earlier than A wrote them), then b/000..139 (12..151): past `early`, short of `late`.
  const b = clusterB.client();
  await put(b, 'a', 0, 10, 'other');
  revisionB = await put(b, 'b', 0, 140, 'other');
  // Measured: about 2 s for both clusters and their ~700 sequential writes; 60 s covers a slow start on a loaded host.
}, 60_000);

afterAll(async () => {
  await clusterA?.[Symbol.asyncDispose]();
  await clusterB?.[Symbol.asyncDispose]();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('verify-backup --compare-endpoints', () => {
  it('passes snapshots against the cluster they came from (mTLS), after more writes', () => {
    expect([early.revision, late.revision]).toEqual([121, 261]);
    const { code, byFile } = compare([early.path, late.path], clusterA!, 'same-cluster');
    expect(code).toBe(0);
    for (const [snapshot, keys] of [
      [early, 90],
      [late, 140],
    ] as const) {
      const finding = byFile.get(snapshot.path)!;
      expect(finding.verdict, finding.reason).toBe('pass');
      expect(finding.reason).toBe(
        `the live cluster at revision ${snapshot.revision} holds exactly the snapshot's ${keys} keys`,
      );
      expect(finding.observed).toBe(`range at revision ${snapshot.revision}; 0 mismatch(es)`);
      expect(measurement(finding, 'keys compared')).toBe(keys);
      expect(measurement(finding, 'mismatches')).toBe(0);
    }
  });

  it('fails a snapshot against another cluster, naming the keys that differ and how many', () => {
    expect(revisionB).toBe(151);
    const { code, byFile } = compare([early.path, late.path], clusterB!, 'other-cluster');
    expect(code).toBe(1);
    // At revision 121, B holds a/000..009 (at 2..11) and b/000..109; the snapshot a/000..009 (at 102..111) and
    // a/010..089: 80 only in the snapshot, 110 only in the cluster, 10 at another revision.
    const differing = byFile.get(early.path)!;
    expect(differing.verdict, differing.reason).toBe('fail');
    expect(differing.reason).toMatch(
      /^the snapshot and the live cluster differ at revision 121 in 200 key\(s\): /,
    );
    expect(differing.reason).toContain('only in the snapshot: /compare/a/010, /compare/a/011');
    expect(differing.reason).toContain('only in the cluster: /compare/b/000, /compare/b/001');
    expect(differing.reason).toContain('another revision: /compare/a/000 (snapshot 102, cluster 2)');
    expect(measurement(differing, 'mismatches')).toBe(200);
    // B never reached `late`'s revision: this cluster's history cannot hold the snapshot.
    const ahead = byFile.get(late.path)!;
    expect(ahead.verdict, ahead.reason).toBe('fail');
    expect(ahead.reason).toMatch(
      /^the live cluster has not reached the snapshot's revision 261 \(Error: etcdserver: mvcc: required revision is a future revision\): the snapshot is not from its history/,
    );
  });

  it('compares only the keys unchanged since the snapshot once the cluster compacted past it', async () => {
    const compacted = await clusterA!.etcdctl(['compaction', '--physical', String(finalRevisionA)]);
    expect(compacted.exitCode, compacted.stderr).toBe(0);
    const { code, byFile } = compare([early.path, late.path], clusterA!, 'compacted');
    // Strict: a snapshot that could not be compared is not verified.
    expect(code).toBe(1);
    // late: a/000..089 (122..211) and late/010..039 (212..261) are unchanged since; after/*, late/000..009 are not.
    const partial = byFile.get(late.path)!;
    expect(partial.verdict, partial.reason).toBe('pass');
    expect(partial.reason).toMatch(
      /^the cluster compacted revision 261, so only the 120 live keys not modified since could be compared/,
    );
    expect(partial.observed).toMatch(
      /^revision 261 compacted \(Error: etcdserver: mvcc: required revision has been compacted\); compared the 120 live keys not modified since it \(60 modified later, not comparable\); 0 mismatch/,
    );
    // early: every key it holds was rewritten or deleted since, so nothing can be compared.
    const none = byFile.get(early.path)!;
    expect(none.verdict, none.reason).toBe('inconclusive');
    expect(none.reason).toBe(
      'the cluster compacted revision 121 and no live key is unchanged since it (180 modified later): nothing the snapshot holds can be compared',
    );
  });
});
