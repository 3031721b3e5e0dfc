// Checks of the periodic auto-compaction claim: with `--auto-compaction-mode=periodic` and a retention, etcd
// compacts on schedule, old revisions become unreadable and revisions within the retention stay readable. Pure
// functions over the members' logs, the ledger and two `etcdctl get --rev` probes; plus the schedule etcd derives
// from a retention (etcd docs op-guide/maintenance.md "Auto Compaction", v3.3.3 and later).
import { type CheckOutcome, type Measurement, measure, outcomeWith } from '../findings/finding.js';

/** One periodic compaction, as the compacting member (the leader) logged it. */
export interface CompactionEvent {
  readonly member: string;
  /** Epoch ms of the log line. */
  readonly at: number;
  /** The revision compacted to: history before it is dropped. */
  readonly revision: number;
}

/**
 * The `starting auto periodic compaction` lines of an etcd log (zap JSON lines, as every supported version logs with
 * the harness's flags). Lines that are not JSON, or lack a time or revision, are skipped.
 */
export function parseCompactionLog(member: string, text: string): CompactionEvent[] {
  const events: CompactionEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('starting auto periodic compaction')) continue;
    let entry: { msg?: unknown; ts?: unknown; revision?: unknown };
    try {
      entry = JSON.parse(line);
    } catch {
      continue; // a torn or non-JSON log line says nothing about compaction
    }
    if (entry.msg !== 'starting auto periodic compaction') continue;
    // 3.4 logs `2026-11-24T10:51:41.555Z`, 3.5+ microseconds: Date.parse reads both.
    const at =
      typeof entry.ts === 'string'
        ? Date.parse(entry.ts)
        : typeof entry.ts === 'number'
          ? entry.ts * 1000
          : Number.NaN;
    const revision = Number(entry.revision);
    if (Number.isFinite(at) && Number.isInteger(revision)) events.push({ member, at, revision });
  }
  return events;
}

const HOUR_MS = 3_600_000;

/**
 * `--auto-compaction-retention` in ms, for periodic mode: a Go duration (`2s`, `8h`, `1h30m`, `1500ms`) or a bare
 * number, which etcd reads as hours. Undefined when etcd would not accept it either.
 */
export function parseRetention(flag: string): number | undefined {
  const text = flag.trim();
  if (/^\d+$/.test(text)) return Number(text) * HOUR_MS;
  const units: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    ms: 1,
    s: 1_000,
    m: 60_000,
    h: HOUR_MS,
  };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text) return undefined;
  return parts.reduce((total, part) => total + Number(part[1]) * units[part[2]!]!, 0);
}

/** What etcd's periodic compactor does with a retention (server/etcdserver/api/v3compactor/periodic.go). */
export interface PeriodicSchedule {
  readonly retentionMs: number;
  /** Between compactions: the retention, capped at one hour. */
  readonly intervalMs: number;
  /** The compactor samples the current revision every tenth of the interval. */
  readonly sampleEveryMs: number;
  /** The first compaction waits a whole retention after the member starts (and a restart starts the wait over). */
  readonly firstCompactionAfterMs: number;
  /** History kept: just after a compaction about retention + one sample, just before the next one interval more. */
  readonly historyKeptMs: { readonly min: number; readonly max: number };
}

export function periodicSchedule(retentionMs: number): PeriodicSchedule {
  const intervalMs = Math.min(retentionMs, HOUR_MS);
  const sampleEveryMs = intervalMs / 10;
  return {
    retentionMs,
    intervalMs,
    sampleEveryMs,
    firstCompactionAfterMs: retentionMs,
    historyKeptMs: { min: retentionMs + sampleEveryMs, max: retentionMs + sampleEveryMs + intervalMs },
  };
}

/** "On schedule": each interval between compactions within [0.9, 1.5] × the expected interval. */
export const INTERVAL_TOLERANCE = { min: 0.9, max: 1.5 } as const;

/** At compaction time, the compacted revision must be at most this many intervals (plus the retention) old. */
export const MAX_LAG_INTERVALS = 1;

export interface RevisionProbe {
  readonly key: string;
  readonly revision: number;
  /** Time from the write's acknowledgement to the probe. */
  readonly ageMs: number;
  readonly exitCode: number;
  /** What `etcdctl get --rev` printed (the value), or its error. */
  readonly output: string;
}

export interface PeriodicCompactionRecord {
  /** `--auto-compaction-retention` as given. */
  readonly retentionFlag: string;
  readonly retentionMs: number;
  /** Every member's periodic compactions, any order. */
  readonly events: readonly CompactionEvent[];
  /** Acknowledged writes of a steady workload: send time and revision. */
  readonly writes: readonly { readonly sentAt: number; readonly revision: number }[];
  /** When the steady writes began and ended. */
  readonly writesFrom: number;
  readonly writesTo: number;
  /** A revision acknowledged at the start: must be compacted by the end. */
  readonly oldProbe: RevisionProbe;
  /** A revision acknowledged well within the retention before the probe: must still be readable, with its value. */
  readonly recentProbe: RevisionProbe & { readonly expectedValue: string };
}

const COMPACTED = 'required revision has been compacted';

export function checkPeriodicCompaction(record: PeriodicCompactionRecord): CheckOutcome {
  const schedule = periodicSchedule(record.retentionMs);
  const intervalMs = schedule.intervalMs;
  const base = {
    claim: 'compaction.periodic' as const,
    check: `--auto-compaction-mode=periodic --auto-compaction-retention=${record.retentionFlag} under steady writes`,
  };
  const events = [...record.events].sort((a, b) => a.at - b.at);
  const during = events.filter((event) => event.at >= record.writesFrom && event.at <= record.writesTo);
  // Intervals between compactions that both ran while the keyspace kept changing (the one before the writes may
  // be a start-up compaction of an idle keyspace, which 3.6+ does not repeat).
  const intervals = during.slice(1).map((event, index) => event.at - during[index]!.at);
  const writes = [...record.writes].sort((a, b) => a.revision - b.revision);
  const lowest = writes[0]?.revision ?? Number.POSITIVE_INFINITY;
  const highest = writes[writes.length - 1]?.revision ?? Number.NEGATIVE_INFINITY;
  // Compacting history newer than the retention: any write sent after `at − retention` at or below the revision.
  const retentionViolations = during.flatMap((event) => {
    const violating = writes.find(
      (write) => write.sentAt > event.at - record.retentionMs && write.revision <= event.revision,
    );
    return violating ? [{ event, write: violating }] : [];
  });
  // How old the compacted history is: from the first write above the compacted revision to the compaction.
  const lags = during
    .filter((event) => event.revision >= lowest && event.revision < highest)
    .map((event) => {
      const firstKept = writes.find((write) => write.revision > event.revision)!;
      return { event, lagMs: event.at - firstKept.sentAt };
    });
  const maxLagMs = record.retentionMs + MAX_LAG_INTERVALS * intervalMs;
  const staleCompactions = lags.filter((entry) => entry.lagMs > maxLagMs);
  const observedSpanMs = record.writesTo - record.writesFrom;
  const expectedCompactions = Math.floor(observedSpanMs / intervalMs);

  const problems: string[] = [];
  const offSchedule = intervals.filter(
    (interval) =>
      interval < INTERVAL_TOLERANCE.min * intervalMs || interval > INTERVAL_TOLERANCE.max * intervalMs,
  );
  if (during.length < 2) {
    if (observedSpanMs >= 2.5 * intervalMs)
      problems.push(
        `${during.length} compaction(s) in ${(observedSpanMs / 1000).toFixed(1)} s of writes, where one every ${intervalMs / 1000} s was due`,
      );
  } else if (offSchedule.length > 0)
    problems.push(
      `${offSchedule.length} of ${intervals.length} intervals outside [${INTERVAL_TOLERANCE.min}, ${INTERVAL_TOLERANCE.max}] × ${intervalMs} ms: ${offSchedule.join(', ')} ms`,
    );
  if (retentionViolations.length > 0) {
    const first = retentionViolations[0]!;
    problems.push(
      `${retentionViolations.length} compaction(s) dropped history younger than the retention (revision ${first.event.revision} compacted at ${new Date(first.event.at).toISOString()}, but revision ${first.write.revision} was written ${first.event.at - first.write.sentAt} ms before)`,
    );
  }
  if (staleCompactions.length > 0)
    problems.push(
      `${staleCompactions.length} compaction(s) kept history older than retention + one interval (${maxLagMs} ms): up to ${Math.max(...staleCompactions.map((entry) => entry.lagMs))} ms`,
    );
  const old = record.oldProbe;
  const oldCompacted = old.exitCode !== 0 && old.output.includes(COMPACTED);
  if (!oldCompacted) {
    if (old.ageMs >= schedule.historyKeptMs.max + intervalMs * (INTERVAL_TOLERANCE.max - 1))
      problems.push(
        `revision ${old.revision}, written ${old.ageMs} ms before, is still readable (${old.exitCode === 0 ? `"${old.output}"` : `exit ${old.exitCode}: ${old.output}`}); at most ${schedule.historyKeptMs.max} ms of history should be kept`,
      );
  }
  const recent = record.recentProbe;
  const recentOk = recent.exitCode === 0 && recent.output === recent.expectedValue;
  if (!recentOk)
    problems.push(
      `revision ${recent.revision}, written ${recent.ageMs} ms before (within the ${record.retentionMs} ms retention), could not be read with its value: exit ${recent.exitCode}, "${recent.output}"`,
    );

  const measurements: Measurement[] = [
    measure('retention', record.retentionMs, 'ms'),
    measure('compactions during writes', during.length, 'count'),
    ...(intervals.length > 0
      ? [
          measure('mean interval', intervals.reduce((sum, value) => sum + value, 0) / intervals.length, 'ms'),
          measure('min interval', Math.min(...intervals), 'ms'),
          measure('max interval', Math.max(...intervals), 'ms'),
        ]
      : []),
    ...(lags.length > 0
      ? [measure('max age of compacted history', Math.max(...lags.map((entry) => entry.lagMs)), 'ms')]
      : []),
    measure('old revision age at probe', old.ageMs, 'ms'),
    measure('recent revision age at probe', recent.ageMs, 'ms'),
  ];
  const expected =
    `a compaction every ${intervalMs} ms (each interval within [${INTERVAL_TOLERANCE.min}, ${INTERVAL_TOLERANCE.max}] ×), each to the revision of about ${record.retentionMs} ms before ` +
    `(never newer, never older than ${maxLagMs} ms); the revision written ${old.ageMs} ms before the probe unreadable ("${COMPACTED}"), the one written ${recent.ageMs} ms before readable`;
  const observed =
    `${during.length} compaction(s) in ${(observedSpanMs / 1000).toFixed(1)} s of writes (about ${expectedCompactions} due) at revisions ${during.map((event) => event.revision).join(', ') || 'none'}; ` +
    `intervals ${intervals.join(', ') || 'none'} ms; compacted history ${lags.map((entry) => entry.lagMs).join(', ') || 'n/a'} ms old at each compaction; ` +
    `get --rev=${old.revision}: ${old.exitCode === 0 ? `"${old.output}"` : old.output}; get --rev=${recent.revision}: ${recent.exitCode === 0 ? `"${recent.output}"` : recent.output}`;
  const outcome = outcomeWith({ ...base, expected, observed, measurements });
  if (problems.length === 0 && (during.length < 2 || !oldCompacted)) {
    return outcome(
      'inconclusive',
      `the writes lasted ${observedSpanMs} ms, too short to see two compactions and the oldest revision compacted: run longer (full intensity) to judge the schedule`,
    );
  }
  const guide = periodicSchedule(8 * HOUR_MS);
  return outcome(
    problems.length === 0 ? 'pass' : 'fail',
    (problems.length === 0
      ? `compacted every ${(intervals.reduce((sum, value) => sum + value, 0) / intervals.length / 1000).toFixed(2)} s on average (retention ${record.retentionMs / 1000} s), always to a revision older than the retention; the old revision is gone ("${COMPACTED}") and the recent one readable.`
      : `${problems.join('; ')}.`) +
      ` With the guide's --auto-compaction-retention=8h the same rules give: the first compaction ${guide.firstCompactionAfterMs / HOUR_MS} h after a member starts (restarts reset the wait), then one every ${guide.intervalMs / HOUR_MS} h (the interval is capped at an hour since v3.3.3), each keeping 8 h of history, so between ${(guide.historyKeptMs.min / HOUR_MS).toFixed(1)} and ${(guide.historyKeptMs.max / HOUR_MS).toFixed(1)} h are kept (etcd docs op-guide/maintenance.md "Auto Compaction").`,
  );
}

export interface IdleCompactionRecord {
  readonly retentionMs: number;
  /** Periodic compactions of a cluster nobody writes to. */
  readonly events: readonly CompactionEvent[];
  /** End of the observation (epoch ms). */
  readonly until: number;
  /** From the capability table: whether this version skips compactions of an unchanged revision. */
  readonly skipsUnchangedRevision: boolean;
  readonly version: string;
}

/**
 * The per-version schedule of an idle keyspace: 3.4 and 3.5 compact every interval anyway (the same revision), 3.6+
 * compact once and then skip until the revision changes (etcd PR #13829).
 */
export function checkIdleCompaction(record: IdleCompactionRecord): CheckOutcome {
  const { intervalMs } = periodicSchedule(record.retentionMs);
  const events = [...record.events].sort((a, b) => a.at - b.at);
  const repeats = events.slice(1).filter((event, index) => event.revision === events[index]!.revision).length;
  const spanMs = events.length > 0 ? record.until - events[0]!.at : 0;
  const due = Math.floor(spanMs / intervalMs);
  const base = {
    claim: 'compaction.periodic' as const,
    check: `idle keyspace: periodic compaction on etcd ${record.version}`,
    expected: record.skipsUnchangedRevision
      ? 'one compaction of the unchanged revision, then none while nothing is written (3.6+ skips an unchanged revision)'
      : `a compaction every ${intervalMs} ms even while nothing is written, repeating the same revision (3.4, 3.5)`,
    observed: `${events.length} compaction(s) at revision(s) ${events.map((event) => event.revision).join(', ') || 'none'}, watched for ${(spanMs / 1000).toFixed(1)} s after the first (${due} interval(s) of ${intervalMs} ms)`,
    measurements: [
      measure('compactions', events.length, 'count'),
      measure('repeats of an unchanged revision', repeats, 'count'),
      measure('observed after the first', spanMs, 'ms'),
    ],
  };
  const outcome = outcomeWith(base);
  if (events.length === 0 || due < 1 || spanMs < 1.5 * intervalMs) {
    return outcome(
      'inconclusive',
      `observed for ${spanMs} ms after the first compaction: at least 1.5 intervals (${1.5 * intervalMs} ms) are needed to see whether it repeats`,
    );
  }
  const holds = record.skipsUnchangedRevision ? repeats === 0 : repeats >= 1;
  return outcome(
    holds ? 'pass' : 'fail',
    holds
      ? record.skipsUnchangedRevision
        ? `as the capability table says for ${record.version}: after the start-up compaction nothing was compacted while the revision stood still ("on schedule" means every interval while the keyspace changes)`
        : `as the capability table says for ${record.version}: the same revision was compacted ${repeats} more times, once per interval (harmless: etcd answers "required revision has been compacted" and the compactor counts it as done)`
      : record.skipsUnchangedRevision
        ? `the unchanged revision was compacted ${repeats} more times, though ${record.version} is expected to skip it (capability table out of date?)`
        : `no repeat compaction while idle, though ${record.version} is expected to compact every interval (capability table out of date?)`,
  );
}
