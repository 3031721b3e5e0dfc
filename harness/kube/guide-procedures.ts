// The guide's Kubernetes-side procedures as it writes them, run literally where the etcd version still can, with the
// working fallback recorded next to them: "Full Cluster Failure" (etcdctl snapshot restore) and "CRD Deletion"
// (etcdctl get ... -o json | jq -r '.value' | base64 -d).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EtcdBinaries } from '../binaries/types.js';
import { etcdctlTlsArgs } from '../cluster/etcdctl.js';
import type { DataDirInit } from '../cluster/start-request.js';
import type { StartedCluster } from '../cluster/types.js';
import { restoreSnapshot } from '../procedures/snapshot.js';
import type { ToolRun } from '../procedures/tool-run.js';
import { runCommand } from '../util/exec.js';

export interface GuideRestoreRun {
  /** `ETCDCTL_API=3 etcdctl snapshot restore ...` as the guide writes it. */
  readonly guide: ToolRun;
  /** Whether the guide's command wrote the member's backend database. */
  readonly producedDataDir: boolean;
  /** `etcdutl snapshot restore` (this version's tool), when the guide's command did not restore. */
  readonly fallback: ToolRun | undefined;
}

async function toolRun(
  file: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<ToolRun> {
  const result = await runCommand(file, args, { allowFailure: true, timeoutMs: 120_000, env });
  const prefix = Object.entries(env)
    .map(([name, value]) => `${name}=${value} `)
    .join('');
  return {
    command: `${prefix}${result.command}`,
    exitCode: result.exitCode,
    stdout: result.stdout,
    stderr: result.stderr,
    durationMs: result.durationMs,
  };
}

export function hasBackendDb(dataDir: string): boolean {
  return existsSync(join(dataDir, 'member', 'snap', 'db'));
}

/**
 * The guide's "Restore from snapshot" step for one member: `ETCDCTL_API=3 etcdctl snapshot restore FILE --name
 * --initial-cluster --initial-advertise-peer-urls --data-dir` (no cluster token: the guide passes none). When this
 * etcdctl cannot (3.6 removed `snapshot restore` from etcdctl), the version's own tool restores instead.
 */
export async function guideSnapshotRestore(
  snapshotPath: string,
  init: DataDirInit,
): Promise<GuideRestoreRun> {
  const guide = await toolRun(
    init.binaries.etcdctl,
    [
      'snapshot',
      'restore',
      snapshotPath,
      `--name=${init.member}`,
      `--initial-cluster=${init.initialCluster}`,
      `--initial-advertise-peer-urls=${init.initialAdvertisePeerUrl}`,
      `--data-dir=${init.dataDir}`,
    ],
    { ETCDCTL_API: '3' },
  );
  const producedDataDir = guide.exitCode === 0 && hasBackendDb(init.dataDir);
  if (producedDataDir) return { guide, producedDataDir, fallback: undefined };
  const fallback = await restoreSnapshot(init.binaries, snapshotPath, {
    name: init.member,
    dataDir: init.dataDir,
    initialCluster: init.initialCluster,
    initialAdvertisePeerUrl: init.initialAdvertisePeerUrl,
    clusterToken: init.clusterToken,
  });
  return { guide, producedDataDir, fallback };
}

/** The lines of a tool's output worth quoting: the first line and every `Error:`/`Deprecated` line. */
export function quotableOutput(run: ToolRun): string {
  const lines = `${run.stdout}\n${run.stderr}`
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const picked = lines.filter((line, index) => index === 0 || /^(Error|Deprecated)/i.test(line));
  return [...new Set(picked)].join(' / ').slice(0, 400);
}

/** etcd's current revision (a read of a key that does not exist returns the header). */
export async function etcdRevision(cluster: StartedCluster): Promise<number> {
  const response = await cluster.members
    .find((member) => member.state === 'running')!
    .client()
    .get('/etcd-chaos/revision-probe')
    .exec();
  return Number(response.header.revision);
}

/**
 * The guide's "Retrieve the CRD definition from the snapshot" command, run literally through `sh -c` (with jq and
 * base64 when present) against `cluster`, writing `outFile`: returns the pipeline's run (its stderr names what broke).
 */
export async function guideCrdRetrieval(
  cluster: StartedCluster,
  binaries: EtcdBinaries,
  crdName: string,
  outFile: string,
): Promise<ToolRun> {
  const member = cluster.members.find((candidate) => candidate.state === 'running')!;
  const etcdctl = [
    binaries.etcdctl,
    'get',
    `/registry/apiextensions.k8s.io/customresourcedefinitions/${crdName}`,
    `--endpoints=${member.urls.client}`,
    ...etcdctlTlsArgs(cluster.clientTls()),
    '-o',
    'json',
  ]
    .map(shellQuote)
    .join(' ');
  const script = `set -o pipefail; ETCDCTL_API=3 ${etcdctl} | jq -r '.value' | base64 -d > ${shellQuote(outFile)}`;
  return toolRun('/bin/bash', ['-c', script]);
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}
