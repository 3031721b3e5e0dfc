// Checks of a backup script run by `etcd-chaos drill`: does its exit status tell the truth about what it wrote (under
// each fault), and does its retention step delete exactly what the retention says, never the newest good backup.
// Pure functions over recorded runs.
import { formatDuration } from '../backups/durations.js';
import { type CheckOutcome, measure, outcomeWith } from '../findings/finding.js';

export interface ProducedFile {
  readonly name: string;
  readonly verdict: 'pass' | 'fail' | 'inconclusive';
  readonly reason: string;
}

export interface ScriptRunRecord {
  readonly run: number;
  readonly fault: string;
  /** Whether the fault can leave no good backup (leader killed mid-save, full disk, a corrupted save). */
  readonly preventsBackup: boolean;
  /** What the fault did, e.g. `killed m2 1.2 s into the save`, or why it did not land. */
  readonly faultNote: string;
  readonly exitCode: number;
  readonly timedOut: boolean;
  readonly durationMs: number;
  /** The last lines the script printed. */
  readonly outputTail: string;
  /** Snapshot files the run added to the backup directories, with their verification verdicts. */
  readonly produced: readonly ProducedFile[];
  /** Why the script's own verification let a bad file through, when known (e.g. etcdctl printed its help). */
  readonly verificationNote?: string;
}

export function checkScriptHonest(record: ScriptRunRecord): CheckOutcome {
  const base = {
    claim: 'backup.script-honest' as const,
    check: `run ${record.run}${record.fault === 'none' ? '' : ` under ${record.fault}`}`,
  };
  const expected =
    'exit 0 only with a complete, restorable new backup; a non-zero exit when the backup could not be made, leaving no broken file where backups are looked for';
  const bad = record.produced.filter((file) => file.verdict !== 'pass');
  const good = record.produced.filter((file) => file.verdict === 'pass');
  const observed = `${record.faultNote}; exit ${record.timedOut ? 'none (timed out)' : record.exitCode} after ${formatDuration(record.durationMs)}; new files: ${record.produced.length === 0 ? 'none' : record.produced.map((file) => `${file.name} (${file.verdict})`).join(', ')}${record.outputTail ? `; output: "${record.outputTail}"` : ''}`;
  const measurements = [
    measure('exit code', record.exitCode, 'count'),
    measure('script duration', record.durationMs, 'ms'),
    measure('new backup files', record.produced.length, 'count'),
  ];
  const outcome = outcomeWith({ ...base, expected, observed, measurements });
  const describeBad = bad.map((file) => `${file.name} (${file.reason})`).join('; ');
  if (record.timedOut) return outcome('fail', `the script did not finish within its timeout`);
  if (record.exitCode === 0) {
    if (bad.length > 0)
      return outcome(
        'fail',
        `the script exited 0 after writing a backup that fails verification: ${describeBad}${record.verificationNote ? `. ${record.verificationNote}` : ''}`,
      );
    if (good.length === 0) return outcome('fail', 'the script exited 0 but wrote no backup file');
    return outcome(
      'pass',
      `exit 0 and ${good.length} new backup(s) verified: ${good.map((file) => file.name).join(', ')}`,
    );
  }
  if (bad.length > 0)
    return outcome(
      'fail',
      `the script failed (exit ${record.exitCode}) but left a broken backup where backups are looked for: ${describeBad}`,
    );
  if (record.preventsBackup)
    return outcome(
      'pass',
      `the script failed loudly (exit ${record.exitCode}) when ${record.fault} prevented a good backup${good.length ? ', and what it did write verifies' : ', and left no backup-looking file'}`,
    );
  return outcome(
    'fail',
    `the script exited ${record.exitCode} though nothing prevented a backup${good.length ? ' (and the backup it wrote verifies: a false alarm)' : ''}`,
  );
}

export interface PlantedBackup {
  readonly location: 'local' | 'remote';
  readonly name: string;
  readonly ageMs: number;
  readonly kept: boolean;
}

export interface RetentionStepRecord {
  readonly planted: readonly PlantedBackup[];
  readonly localMs: number;
  readonly remoteMs: number;
  /** The newest verified backup after the run, and whether it is still there. */
  readonly newestGood: { readonly name: string; readonly kept: boolean } | undefined;
  readonly exitCode: number;
}

/** One day: `find -mtime +7` deletes files at least 8 whole days old, so a day of slack past the window is fair. */
const SLACK_MS = 86_400_000;

export function checkRetentionStep(record: RetentionStepRecord): CheckOutcome {
  const base = { claim: 'backup.retention' as const, check: "the script's retention step" };
  const windowOf = (location: 'local' | 'remote') =>
    location === 'local' ? record.localMs : record.remoteMs;
  const expected = `keeps every backup younger than the retention (local ${formatDuration(record.localMs)}, remote ${formatDuration(record.remoteMs)}), deletes those more than a day past it, never the newest good backup`;
  const tooEarly = record.planted.filter((file) => !file.kept && file.ageMs < windowOf(file.location));
  const kept = record.planted.filter((file) => file.kept && file.ageMs > windowOf(file.location) + SLACK_MS);
  const observed = `${record.planted
    .map(
      (file) =>
        `${file.location} ${file.name} aged ${formatDuration(file.ageMs)}: ${file.kept ? 'kept' : 'deleted'}`,
    )
    .join(
      '; ',
    )}; newest good backup ${record.newestGood ? `${record.newestGood.name}: ${record.newestGood.kept ? 'kept' : 'DELETED'}` : 'none'} (script exit ${record.exitCode})`;
  const measurements = [
    measure('deleted too early', tooEarly.length, 'count'),
    measure('kept past the retention', kept.length, 'count'),
  ];
  const problems: string[] = [];
  if (record.newestGood && !record.newestGood.kept)
    problems.push(`it deleted the newest good backup, ${record.newestGood.name}`);
  for (const location of ['local', 'remote'] as const) {
    const early = tooEarly.filter((file) => file.location === location);
    if (early.length > 0)
      problems.push(
        `it deletes ${location} backups aged ${early.map((file) => formatDuration(file.ageMs)).join(', ')}, inside the ${formatDuration(windowOf(location))} ${location} retention`,
      );
    const late = kept.filter((file) => file.location === location);
    if (late.length > 0)
      problems.push(
        `it keeps ${location} backups aged ${late.map((file) => formatDuration(file.ageMs)).join(', ')}, past the ${formatDuration(windowOf(location))} retention`,
      );
  }
  const outcome = outcomeWith({ ...base, expected, observed, measurements });
  if (problems.length > 0) return outcome('fail', `${problems.join('; ')}.`);
  return outcome(
    'pass',
    'it kept every backup inside the retention, deleted the ones past it, and kept the newest good backup',
  );
}
