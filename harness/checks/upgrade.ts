// Checks of upgrade.rolling, upgrade.no-skip, upgrade.snapshot-compat and downgrade.supported over what a rehearsal
// recorded (steps, ledger, keyspace digests, versions over time, hashKV, tool runs). Pure functions.
import { type CheckOutcome, measure, outcomeWith } from '../findings/finding.js';
import type { DowngradeRecord } from '../upgrade/downgrade.js';
import type { KeyspaceComparison } from '../upgrade/keyspace.js';
import type { Precondition, RehearsalPath } from '../upgrade/preconditions.js';
import type { HashesAtRevision, RollingRecord } from '../upgrade/rehearsal-run.js';
import type { DowngradeRehearsalRecord } from '../upgrade/rehearse-downgrade.js';
import type { UpgradeRehearsalRecord } from '../upgrade/rehearse-upgrade.js';
import type { SkipAttemptRecord } from '../upgrade/skip-attempt.js';
import type { SnapshotCompatRecord } from '../upgrade/snapshot-compat.js';
import type { VersionReading } from '../upgrade/version-probe.js';
import { reportedLine } from '../versions/version.js';
import type { LedgerCheck } from '../workload/ledger-check.js';

const ROLLING = 'upgrade.rolling' as const;

/** upgrade.rolling, the documented preconditions, judged before any member was touched. */
export function checkUpgradePreconditions(preconditions: readonly Precondition[]): CheckOutcome {
  const failed = preconditions.filter((entry) => entry.ok === false);
  const open = preconditions.filter((entry) => entry.ok === undefined);
  return {
    claim: ROLLING,
    check: 'documented preconditions before the upgrade',
    verdict: failed.length > 0 ? 'fail' : open.length > 0 ? 'inconclusive' : 'pass',
    reason:
      failed.length > 0
        ? `not ready to upgrade: ${failed.map((entry) => entry.detail).join('; ')}`
        : open.length > 0
          ? `not decided: ${open.map((entry) => entry.detail).join('; ')}`
          : 'every documented precondition holds',
    expected: preconditions.map((entry) => `${entry.id} (${entry.source})`).join('; '),
    observed: preconditions
      .map(
        (entry) =>
          `${entry.id}: ${entry.ok === undefined ? 'not run' : entry.ok ? 'ok' : 'NOT MET'} — ${entry.detail}`,
      )
      .join('; '),
  };
}

/** upgrade.rolling (or downgrade.supported's data part): quorum kept, nothing lost, every member agrees. */
export function checkRollingKeepsData(
  record: RollingRecord,
  claim: 'upgrade.rolling' | 'downgrade.supported' = ROLLING,
): CheckOutcome {
  const problems: string[] = [];
  for (const step of record.steps) if (step.error) problems.push(`step "${step.name}" failed: ${step.error}`);
  const { availability } = record;
  // Each step by the outage it was part of (measured whole), never by whether a write landed inside a short step.
  for (const step of availability.steps) {
    if (step.longestGapMs > record.maxOutageMs)
      problems.push(
        `step "${step.step}" (${step.durationMs} ms) was part of a ${step.longestGapMs} ms stretch without an acknowledged write (more than ${record.maxOutageMs} ms)`,
      );
  }
  if (availability.longestOutage.ms > record.maxOutageMs)
    problems.push(
      `writes stopped for ${availability.longestOutage.ms} ms (more than ${record.maxOutageMs} ms: quorum was lost or the cluster stalled)`,
    );
  problems.push(...dataProblems(record.ledgerCheck, record.keyspace, record.hashes, record.hashesError));
  const worst = [...availability.steps].sort((a, b) => a.successShare - b.successShare)[0];
  return {
    claim,
    check:
      claim === ROLLING
        ? `rolling upgrade ${record.path.from} → ${record.path.to} keeps quorum and every acknowledged write`
        : `downgrade ${record.path.from} → ${record.path.to} keeps quorum and every acknowledged write`,
    verdict: problems.length === 0 ? 'pass' : 'fail',
    reason:
      problems.length === 0
        ? `every step completed, writes never stopped for more than ${availability.longestOutage.ms} ms, nothing acknowledged was lost, every member holds the same data`
        : problems.join('; '),
    expected: `every member healthy on ${record.path.to} after its step; no stretch without an acknowledged write longer than ${record.maxOutageMs} ms, overlapping any step or anywhere in the rehearsal; every acknowledged write and every seeded key present with its value; hashKV equal on every member`,
    observed: `${record.steps.length} steps; longest stretch without an acknowledged write per step: ${availability.steps.map((step) => `"${step.step}" ${step.longestGapMs} ms`).join(', ')}; writes ${formatShare(availability.overall.successShare)} successful overall (worst step "${worst?.step ?? '-'}" ${formatShare(worst?.successShare ?? Number.NaN)}); longest outage ${availability.longestOutage.ms} ms; ledger: ${record.ledgerCheck.summary}; keyspace: ${describeKeyspace(record.keyspace)}; ${describeHashes(record.hashes)}`,
    measurements: [
      measure('write success overall', availability.overall.successShare * 100, 'percent'),
      measure('longest write outage', availability.longestOutage.ms, 'ms'),
      measure(
        'longest write gap overlapping a step',
        Math.max(0, ...availability.steps.map((step) => step.longestGapMs)),
        'ms',
      ),
      measure('acknowledged writes', record.ledgerCheck.acknowledgedExpected, 'count'),
      measure('missing acknowledged writes', record.ledgerCheck.missing.length, 'count'),
      measure('seeded keys', record.keyspace.seeded.keys, 'count'),
    ],
  };
}

/** When the readings first show the cluster version on `line` (e.g. `3.6`), or undefined. */
export function clusterVersionMovedAt(versions: readonly VersionReading[], line: string): number | undefined {
  return [...versions]
    .filter((reading) => reading.cluster !== undefined && reportedLine(reading.cluster) === line)
    .sort((a, b) => a.at - b.at)[0]?.at;
}

/**
 * upgrade.rolling: the cluster version (`etcdcluster`) moves to the new line only when every member runs it, and it
 * does move (within the bounded wait) after the last member. Before the last swap began, at least one member still
 * ran the old release, so a reading of the new line then is early.
 */
export function checkClusterVersionMoves(record: RollingRecord): CheckOutcome {
  const target = record.path.to.line;
  const swaps = record.steps.filter((step) => step.member !== undefined);
  const lastSwap = swaps[swaps.length - 1];
  const failedSwap = swaps.find((step) => step.error);
  const movedAt = clusterVersionMovedAt(record.versions, target);
  const base = {
    claim: ROLLING,
    check: 'the cluster version moves only when every member runs the new version',
    expected: `etcdcluster stays ${record.path.from.line} while any member runs ${record.path.from}, and becomes ${target} within ${record.clusterVersionTimeoutMs} ms after the last member runs ${record.path.to}`,
  };
  const timeline = describeClusterVersions(record.versions);
  const outcome = outcomeWith({ ...base, observed: timeline });
  if (!lastSwap) return outcome('inconclusive', 'no member was swapped');
  const early = movedAt !== undefined && (failedSwap !== undefined || movedAt < lastSwap.startedAt);
  if (early)
    return outcome(
      'fail',
      failedSwap
        ? `the cluster version became ${target} although ${failedSwap.member} never ran ${record.path.to} (${failedSwap.error})`
        : `the cluster version became ${target} ${lastSwap.startedAt - (movedAt ?? 0)} ms before the last member (${lastSwap.member}) was swapped`,
    );
  if (failedSwap)
    return outcome(
      'fail',
      `${failedSwap.member} did not run ${record.path.to} (${failedSwap.error}); the cluster version stayed ${record.path.from.line}, as it must, but the upgrade did not complete`,
    );
  if (movedAt === undefined)
    return outcome(
      'fail',
      `every member runs ${record.path.to}, but the cluster version did not become ${target} within ${record.clusterVersionTimeoutMs} ms`,
    );
  return {
    ...base,
    verdict: 'pass',
    reason: `the cluster version stayed ${record.path.from.line} through the mixed-version steps and became ${target} ${movedAt - lastSwap.endedAt} ms after the last member was healthy on ${record.path.to}`,
    observed: timeline,
    measurements: [measure('cluster version moved after the last member', movedAt - lastSwap.endedAt, 'ms')],
  };
}

/** upgrade.no-skip: etcd refuses a member two minors newer than its cluster; nothing is damaged. */
export function checkSkipRefused(record: SkipAttemptRecord): CheckOutcome {
  const { from, to } = record.path;
  const refused = record.exited && !record.becameHealthy;
  const problems: string[] = [];
  if (!refused)
    problems.push(
      record.becameHealthy
        ? `etcd ${to} joined the ${from.line} cluster and reported healthy: the skip was not refused`
        : `etcd ${to} neither exited nor became healthy within ${record.observedForMs} ms`,
    );
  if (!record.clusterHealthyAfter)
    problems.push(
      `the cluster was not healthy after the member went back to its old release${record.recoveryError ? ` (${record.recoveryError})` : ''}`,
    );
  const keyspace = describeKeyspace(record.keyspace);
  if (!sameKeyspace(record.keyspace)) problems.push(`seeded keyspace changed: ${keyspace}`);
  return {
    claim: 'upgrade.no-skip',
    check: `skipping ${from.line} → ${to.line} is refused`,
    verdict: problems.length === 0 ? 'pass' : 'fail',
    reason:
      problems.length === 0
        ? `documented behaviour holds: etcd ${to} refused the ${from} data of ${record.member} and exited ${record.exitAfterMs} ms after start (exit code ${record.exitCode ?? 'none'}): ${record.refusal ?? 'no log line'}; the harness flagged the path before starting${record.harnessRefused ? '' : ' (NOT: the harness did not flag it)'}`
        : problems.join('; '),
    expected: `etcd ${to} does not join a ${from.line} cluster (one minor at a time); the cluster keeps serving and its data is intact`,
    observed: `${record.member} on ${to}: ${record.exited ? `exited after ${record.exitAfterMs} ms (code ${record.exitCode ?? 'none'})` : record.becameHealthy ? 'healthy' : `still running, not healthy after ${record.observedForMs} ms`}; etcd said: ${record.refusal ?? '(nothing)'}; cluster afterwards ${record.clusterHealthyAfter ? 'healthy' : 'NOT healthy'}; keyspace: ${keyspace}`,
    measurements:
      record.exitAfterMs === undefined ? [] : [measure('refused after', record.exitAfterMs, 'ms')],
  };
}

export function checkSnapshotCompat(record: SnapshotCompatRecord): CheckOutcome {
  const problems: string[] = [];
  if (record.restoreExitCode !== 0)
    problems.push(`${record.tool} snapshot restore failed: ${record.restoreError}`);
  else if (!record.restoredHealthy)
    problems.push(
      `the restored member did not become healthy${record.startError ? ` (${record.startError})` : ''}${record.startRefusal ? `; etcd said: ${record.startRefusal}` : ''}`,
    );
  if (record.restoreExitCode === 0 && !sameKeyspace(record.keyspace))
    problems.push(`seeded keyspace differs after restore: ${describeKeyspace(record.keyspace)}`);
  const ledger = record.ledgerCheck;
  if (ledger && (ledger.missing.length > 0 || ledger.wrongValue.length > 0))
    problems.push(`ledger up to the snapshot revision: ${ledger.summary}`);
  return {
    claim: 'upgrade.snapshot-compat',
    check: `a ${record.snapshotFrom} snapshot restores with ${record.tool}`,
    verdict: problems.length === 0 ? 'pass' : 'fail',
    reason:
      problems.length === 0
        ? `${record.tool} restored the ${record.snapshotFrom} snapshot (revision ${record.snapshotRevision}); the member started on the new version with every seeded key and every write acknowledged before the snapshot`
        : problems.join('; '),
    expected: `${record.tool} snapshot restore exits 0; the restored member is healthy and holds the seeded keyspace and the ledger up to the snapshot revision`,
    observed: `restore exit ${record.restoreExitCode}${record.restoreError ? ` (${record.restoreError})` : ''}; restored member ${record.restoredHealthy ? 'healthy' : `not healthy${record.startLogTail ? ` (log tail: ${record.startLogTail.trim().split('\n').slice(-5).join(' | ')})` : ''}`}; keyspace: ${describeKeyspace(record.keyspace)}; ledger: ${ledger?.summary ?? 'not checked'}`,
    measurements: [measure('snapshot revision', record.snapshotRevision ?? Number.NaN, 'revision')],
  };
}

/** downgrade.supported: the documented procedure returns every member to the previous minor. */
export function checkDowngrade(record: DowngradeRecord): CheckOutcome {
  const data = checkRollingKeepsData(record, 'downgrade.supported');
  const target = record.path.to;
  const problems: string[] = [];
  for (const run of record.apiRuns)
    if (run.exitCode !== 0) problems.push(`\`${run.command}\` failed: ${run.output}`);
  const last = latestPerMember(record.versions);
  const notOnTarget = Object.entries(last).filter(([, reading]) => reading.server !== target.toString());
  if (notOnTarget.length > 0)
    problems.push(
      `members not on ${target}: ${notOnTarget.map(([member, reading]) => `${member} ${reading.server ?? reading.error ?? '?'}`).join(', ')}`,
    );
  const clusterLines = new Set(
    Object.values(last).map((reading) => reading.cluster && reportedLine(reading.cluster)),
  );
  if (clusterLines.size !== 1 || !clusterLines.has(target.line))
    problems.push(`final cluster version ${[...clusterLines].join(', ')}, expected ${target.line}`);
  if (data.verdict !== 'pass') problems.push(data.reason);
  return {
    claim: 'downgrade.supported',
    check: `downgrade ${record.path.from} → ${target}: ${record.procedure}`,
    verdict: problems.length === 0 ? 'pass' : 'fail',
    reason:
      problems.length === 0
        ? `every member runs ${target} and the cluster version is ${target.line}; ${data.reason}${record.storageMigratedAfterMs === undefined ? '' : `; storage version migrated ${record.storageMigratedAfterMs} ms after downgrade enable`}`
        : problems.join('; '),
    expected: `${record.procedure}; every member on ${target}, cluster version ${target.line}, data intact`,
    observed: `${record.apiRuns.map((run) => `\`${run.command}\`: ${run.output}`).join('; ')}${record.apiRuns.length ? '; ' : ''}final: ${Object.entries(
      last,
    )
      .map(([member, reading]) => `${member} ${reading.server ?? reading.error}/${reading.cluster ?? '?'}`)
      .join(', ')}; ${data.observed}`,
    measurements: [
      ...(data.measurements ?? []),
      ...(record.storageMigratedAfterMs === undefined
        ? []
        : [measure('storage version migrated after enable', record.storageMigratedAfterMs, 'ms')]),
    ],
  };
}

/** downgrade.supported when the documented procedure cannot be followed with these binaries (e.g. 3.4.23). */
export function checkDowngradeNotFollowable(input: {
  readonly path: RehearsalPath;
  readonly precondition: Precondition;
  /** What etcd did when the member was started on the old binary anyway (the measurement behind the verdict). */
  readonly attempt: { readonly exited: boolean; readonly refusal: string | undefined } | undefined;
}): CheckOutcome {
  const { path, precondition, attempt } = input;
  return {
    claim: 'downgrade.supported',
    check: `downgrade ${path.from} → ${path.to}`,
    verdict: 'inconclusive',
    reason: `the documented procedure cannot be followed with etcd ${path.to}: ${precondition.detail}`,
    expected: precondition.source,
    observed: attempt
      ? `starting a member on etcd ${path.to} without it: ${attempt.exited ? 'the member exited' : 'the member kept running'}; etcd said: ${attempt.refusal ?? '(nothing)'}`
      : 'not attempted',
  };
}

/** The outcomes an upgrade rehearsal's record stands for: the check that judges each record. */
export function upgradeRehearsalOutcomes(entry: UpgradeRehearsalRecord): CheckOutcome[] {
  switch (entry.kind) {
    case 'not-rehearsed':
      return (['upgrade.rolling', 'upgrade.snapshot-compat'] as const).map((claim) => ({
        claim,
        check: `${entry.path.from} → ${entry.path.to}`,
        verdict: 'inconclusive',
        reason: entry.reason,
        expected: 'a path of one minor version',
        observed: `${entry.path.from} → ${entry.path.to}`,
      }));
    case 'preconditions':
      return [checkUpgradePreconditions(entry.preconditions)];
    case 'not-started':
      return [
        {
          claim: ROLLING,
          check: `rolling upgrade ${entry.path.from} → ${entry.path.to}`,
          verdict: 'inconclusive',
          reason: 'not started: a documented precondition does not hold (see the preconditions finding)',
          expected: 'preconditions hold',
          observed: entry.failed.map((precondition) => precondition.detail).join('; '),
        },
      ];
    case 'rolling':
      return [checkRollingKeepsData(entry.record), checkClusterVersionMoves(entry.record)];
    case 'snapshot-compat':
      return [checkSnapshotCompat(entry.record)];
    case 'skip':
      return [checkSkipRefused(entry.record)];
    case 'skip-not-attempted':
      return [
        {
          claim: 'upgrade.no-skip',
          check: 'skipping a minor version is refused',
          verdict: 'inconclusive',
          reason: entry.reason,
          expected: 'a member two minors newer is refused',
          observed: 'not attempted',
        },
      ];
  }
}

/** The outcome a downgrade rehearsal's record stands for. */
export function downgradeRehearsalOutcome(entry: DowngradeRehearsalRecord): CheckOutcome {
  return entry.kind === 'downgrade' ? checkDowngrade(entry.record) : checkDowngradeNotFollowable(entry);
}

function dataProblems(
  ledger: LedgerCheck,
  keyspace: KeyspaceComparison,
  hashes: HashesAtRevision | undefined,
  hashesError?: string,
): string[] {
  const problems: string[] = [];
  if (ledger.missing.length > 0)
    problems.push(`${ledger.missing.length} acknowledged writes missing (first: ${ledger.missing[0]?.key})`);
  if (ledger.wrongValue.length > 0)
    problems.push(`${ledger.wrongValue.length} acknowledged writes changed value`);
  if (!ledger.ok && ledger.missing.length === 0 && ledger.wrongValue.length === 0)
    problems.push(`ledger check: ${ledger.summary}`);
  if (!sameKeyspace(keyspace)) problems.push(`seeded keyspace changed: ${describeKeyspace(keyspace)}`);
  if (!hashes) problems.push(`no hashKV was taken${hashesError ? ` (${hashesError})` : ''}`);
  else {
    const entries = Object.entries(hashes.byMember);
    const missing = entries.filter(([, hash]) => hash === undefined).map(([member]) => member);
    if (missing.length > 0 || entries.length === 0)
      problems.push(`no hashKV at revision ${hashes.revision} from ${missing.join(', ') || 'any member'}`);
    else if (new Set(entries.map(([, hash]) => hash)).size > 1)
      problems.push(`hashKV at revision ${hashes.revision} differs: ${describeHashes(hashes)}`);
  }
  return problems;
}

function sameKeyspace(keyspace: KeyspaceComparison): boolean {
  return (
    keyspace.observed !== undefined &&
    keyspace.observed.keys === keyspace.seeded.keys &&
    keyspace.observed.digest === keyspace.seeded.digest
  );
}

function describeKeyspace(keyspace: KeyspaceComparison): string {
  if (!keyspace.observed)
    return `${keyspace.seeded.keys} keys seeded, none could be read back${keyspace.readError ? ` (${keyspace.readError})` : ''}`;
  return sameKeyspace(keyspace)
    ? `${keyspace.observed.keys} of ${keyspace.seeded.keys} seeded keys, digest ${keyspace.observed.digest.slice(0, 12)} equal`
    : `${keyspace.observed.keys} keys (seeded ${keyspace.seeded.keys}), digest ${keyspace.observed.digest.slice(0, 12)} vs seeded ${keyspace.seeded.digest.slice(0, 12)}`;
}

function describeHashes(hashes: HashesAtRevision | undefined): string {
  if (!hashes) return 'hashKV: none';
  return `hashKV at revision ${hashes.revision}: ${Object.entries(hashes.byMember)
    .map(([member, hash]) => `${member} ${hash ?? 'none'}`)
    .join(', ')}`;
}

function formatShare(share: number): string {
  return Number.isFinite(share) ? `${(share * 100).toFixed(1)} %` : 'n/a';
}

function latestPerMember(versions: readonly VersionReading[]): Record<string, VersionReading> {
  const latest: Record<string, VersionReading> = {};
  for (const reading of [...versions].sort((a, b) => a.at - b.at)) latest[reading.member] = reading;
  return latest;
}

/** `3.5 until 12:00:01.250, 3.6 from 12:00:05.500` style summary of the cluster version readings. */
function describeClusterVersions(versions: readonly VersionReading[]): string {
  const changes: string[] = [];
  let current: string | undefined;
  for (const reading of [...versions].sort((a, b) => a.at - b.at)) {
    if (!reading.cluster || reading.cluster === current) continue;
    current = reading.cluster;
    changes.push(
      `${reading.cluster} from ${new Date(reading.at).toISOString().slice(11, 23)} (${reading.member})`,
    );
  }
  if (changes.length > 8) changes.splice(4, changes.length - 8, '…');
  return changes.length > 0 ? `etcdcluster: ${changes.join(' → ')}` : 'no cluster version reading';
}
