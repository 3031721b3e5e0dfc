// The scenario model: a scenario declares its id, title, the claims it checks, typed parameters with quick/full
// intensities, and a `run(ctx)` that uses only the context (the public harness API). One file per scenario.
import type { ClaimDeclaration, ClaimId } from '../claims/catalogue.js';
import type { EtcdFlags } from '../cluster/flags.js';
import type { NetworkModeRequest } from '../cluster/network/plane.js';
import type { ClusterSpec } from '../cluster/spec.js';
import type { ImageOverrides } from '../cluster/start-request.js';
import type { TlsKeyType } from '../cluster/tls.js';
import type { Backend, StartedCluster } from '../cluster/types.js';
import type { FaultRunner, FaultRunnerOptions } from '../faults/runner.js';
import type { CheckOutcome, Finding } from '../findings/finding.js';
import type { LeaderTimeline, LeaderTimelineOptions } from '../observe/leader-timeline.js';
import type { ParamSpecs, ParsedParams } from '../params.js';
import type { ToolRun } from '../procedures/tool-run.js';
import type { Intensity, ManifestSection, ResultTable, SeedSnapshot, Series } from '../result/format.js';
import type { ScaleProfile } from '../scale/profiles.js';
import type { Session } from '../session.js';
import type { EtcdCapabilities } from '../versions/capabilities.js';
import type { EtcdVersion } from '../versions/version.js';
import type { LedgerWriter, LedgerWriterOptions } from '../workload/ledger-writer.js';
import type { EvidenceRecorder } from './evidence.js';

export type {
  Intensity,
  LeaderEvent,
  ResultTable,
  SeedSnapshot,
  Series,
  SeriesPoint,
} from '../result/format.js';

/** What the run targets: the user's version, flags and TLS choice, shared by every scenario. */
export interface RunTarget {
  readonly version: EtcdVersion;
  readonly capabilities: EtcdCapabilities;
  /** Flags the user gave (presets resolved); scenarios add their own on top. */
  readonly flags: EtcdFlags;
  readonly tls: boolean;
  /** Key type of the generated certificates when the user's setup needs one (its cipher suites allow only RSA). */
  readonly tlsKeyType?: TlsKeyType;
  readonly network: NetworkModeRequest;
  /** Where clusters run: local processes or containers. */
  readonly backend: Backend;
  /** Image references for the docker backend (empty: official if present, else built locally). */
  readonly images: ImageOverrides;
  /** The user's setup (`--manifest`, `--kubernetes-version`): how each of its flags was used, for every report. */
  readonly manifest?: ManifestSection;
  /** A rehearsal: the flags members get on the release they move to, when its renames change them. */
  readonly upgradeFlags?: EtcdFlags;
  /** `--seed-snapshot`: the user's snapshot, checked before anything started; clusters start from it. */
  readonly seedSnapshot?: SeedSnapshot;
  /**
   * How much Kubernetes-shaped data production-size scenarios seed before measuring (`--scale`; default `small`).
   * Scenarios that do not seed data ignore it.
   */
  readonly scale?: ScaleProfile;
}

export interface ScenarioContext<P> {
  readonly scenario: string;
  readonly params: P;
  readonly intensity: Intensity;
  readonly target: RunTarget;
  readonly signal: AbortSignal;
  readonly session: Session;
  /**
   * Scratch space of this scenario run alone (snapshots, restored data dirs), under the session's temp dir and
   * removed with it. Fixed names are safe here: every repetition and every scenario has its own.
   */
  readonly workDir: string;
  readonly evidence: EvidenceRecorder;
  /** Progress for people (`backup-restore: taking a snapshot under load`). */
  step(message: string): void;
  /** A cluster spec with the run's target applied: version, the user's flags, TLS, network. */
  clusterSpec(): ClusterSpec;
  /** Starts a cluster for this scenario; its logs become evidence and it is torn down when the scenario ends. */
  startCluster(spec?: ClusterSpec): Promise<StartedCluster>;
  /** A fault runner for `cluster`; its windows go into the result. */
  faults(cluster: StartedCluster, options?: Omit<FaultRunnerOptions, 'signal'>): FaultRunner;
  /**
   * Ends a cluster's part now (heals its faults, stops its timelines and ledgers, saves its logs as evidence, tears
   * it down), e.g. before starting the next configuration of a comparison; otherwise this happens at the end.
   */
  releaseCluster(cluster: StartedCluster): Promise<void>;
  /** A leader timeline for `cluster`; stopped at the end, its leader changes become chart events. */
  leaderTimeline(cluster: StartedCluster, options?: LeaderTimelineOptions): LeaderTimeline;
  /** A ledger writer on `cluster`; when stopped, the ledger is saved as evidence and its latencies become a series. */
  ledger(cluster: StartedCluster, options?: LedgerWriterOptions): LedgerWriter;
  /** Records a time series for the report's charts. */
  series(series: Series): void;
  /** Records a table for the report (also kept in result.json). */
  table(table: ResultTable): void;
  /** Records an operator command (etcdctl, etcdutl) and its output as evidence; returns the evidence path. */
  recordTool(label: string, run: ToolRun): string;
  /** Turns a check's outcome into a finding of this scenario, with the evidence recorded so far and `evidence`. */
  report(outcome: CheckOutcome, evidence?: readonly string[]): Finding;
  /** Sleeps, unless the run is cancelled. */
  sleep(ms: number): Promise<void>;
}

export interface ScenarioDefinition<S extends ParamSpecs = ParamSpecs> {
  /** Kebab-case, unique: `backup-restore`. */
  readonly id: string;
  readonly title: string;
  /**
   * Every claim this scenario reports under: built-in ids (see `etcd-chaos list`) and the ids it declares in
   * `ownClaims`. Reporting under a claim not listed here is a scenario bug (the finding is refused).
   */
  readonly claims: readonly (ClaimId | (string & {}))[];
  /** Claims of the scenario's own (user scenarios): id, title, source; they appear in every report like built-ins. */
  readonly ownClaims?: readonly ClaimDeclaration[];
  readonly params: S;
  /** Parameter values for each intensity, over the defaults. */
  readonly intensities?: {
    readonly quick?: Partial<ParsedParams<S>>;
    readonly full?: Partial<ParsedParams<S>>;
  };
  /**
   * The suites that run this scenario when no scenario is named (default: quick and full). Named on the command line
   * (by id or by a claim it checks), it runs whatever the suite.
   */
  readonly suites?: readonly Intensity[];
  /** Why this scenario cannot run against this target (its claims are then reported inconclusive with the reason). */
  readonly notApplicable?: (target: RunTarget) => string | undefined;
  /** Upper bound on the scenario's wall time (default 5 min quick, 20 min full). */
  readonly timeoutMs?: { readonly quick?: number; readonly full?: number };
  run(context: ScenarioContext<ParsedParams<S>>): Promise<void>;
}

/** Declares a scenario with its parameter types inferred from its specs. */
export function defineScenario<S extends ParamSpecs>(
  definition: ScenarioDefinition<S>,
): ScenarioDefinition<S> {
  return definition;
}
