// What a rehearsal needs from whoever runs it: clusters that are torn down at the end with their logs kept as
// evidence, a ledger and faults on them, evidence files, report tables and charts, progress and cancellation. A
// scenario's context provides all of it; the rehearsal code depends on this interface only.

import type { EtcdFlags } from '../cluster/flags.js';
import type { NetworkModeRequest } from '../cluster/network/plane.js';
import type { ClusterSpec } from '../cluster/spec.js';
import type { TlsKeyType } from '../cluster/tls.js';
import type { StartedCluster } from '../cluster/types.js';
import type { FaultRunner, FaultRunnerOptions } from '../faults/runner.js';
import type { ToolRun } from '../procedures/tool-run.js';
import type { ResultTable, Series } from '../scenario/types.js';
import type { LedgerWriter, LedgerWriterOptions } from '../workload/ledger-writer.js';

export interface RehearsalHost {
  /** Names evidence files (`<scenario>-rehearsal.json`). */
  readonly scenario: string;
  readonly signal: AbortSignal;
  /** The run's temp dir, for snapshots and copies of data dirs. */
  readonly session: { readonly workDir: string };
  /** What every cluster of the rehearsal gets: the user's network, TLS and flags. */
  readonly target: {
    readonly network: NetworkModeRequest;
    readonly tls: boolean;
    readonly tlsKeyType?: TlsKeyType;
    readonly flags: EtcdFlags;
    /** The flags members get on the new release, when its renames change them (a manifest's `--experimental-*`). */
    readonly upgradeFlags?: EtcdFlags;
    /** `--seed-snapshot`: the cluster starts from the user's snapshot instead of a generated keyspace. */
    readonly seedSnapshot?: { readonly path: string; readonly sha256: string; readonly integrity: string };
  };
  readonly evidence: { json(name: string, value: unknown): Promise<string> };
  /** Progress for people. */
  step(message: string): void;
  /** Starts a cluster that is torn down (its logs kept) when the rehearsal's run ends. */
  startCluster(spec: ClusterSpec): Promise<StartedCluster>;
  /** Ends a cluster's part now: heals its faults, stops its ledgers, keeps its logs, tears it down. */
  releaseCluster(cluster: StartedCluster): Promise<void>;
  ledger(cluster: StartedCluster, options?: LedgerWriterOptions): LedgerWriter;
  faults(cluster: StartedCluster, options?: Omit<FaultRunnerOptions, 'signal'>): FaultRunner;
  /** Keeps an operator command and its output as evidence. */
  recordTool(label: string, run: ToolRun): string;
  table(table: ResultTable): void;
  series(series: Series): void;
  /** Sleeps, unless the run is cancelled. */
  sleep(ms: number): Promise<void>;
}
