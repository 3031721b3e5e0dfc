// The upgrade rehearsal's procedure, following etcd's upgrade guides: a cluster on the old release with the run's
// flags, a Kubernetes-like keyspace and the ledger workload; snapshot from the leader; the documented preconditions
// (one minor at a time, minimum patch release, removed flags, `etcdutl check v2store` before 3.6); members swapped one
// at a time, health between steps, an optional fault; the guides' rollback when a member does not come back; then the
// closing readings, the old snapshot restored with the new tool, and a skip (two minors) attempted on a separate
// cluster. Each record goes to `onRecord` as soon as it exists; the checks judge them.
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { digestSnapshot } from '../backups/snapshot-file.js';
import { resolveEtcd } from '../binaries/resolve-etcd.js';
import { describeError } from '../errors.js';
import { runTool } from '../procedures/tool-run.js';
import type { Ledger } from '../workload/ledger.js';
import { observeKeyspace } from './keyspace.js';
import {
  type Precondition,
  preconditionsOf,
  type RehearsalPath,
  rehearsalPath,
  v2storeCheckOutcome,
} from './preconditions.js';
import { runRollingSwap, waitForClusterVersion } from './rehearsal.js';
import type { RehearsalHost } from './rehearsal-host.js';
import {
  closeRehearsal,
  neighbourLine,
  type RehearsalCluster,
  type RehearsalLoad,
  type RollingRecord,
  snapshotFromLeader,
  startRehearsalCluster,
} from './rehearsal-run.js';
import { attemptSkip, type SkipAttemptRecord } from './skip-attempt.js';
import { restoreWithNewTool, type SnapshotCompatRecord } from './snapshot-compat.js';

export interface UpgradeRehearsalOptions extends RehearsalLoad {
  readonly path: RehearsalPath;
  /** Ledger writes before the snapshot. */
  readonly loadBeforeMs: number;
  /** During the swaps: peer latency with jitter on every member, or SIGKILL of a not yet upgraded follower. */
  readonly fault: 'none' | 'jitter' | 'kill';
  readonly maxOutageMs: number;
  readonly clusterVersionTimeoutMs: number;
  /** Also start a member two minors newer on a separate cluster (upgrade.no-skip). */
  readonly skipCheck: boolean;
}

/** What an upgrade rehearsal records, in the order it records it. */
export type UpgradeRehearsalRecord =
  /** The path crosses more than one minor: not rehearsed as an upgrade (the skip is attempted instead). */
  | { readonly kind: 'not-rehearsed'; readonly path: RehearsalPath; readonly reason: string }
  | { readonly kind: 'preconditions'; readonly preconditions: readonly Precondition[] }
  /** A documented precondition does not hold: no member was touched. */
  | { readonly kind: 'not-started'; readonly path: RehearsalPath; readonly failed: readonly Precondition[] }
  | { readonly kind: 'rolling'; readonly record: RollingRecord }
  | { readonly kind: 'snapshot-compat'; readonly record: SnapshotCompatRecord }
  | { readonly kind: 'skip'; readonly record: SkipAttemptRecord }
  | { readonly kind: 'skip-not-attempted'; readonly reason: string };

export async function rehearseUpgrade(
  host: RehearsalHost,
  options: UpgradeRehearsalOptions,
  onRecord: (record: UpgradeRehearsalRecord) => void,
): Promise<void> {
  const { path } = options;
  const preconditions = preconditionsOf(path, host.target.upgradeFlags ?? host.target.flags);
  if (path.minorSteps > 1) {
    onRecord({ kind: 'skip', record: await rehearseSkip(host, path, true, options) });
    const oneMinor = preconditions.find((entry) => entry.id === 'one-minor');
    onRecord({ kind: 'not-rehearsed', path, reason: `not rehearsed: ${oneMinor?.detail}` });
    return;
  }
  await rehearseRollingUpgrade(host, options, preconditions, onRecord);
  if (!options.skipCheck) {
    onRecord({ kind: 'skip-not-attempted', reason: 'the skip attempt was turned off (skipCheck=false)' });
    return;
  }
  const skip = skipPathFor(path);
  if (!skip) {
    onRecord({
      kind: 'skip-not-attempted',
      reason: `no supported pair two minors apart around ${path.from.line} → ${path.to.line}`,
    });
    return;
  }
  const refused = preconditionsOf(skip, host.target.flags)[0]?.ok === false;
  onRecord({ kind: 'skip', record: await rehearseSkip(host, skip, refused, options) });
}

async function rehearseRollingUpgrade(
  host: RehearsalHost,
  options: UpgradeRehearsalOptions,
  preconditions: Precondition[],
  onRecord: (record: UpgradeRehearsalRecord) => void,
): Promise<void> {
  const { path } = options;
  const newBinaries = await resolveEtcd(path.to, { signal: host.signal });
  const run = await startRehearsalCluster(host, path.from, options);
  await host.sleep(options.loadBeforeMs);
  host.step('snapshot from the leader (the guide: mandatory before upgrading)');
  const snapshotPath = await snapshotFromLeader(host, run);
  const checked = await runV2storeCheck(host, run, preconditions);
  onRecord({ kind: 'preconditions', preconditions: checked });
  let ledger: Ledger;
  const failed = checked.filter((entry) => entry.ok === false);
  if (failed.length > 0) {
    onRecord({ kind: 'not-started', path, failed });
    await run.sampler.stop();
    ledger = await run.writer.stop();
  } else {
    const closed = await swapEveryMember(host, run, options, newBinaries);
    onRecord({ kind: 'rolling', record: closed.record });
    ledger = closed.ledger;
  }
  await host.releaseCluster(run.cluster);
  const compat = await restoreWithNewTool(host, {
    snapshotPath,
    snapshotFrom: path.from.toString(),
    binaries: newBinaries,
    seeded: run.seeded,
    ledger,
  });
  onRecord({ kind: 'snapshot-compat', record: compat });
  await recordSeedChecksum(host);
}

/** `--seed-snapshot`: the file's SHA-256 after the rehearsal next to the one taken before (it must not change). */
async function recordSeedChecksum(host: RehearsalHost): Promise<void> {
  const seed = host.target.seedSnapshot;
  if (!seed) return;
  const after = (await digestSnapshot(seed.path)).sha256;
  host.step(
    `--seed-snapshot ${seed.path}: SHA-256 ${after === seed.sha256 ? 'unchanged' : 'CHANGED'} after the rehearsal`,
  );
  await host.evidence.json('seed-snapshot-checksum.json', {
    path: seed.path,
    sha256Before: seed.sha256,
    sha256After: after,
    unchanged: after === seed.sha256,
  });
}

/** Members one at a time (with the optional fault), the rollback of a member that did not come back, the wait. */
async function swapEveryMember(
  host: RehearsalHost,
  run: RehearsalCluster,
  options: UpgradeRehearsalOptions,
  newBinaries: Awaited<ReturnType<typeof resolveEtcd>>,
): Promise<{ record: RollingRecord; ledger: Ledger }> {
  const { path } = options;
  const { cluster } = run;
  const faults = host.faults(cluster, { waitHealthyAfterHeal: false });
  if (options.fault === 'jitter')
    await faults.inject('network-latency', { latencyMs: 30, jitterMs: 20, proxy: 'peer' }, { target: 'all' });
  const upgradeFlags = host.target.upgradeFlags;
  const steps = await runRollingSwap({
    cluster,
    binariesFor: () => newBinaries,
    // The new release's names for renamed flags (a manifest rehearsed across a rename), when they differ.
    ...(upgradeFlags ? { flagsFor: () => upgradeFlags } : {}),
    onStep: (message) => host.step(message),
    signal: host.signal,
    afterFirstStep:
      options.fault === 'kill'
        ? async () => {
            const victim = cluster.members.find(
              (member) =>
                cluster.memberBinaries(member.name).version.equals(path.from) && member.state === 'running',
            );
            if (!victim) return;
            host.step(`fault: SIGKILL ${victim.name} (still on ${path.from}) mid-way`);
            const kill = await faults.inject('kill', {}, { target: victim.name });
            await host.sleep(1_000);
            await kill.heal();
            await cluster.waitHealthy({ timeoutMs: 30_000 });
          }
        : undefined,
  });
  await faults.healAll();
  const failed = steps.find((step) => step.error && step.member);
  if (failed?.member) {
    // The guides' rollback in a mixed cluster: the member goes back to the old binary.
    host.step(`rolling ${failed.member} back to ${path.from}`);
    const startedAt = Date.now();
    // A failed rollback is a step that failed: its error is part of the record.
    const error = await cluster
      .swapMemberBinaries(failed.member, run.oldBinaries, { timeoutMs: 30_000 })
      .then(
        () => undefined,
        (caught: unknown) => describeError(caught),
      );
    steps.push({
      name: `rollback ${failed.member} → ${path.from}`,
      member: failed.member,
      startedAt,
      endedAt: Date.now(),
      fromVersion: path.to.toString(),
      toVersion: path.from.toString(),
      ...(error ? { error } : {}),
    });
  } else {
    host.step(`waiting for the cluster version to become ${path.to.line}`);
    // Whether and when it moved is in the version readings the checks judge.
    await waitForClusterVersion(run.sampler, path.to.line, options.clusterVersionTimeoutMs, host.signal);
  }
  return closeRehearsal(host, run, {
    path,
    steps,
    maxOutageMs: options.maxOutageMs,
    clusterVersionTimeoutMs: options.clusterVersionTimeoutMs,
  });
}

/** `etcdutl check v2store` (the old release's tool) on a copy of a member's data dir: etcdutl wants one not in use. */
async function runV2storeCheck(
  host: RehearsalHost,
  run: RehearsalCluster,
  preconditions: Precondition[],
): Promise<Precondition[]> {
  const index = preconditions.findIndex((entry) => entry.id === 'check-v2store' && entry.ok === undefined);
  const etcdutl = run.oldBinaries.etcdutl;
  if (index === -1 || !etcdutl) return preconditions;
  const copy = join(host.session.workDir, `${host.scenario}-${Date.now()}-v2store-check`);
  await cp(run.cluster.members[0]!.dataDir, copy, { recursive: true });
  const tool = await runTool(etcdutl, ['check', 'v2store', `--data-dir=${copy}`]);
  host.recordTool('etcdutl check v2store (copy of a member data dir)', tool);
  const entry = preconditions[index]!;
  const ok = v2storeCheckOutcome(tool);
  const said = (tool.stdout.trim() || tool.stderr.trim()).split('\n').pop() ?? '';
  const result = [...preconditions];
  result[index] = { ...entry, ok, detail: `${entry.detail}: ${ok ? 'clean' : 'NOT clean'} ("${said}")` };
  return result;
}

/** The skip that belongs to this rehearsal: two minors ending at `to` (3.4 → 3.6), else starting at `from`. */
function skipPathFor(path: RehearsalPath): RehearsalPath | undefined {
  const before = neighbourLine(path.to, -2);
  if (before) return rehearsalPath(before, path.to);
  const after = neighbourLine(path.from, 2);
  return after ? rehearsalPath(path.from, after) : undefined;
}

/** A separate small cluster on `path.from` with one member started on `path.to`: does etcd refuse it? */
async function rehearseSkip(
  host: RehearsalHost,
  path: RehearsalPath,
  harnessRefused: boolean,
  load: RehearsalLoad,
): Promise<SkipAttemptRecord> {
  const binaries = await resolveEtcd(path.to, { signal: host.signal });
  const run = await startRehearsalCluster(host, path.from, {
    ...load,
    seedKeys: Math.min(load.seedKeys, 100),
    writers: 1,
    sideCluster: true,
  });
  host.step(`skip attempt: starting a member of the ${path.from} cluster on ${path.to}`);
  const observation = await attemptSkip({ cluster: run.cluster, path, binaries, harnessRefused });
  await run.writer.stop();
  await run.sampler.stop();
  const keyspace = await observeKeyspace(run.cluster.client(), run.seeded);
  await host.releaseCluster(run.cluster);
  return { ...observation, path, harnessRefused, keyspace };
}
