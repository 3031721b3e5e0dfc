// Checks of the retention flags: under sustained writes a member takes a snapshot every --snapshot-count applied
// entries, and etcd's purge (every 30 s) keeps at most --max-snapshots .snap files and --max-wals .wal files. Pure
// functions over the file names the snapshot-retention scenario saw in each member's data dir.
import { type CheckOutcome, measure, outcomeWith } from '../findings/finding.js';

export interface MemberFiles {
  readonly member: string;
  /** Raft index of every `<term>-<index>.snap` ever seen, ascending. */
  readonly snapIndexesSeen: readonly number[];
  /** Distinct `.wal` files ever seen (preallocated `.tmp` segments excluded). */
  readonly walFilesSeen: number;
  /** What was on disk at the end, after waiting out a purge interval. */
  readonly snapFilesAtEnd: number;
  readonly walFilesAtEnd: number;
}

export interface RetentionRecord {
  readonly snapshotCount: number;
  readonly maxSnapshots: number;
  readonly maxWals: number;
  readonly members: readonly MemberFiles[];
}

/**
 * A snapshot comes once more than --snapshot-count entries were applied since the last (etcdserver
 * triggerSnapshot: `appliedi - snapi > SnapshotCount`), checked after each apply batch: the spacing of snapshot
 * indexes is above the count by at most an apply batch (measured on 3.6.16: 2001–2005 apart at --snapshot-count=2000,
 * 101–102 at 100).
 */
export const SNAPSHOT_SPACING_SLACK = { ratio: 0.5, entries: 100 } as const;

function spacings(indexes: readonly number[]): number[] {
  return indexes.slice(1).map((index, position) => index - (indexes[position] as number));
}

export function checkSnapshotSpacing(record: RetentionRecord): CheckOutcome {
  const base = {
    claim: 'tuning.snapshot-retention' as const,
    check: 'a snapshot every --snapshot-count entries',
  };
  const upper = Math.round(
    record.snapshotCount * (1 + SNAPSHOT_SPACING_SLACK.ratio) + SNAPSHOT_SPACING_SLACK.entries,
  );
  const all = record.members.flatMap((member) =>
    spacings(member.snapIndexesSeen).map((spacing) => ({ member: member.member, spacing })),
  );
  const expected = `consecutive snapshot indexes ${record.snapshotCount} + 1 to ${upper} entries apart (--snapshot-count=${record.snapshotCount})`;
  const observed = record.members
    .map(
      (member) =>
        `${member.member}: ${member.snapIndexesSeen.length} snapshots, spacings ${spacings(member.snapIndexesSeen).join(', ') || 'none'}`,
    )
    .join('; ');
  const measurements = [
    measure(
      'snapshots seen',
      record.members.reduce((sum, member) => sum + member.snapIndexesSeen.length, 0),
      'count',
    ),
    measure('smallest spacing', Math.min(...all.map((entry) => entry.spacing)), 'count'),
    measure('largest spacing', Math.max(...all.map((entry) => entry.spacing)), 'count'),
  ];
  const outcome = outcomeWith({ ...base, expected, observed, measurements });
  if (all.length === 0)
    return outcome(
      'inconclusive',
      'fewer than two snapshots per member were seen: the writes did not reach --snapshot-count twice',
    );
  const off = all.filter((entry) => entry.spacing <= record.snapshotCount || entry.spacing > upper);
  return outcome(
    off.length === 0 ? 'pass' : 'fail',
    off.length === 0
      ? `${all.length} snapshot intervals of ${Math.min(...all.map((entry) => entry.spacing))}–${Math.max(...all.map((entry) => entry.spacing))} entries`
      : `snapshot intervals outside the bound: ${off.map((entry) => `${entry.member}: ${entry.spacing}`).join(', ')}`,
  );
}

function checkKept(record: RetentionRecord, kind: 'snap' | 'wal'): CheckOutcome {
  const limit = kind === 'snap' ? record.maxSnapshots : record.maxWals;
  const flag = kind === 'snap' ? '--max-snapshots' : '--max-wals';
  const base = { claim: 'tuning.snapshot-retention' as const, check: `.${kind} files on disk ≤ ${flag}` };
  const seen = (member: MemberFiles) =>
    kind === 'snap' ? member.snapIndexesSeen.length : member.walFilesSeen;
  const atEnd = (member: MemberFiles) => (kind === 'snap' ? member.snapFilesAtEnd : member.walFilesAtEnd);
  const expected = `after a purge interval, at most ${limit} .${kind} files per member (${flag}=${limit}), with more than ${limit} created`;
  const observed = record.members
    .map((member) => `${member.member}: ${seen(member)} created, ${atEnd(member)} on disk`)
    .join('; ');
  const measurements = record.members.flatMap((member) => [
    measure(`${member.member} .${kind} files created`, seen(member), 'count'),
    measure(`${member.member} .${kind} files on disk`, atEnd(member), 'count'),
  ]);
  const over = record.members.filter((member) => atEnd(member) > limit);
  const outcome = outcomeWith({ ...base, expected, observed, measurements });
  if (over.length > 0)
    return outcome(
      'fail',
      `more than ${limit} .${kind} files kept: ${over.map((member) => `${member.member} has ${atEnd(member)}`).join(', ')}`,
    );
  const unexercised = record.members.filter((member) => seen(member) <= limit);
  if (unexercised.length > 0)
    return outcome(
      'inconclusive',
      `the limit was never reached on ${unexercised.map((member) => `${member.member} (${seen(member)} created)`).join(', ')}: nothing to purge`,
    );
  return outcome('pass', `every member created more than ${limit} .${kind} files and kept at most ${limit}`);
}

export function checkSnapFilesKept(record: RetentionRecord): CheckOutcome {
  return checkKept(record, 'snap');
}

export function checkWalFilesKept(record: RetentionRecord): CheckOutcome {
  return checkKept(record, 'wal');
}
