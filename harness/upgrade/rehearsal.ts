// The rolling binary swap of the upgrade guides ("stop one member, restart it with the same configuration on the new
// binary, check health, repeat"), recording each step, plus the waits and readings a rehearsal's checks need.
import type { EtcdBinaries } from '../binaries/types.js';
import type { BinarySwap } from '../cluster/binary-swap.js';
import type { EtcdFlags } from '../cluster/flags.js';
import type { ClusterMember, StartedCluster } from '../cluster/types.js';
import { describeError } from '../errors.js';
import { pollUntil } from '../util/wait.js';
import type { RehearsalStep } from './availability.js';
import type { VersionReading, VersionSampler } from './version-probe.js';

export type SwappableCluster = StartedCluster & BinarySwap;

export interface RollingSwapOptions {
  readonly cluster: SwappableCluster;
  /** The binaries each member moves to (the same release for all, unless a test breaks the rehearsal on purpose). */
  readonly binariesFor: (member: string) => EtcdBinaries;
  /** Flags for the new binary, when they differ (e.g. `next-cluster-version-compatible` for a 3.4 downgrade). */
  readonly flagsFor?: (member: string) => EtcdFlags | undefined;
  /** How long a swapped member may take to report healthy (default 30 s). */
  readonly memberTimeoutMs?: number;
  /** Called after the first member's step (where a rehearsal injects its mid-way fault). */
  readonly afterFirstStep?: () => Promise<void>;
  readonly onStep?: (message: string) => void;
  readonly signal?: AbortSignal;
}

/**
 * Swaps every member, followers first and the leader last (one election instead of up to three; the downgrade guide
 * asks for it, the upgrade guide allows any order), waiting for the whole cluster's health between steps. Stops at
 * the first member that does not come back: an operator would stop there too.
 */
export async function runRollingSwap(options: RollingSwapOptions): Promise<RehearsalStep[]> {
  const { cluster } = options;
  const steps: RehearsalStep[] = [];
  for (let index = 0; index < cluster.members.length; index++) {
    options.signal?.throwIfAborted();
    const member = await nextMember(cluster, options.binariesFor, steps);
    if (!member) break;
    const before = cluster.memberBinaries(member.name).version.toString();
    const binaries = options.binariesFor(member.name);
    const name = `${member.name} ${before} → ${binaries.version}`;
    options.onStep?.(`swapping ${name}`);
    const startedAt = Date.now();
    let error: string | undefined;
    try {
      const flags = options.flagsFor?.(member.name);
      await cluster.swapMemberBinaries(member.name, binaries, {
        timeoutMs: options.memberTimeoutMs ?? 30_000,
        ...(flags ? { flags } : {}),
      });
      await cluster.waitHealthy({ timeoutMs: options.memberTimeoutMs ?? 30_000, signal: options.signal });
    } catch (caught) {
      error = await describeStepFailure(member, caught);
    }
    steps.push({
      name,
      member: member.name,
      startedAt,
      endedAt: Date.now(),
      fromVersion: before,
      toVersion: binaries.version.toString(),
      ...(error ? { error } : {}),
    });
    if (error) break;
    if (index === 0) await options.afterFirstStep?.();
  }
  return steps;
}

/** The next member still on another release: followers first, the leader last. */
async function nextMember(
  cluster: SwappableCluster,
  binariesFor: (member: string) => EtcdBinaries,
  done: readonly RehearsalStep[],
): Promise<ClusterMember | undefined> {
  const pending = cluster.members.filter(
    (member) =>
      !done.some((step) => step.member === member.name) &&
      cluster.memberBinaries(member.name).etcd !== binariesFor(member.name).etcd,
  );
  if (pending.length <= 1) return pending[0];
  const leader = await cluster.leader({ timeoutMs: 5_000 });
  return pending.find((member) => member !== leader) ?? pending[0];
}

async function describeStepFailure(member: ClusterMember, caught: unknown): Promise<string> {
  const refusal = refusalLine(await member.tailLog(400));
  const state = member.state === 'exited' ? 'the member exited' : `the member is ${member.state}`;
  return `${state}${refusal ? `; etcd said: ${refusal}` : ''} (${describeError(caught).split('\n')[0]})`;
}

/**
 * etcd's own words for why it stopped: the message of the first `fatal`/`panic` log entry (with the fields that say
 * why), else a Go `panic:` or flag-parsing line, else the last line.
 */
export function refusalLine(log: string): string | undefined {
  const lines = log.split('\n').filter((line) => line.trim() !== '');
  for (const line of lines) {
    if (!/"level":"(fatal|panic)"/.test(line)) continue;
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      const fields = Object.entries(entry)
        .filter(([key]) => !['level', 'ts', 'caller', 'msg', 'stacktrace', 'logger'].includes(key))
        .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
      return `${entry.level}: ${entry.msg}${fields.length ? ` (${fields.join(', ')})` : ''}`;
    } catch {
      return line.slice(0, 400); // not JSON after all: quote the line itself
    }
  }
  const plain = lines.find((line) => /^panic: |flag provided but not defined|^Error: /.test(line));
  return (plain ?? lines[lines.length - 1])?.slice(0, 400);
}

/**
 * Samples until every member reports the cluster version on `line` or the time is up; returns when it first did
 * (undefined: it did not move in time). The cluster version moves asynchronously: the leader checks its members'
 * versions every few seconds.
 */
export async function waitForClusterVersion(
  sampler: VersionSampler,
  line: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<number | undefined> {
  return pollUntil(
    async () => {
      const sample = await sampler.sampleNow();
      return sample.every((reading) => reading.cluster?.startsWith(`${line}.`))
        ? Math.min(...sample.map((reading) => reading.at))
        : undefined;
    },
    { timeoutMs, intervalMs: 250, signal, what: `the cluster version ${line} on every member` },
  );
}

/** Rows of a versions-over-time table: one row per change of what a member reports (not per sample). */
export function versionChanges(readings: readonly VersionReading[], origin: number): (string | number)[][] {
  const last = new Map<string, string>();
  const rows: (string | number)[][] = [];
  for (const reading of [...readings].sort((a, b) => a.at - b.at)) {
    const text = reading.error ? 'down' : `${reading.server}|${reading.cluster}|${reading.storage ?? ''}`;
    if (last.get(reading.member) === text) continue;
    last.set(reading.member, text);
    rows.push([
      Math.round((reading.at - origin) / 100) / 10,
      reading.member,
      reading.error ? 'not answering' : (reading.server ?? ''),
      reading.error ? '' : (reading.cluster ?? ''),
      reading.error ? '' : (reading.storage ?? ''),
    ]);
  }
  return rows;
}
