// Checks of backup.corrupt-detected: is a corrupt snapshot refused by `snapshot status` or `snapshot restore` with a
// clear message, and does a refused restore leave nothing etcd would start on? Pure functions over recorded runs.
import { type CheckOutcome, formatBytes, measure, outcomeWith } from '../findings/finding.js';

export type CorruptionKind = 'truncated' | 'bit-flipped';

/** What one tool run (status or restore) did with a file. */
export interface ToolVerdictInput {
  readonly exitCode: number;
  /** stdout and stderr as printed. */
  readonly output: string;
}

export interface ToolReading {
  readonly refused: boolean;
  /** A Go runtime crash (SIGBUS, panic) rather than an error the tool chose to print. */
  readonly crashed: boolean;
  /** Refused, did not crash, and the message names the problem (hash, checksum, corrupt, truncated, ...). */
  readonly clear: boolean;
  /** The line an operator would read as the reason. */
  readonly message: string;
}

const CRASH = /fatal error:|^panic:|unexpected fault address|signal SIG(BUS|SEGV)|goroutine \d+ \[/m;
const CLEAR =
  /sha256|hash|checksum|corrupt|truncat|invalid|unexpected EOF|not a (bolt|valid)|too small|bad /i;

/** Reads a tool run the way an operator would: did it refuse, crash, and say why? */
export function readToolRun(run: ToolVerdictInput): ToolReading {
  const lines = run.output.split('\n').map((line) => line.trim());
  const crashed = run.exitCode !== 0 && CRASH.test(run.output);
  const errorLine =
    lines.find((line) => /^Error:/.test(line)) ??
    lines.find((line) => /^(fatal error:|panic:)/.test(line)) ??
    lines.find((line) => /\berror\b/i.test(line)) ??
    lines.filter(Boolean).pop() ??
    '';
  const message = errorLine.slice(0, 300);
  const refused = run.exitCode !== 0;
  return { refused, crashed, clear: refused && !crashed && CLEAR.test(message), message };
}

/** What a failed restore left in its target data dir, and whether etcd would run on it. */
export interface LeftoverRecord {
  /** Files left in the data dir (relative path and size). */
  readonly files: readonly { readonly path: string; readonly sizeBytes: number }[];
  /**
   * A throwaway single-member etcd started on a copy of that dir: undefined when nothing was left (no probe).
   * `served`: what a read of the marker key returned (`corrupt`: the flipped bytes, `original`, `absent`,
   * `no-answer`: the request timed out or failed).
   */
  readonly probe?: {
    readonly started: boolean;
    readonly served?: 'corrupt' | 'original' | 'absent' | 'other' | 'no-answer';
    readonly detail: string;
  };
}

export interface CorruptSnapshotRecord {
  readonly kind: CorruptionKind;
  /** How the copy was made: `cut to 12304 of 24608 bytes`, `bit 0 of byte 14031 (page 3) ...`. */
  readonly corruption: string;
  readonly fileSizeBytes: number;
  /** The intact snapshot, through the same tools: both must accept it, or the refusals mean nothing. */
  readonly intact: {
    readonly statusExit: number;
    readonly statusHash?: number;
    readonly restoreExit: number;
  };
  readonly status: ToolVerdictInput & {
    readonly hash?: number;
    readonly revision?: number;
    readonly totalKey?: number;
  };
  readonly restore: ToolVerdictInput;
  /** Only when the restore was refused. */
  readonly leftover?: LeftoverRecord;
  /** `etcdutl` or `etcdctl`: the tool the version ships the snapshot commands in. */
  readonly tool: string;
}

function describeStatus(record: CorruptSnapshotRecord, reading: ToolReading): string {
  const { status, intact } = record;
  if (!reading.refused) {
    const same = status.hash !== undefined && status.hash === intact.statusHash;
    return `status exit 0: hash ${status.hash ?? '?'} (intact snapshot: ${intact.statusHash ?? '?'}${same ? ', the same' : ''}), revision ${status.revision ?? '?'}, totalKey ${status.totalKey ?? '?'}, no integrity error`;
  }
  return `status exit ${status.exitCode}${reading.crashed ? ' (crashed)' : ''}: "${reading.message}"`;
}

function describeRestore(record: CorruptSnapshotRecord, reading: ToolReading): string {
  if (!reading.refused) return 'restore exit 0: accepted the file and wrote a data dir';
  return `restore exit ${record.restore.exitCode}${reading.crashed ? ' (crashed)' : ''}: "${reading.message}"`;
}

function describeLeftover(leftover: LeftoverRecord | undefined): string {
  if (!leftover) return '';
  if (leftover.files.length === 0) return '; the failed restore left no files';
  const files = leftover.files.map((file) => `${file.path} (${formatBytes(file.sizeBytes)})`).join(', ');
  const probe = leftover.probe;
  const started = !probe
    ? ''
    : !probe.started
      ? `; etcd started on it did not come up (${probe.detail})`
      : `; etcd started on it came up and ${probe.served === 'no-answer' ? 'answered no request' : `served ${probe.served === 'corrupt' ? 'the corrupted value' : probe.served === 'original' ? 'the original value' : probe.served === 'absent' ? 'no marker key' : 'another value'}`} (${probe.detail})`;
  return `; the failed restore left ${files} in its data dir${started}`;
}

/** A leftover dir is usable when etcd started on it and answered a read. */
function leftoverUsable(leftover: LeftoverRecord | undefined): boolean {
  const probe = leftover?.probe;
  return probe?.started === true && probe.served !== undefined && probe.served !== 'no-answer';
}

function leftoverNote(leftover: LeftoverRecord | undefined): string {
  if (!leftover || leftover.files.length === 0) return ', and the refused restore left no files';
  const files = leftover.files.map((file) => file.path).join(', ');
  const etcd =
    leftover.probe === undefined
      ? 'was not tried on it'
      : leftover.probe.started
        ? 'answered no read from it'
        : 'did not start on it';
  return `; the refused restore left ${files} behind, but etcd ${etcd}`;
}

export function checkCorruptSnapshotRejected(record: CorruptSnapshotRecord): CheckOutcome {
  const base = { claim: 'backup.corrupt-detected' as const, check: `${record.kind} snapshot` };
  const status = readToolRun(record.status);
  const restore = readToolRun(record.restore);
  const expected = `\`${record.tool} snapshot status\` or \`snapshot restore\` refuses the ${record.kind} copy with a non-zero exit and a message naming the problem, and a refused restore leaves no data dir etcd would serve from`;
  const observed = `${record.corruption}; ${describeStatus(record, status)}; ${describeRestore(record, restore)}${describeLeftover(record.leftover)}`;
  const measurements = [
    measure('file size', record.fileSizeBytes, 'bytes'),
    measure('status exit code', record.status.exitCode, 'count'),
    measure('restore exit code', record.restore.exitCode, 'count'),
    measure('files left by the failed restore', record.leftover?.files.length ?? 0, 'count'),
  ];
  const outcome = outcomeWith({ ...base, expected, observed, measurements });
  if (record.intact.statusExit !== 0 || record.intact.restoreExit !== 0) {
    return outcome(
      'inconclusive',
      `the intact snapshot was refused too (status exit ${record.intact.statusExit}, restore exit ${record.intact.restoreExit}): a refusal of the corrupt copy proves nothing`,
    );
  }
  const statusMisses = !status.refused
    ? ` The guide's "Verify snapshot integrity: etcdctl snapshot status" step would pass this file: status has no reference to compare its hash with.`
    : '';
  if (!status.refused && !restore.refused) {
    return outcome(
      'fail',
      `both \`snapshot status\` and \`snapshot restore\` accepted the ${record.kind} snapshot.${statusMisses}`,
    );
  }
  const clearBy = [status.clear ? 'status' : undefined, restore.clear ? 'restore' : undefined].filter(
    (tool) => tool !== undefined,
  );
  const problems: string[] = [];
  if (clearBy.length === 0) {
    const how = [status, restore]
      .map((reading, index) =>
        reading.refused
          ? `${index === 0 ? 'status' : 'restore'} ${reading.crashed ? 'crashed' : 'refused'} with "${reading.message}"`
          : undefined,
      )
      .filter(Boolean)
      .join(', ');
    problems.push(`refused, but no tool said why (${how})`);
  }
  if (restore.refused && leftoverUsable(record.leftover)) {
    problems.push(
      `the refused restore left its data dir behind (${record.leftover?.files.map((file) => file.path).join(', ')}) and etcd started on it and answered reads from the corrupt snapshot`,
    );
  }
  if (problems.length > 0) {
    return outcome('fail', `${problems.join('; ')}.${statusMisses}`);
  }
  return outcome(
    'pass',
    `refused with a clear message by ${clearBy.join(' and ')}${restore.refused ? leftoverNote(record.leftover) : ''}.${statusMisses}`,
  );
}
