// Snapshot procedures as an operator runs them: `etcdctl snapshot save`, and `snapshot status`/`restore` with the
// tool the version ships them in (etcdctl for 3.4, etcdutl from 3.5: 3.6 removed them from etcdctl).
import { stat } from 'node:fs/promises';
import type { EtcdBinaries } from '../binaries/types.js';
import { etcdctlTlsArgs } from '../cluster/etcdctl.js';
import type { DataDirInitializer } from '../cluster/start-request.js';
import type { ClusterMember, StartedCluster } from '../cluster/types.js';
import { HarnessError } from '../errors.js';
import { capabilitiesOf } from '../versions/capabilities.js';
import { procedureError, runTool, type ToolRun } from './tool-run.js';

export interface SnapshotStatus {
  readonly hash: number;
  readonly revision: number;
  readonly totalKey: number;
  readonly totalSize: number;
  readonly version: string | undefined;
}

export interface SavedSnapshot {
  readonly path: string;
  readonly sizeBytes: number;
  readonly run: ToolRun;
  /** Epoch ms when the save started and finished. */
  readonly startedAt: number;
  readonly finishedAt: number;
}

/** `etcdctl snapshot save` against one member, as the guide's backup script does (default timeout 2 min). */
export async function saveSnapshot(
  cluster: StartedCluster,
  member: ClusterMember,
  path: string,
  options: { readonly timeoutMs?: number } = {},
): Promise<SavedSnapshot> {
  const startedAt = Date.now();
  const run = await runTool(
    cluster.binaries.etcdctl,
    [`--endpoints=${member.urls.client}`, ...etcdctlTlsArgs(cluster.clientTls()), 'snapshot', 'save', path],
    options.timeoutMs,
  );
  const finishedAt = Date.now();
  if (run.exitCode !== 0) throw procedureError('snapshot save', run);
  return { path, sizeBytes: (await stat(path)).size, run, startedAt, finishedAt };
}

/** The tool (etcdctl or etcdutl) this version uses for offline snapshot commands. */
export function snapshotToolOf(binaries: EtcdBinaries): string {
  const tool = capabilitiesOf(binaries.version).snapshotTool;
  const path = tool === 'etcdutl' ? binaries.etcdutl : binaries.etcdctl;
  if (!path) throw new HarnessError(`etcd ${binaries.version} has no ${tool}`);
  return path;
}

/** `snapshot status -w json`; `status` is undefined when the tool refused the file. */
export async function snapshotStatus(
  binaries: EtcdBinaries,
  path: string,
): Promise<{ run: ToolRun; status: SnapshotStatus | undefined }> {
  const run = await runTool(snapshotToolOf(binaries), ['snapshot', 'status', path, '-w', 'json']);
  if (run.exitCode !== 0) return { run, status: undefined };
  const json = /\{[^\n]*"revision"[^\n]*\}/.exec(run.stdout)?.[0];
  if (!json) return { run, status: undefined };
  const parsed = JSON.parse(json) as Record<string, unknown>;
  return {
    run,
    status: {
      hash: Number(parsed.hash),
      revision: Number(parsed.revision),
      totalKey: Number(parsed.totalKey),
      totalSize: Number(parsed.totalSize),
      version: typeof parsed.version === 'string' ? parsed.version : undefined,
    },
  };
}

export interface RestoreOptions {
  readonly name: string;
  readonly dataDir: string;
  readonly initialCluster: string;
  readonly initialAdvertisePeerUrl: string;
  readonly clusterToken: string;
  /** `--bump-revision N --mark-compacted` (etcdutl 3.5.10+). */
  readonly bumpRevision?: number;
  readonly markCompacted?: boolean;
  /** `--skip-hash-check`: a db file copied out of a data dir carries no appended SHA-256. */
  readonly skipHashCheck?: boolean;
  /** Default 2 min; a multi-GiB snapshot takes longer. */
  readonly timeoutMs?: number;
}

/** `snapshot restore` with the guide's flags; never throws on a refusal (callers judge it). */
export async function restoreSnapshot(
  binaries: EtcdBinaries,
  path: string,
  options: RestoreOptions,
): Promise<ToolRun> {
  return runTool(snapshotToolOf(binaries), restoreArgs(path, options), options.timeoutMs);
}

/** The arguments of `snapshot restore` (etcdutl's or 3.4 etcdctl's): the one place they are written. */
export function restoreArgs(path: string, options: RestoreOptions): string[] {
  const args = [
    'snapshot',
    'restore',
    path,
    `--name=${options.name}`,
    `--initial-cluster=${options.initialCluster}`,
    `--initial-advertise-peer-urls=${options.initialAdvertisePeerUrl}`,
    `--initial-cluster-token=${options.clusterToken}`,
    `--data-dir=${options.dataDir}`,
  ];
  if (options.bumpRevision !== undefined) args.push(`--bump-revision=${options.bumpRevision}`);
  if (options.markCompacted) args.push('--mark-compacted');
  if (options.skipHashCheck) args.push('--skip-hash-check');
  return args;
}

export interface RestoreInitializerOptions {
  /** Records each member's restore (label, run) as evidence, e.g. the scenario's `recordTool`. */
  readonly recordTool?: (label: string, run: ToolRun) => void;
  /** The evidence label of a member's restore (default: `snapshot restore for <member>`). */
  readonly label?: (member: string) => string;
  /** Restore flags beyond the topology: `--bump-revision`, `--mark-compacted`. */
  readonly extraArgs?: Pick<RestoreOptions, 'bumpRevision' | 'markCompacted' | 'skipHashCheck' | 'timeoutMs'>;
  /** Whose tool restores (default: the binaries of the cluster being started). */
  readonly binaries?: EtcdBinaries;
}

/**
 * A data dir initializer that restores `snapshotPath` into each member's fresh data dir with the member's topology
 * flags (the guide's restore into a new cluster). A refused restore fails the start with a ProcedureError carrying
 * the command, its exit code and output.
 */
export function restoreInitializer(
  snapshotPath: string,
  options: RestoreInitializerOptions = {},
): DataDirInitializer {
  return async (init) => {
    const run = await restoreSnapshot(options.binaries ?? init.binaries, snapshotPath, {
      name: init.member,
      dataDir: init.dataDir,
      initialCluster: init.initialCluster,
      initialAdvertisePeerUrl: init.initialAdvertisePeerUrl,
      clusterToken: init.clusterToken,
      ...options.extraArgs,
    });
    const label = options.label?.(init.member) ?? `snapshot restore for ${init.member}`;
    options.recordTool?.(label, run);
    if (run.exitCode !== 0) throw procedureError(label, run);
  };
}
