// Checks for what Kubernetes clients see when etcd fails under a real kube-apiserver (the guide's troubleshooting
// and quorum sections): pure functions over the probe's samples (harness/kube/api-probe.ts) and fault timestamps.
import { type CheckOutcome, measure } from '../findings/finding.js';
import type { ProbeKind, ProbeSample } from '../kube/api-probe.js';

const CLAIM = 'k8s.apiserver-under-faults';

const ok = (sample: ProbeSample) => sample.status >= 200 && sample.status < 300;

/** Status counts of one kind in [from, to): `{ "200": 12, "504": 3, "no answer": 1 }`. */
export function statusCounts(
  samples: readonly ProbeSample[],
  kind: ProbeKind,
  from: number,
  to: number,
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const sample of samples) {
    if (sample.kind !== kind || sample.at < from || sample.at >= to) continue;
    const label = sample.status === 0 ? 'no answer' : String(sample.status);
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
}

function describeCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length === 0
    ? 'no samples'
    : entries.map(([status, count]) => `${count}× ${status}`).join(', ');
}

/**
 * The longest time without a successful `kind` answer around `at`: from the last success before `at` (sent time +
 * latency = when it was answered) to the first success sent after `at` answered; Infinity when none came.
 */
export function outageAround(
  samples: readonly ProbeSample[],
  kind: ProbeKind,
  at: number,
): { gapMs: number; firstOkAt: number | undefined } {
  const mine = samples.filter((sample) => sample.kind === kind).sort((a, b) => a.at - b.at);
  const before = mine.filter((sample) => ok(sample) && sample.at + sample.latencyMs <= at).pop();
  const after = mine.find((sample) => ok(sample) && sample.at >= at);
  if (!after) return { gapMs: Number.POSITIVE_INFINITY, firstOkAt: undefined };
  const start = before ? before.at + before.latencyMs : at;
  return { gapMs: after.at + after.latencyMs - start, firstOkAt: after.at + after.latencyMs };
}

/** Distinct non-success messages of one kind in a window, most frequent first (for quoting). */
export function messagesOf(
  samples: readonly ProbeSample[],
  kind: ProbeKind,
  from: number,
  to: number,
): string[] {
  const counts = new Map<string, number>();
  for (const sample of samples) {
    if (sample.kind !== kind || sample.at < from || sample.at >= to || ok(sample) || !sample.message)
      continue;
    counts.set(sample.message, (counts.get(sample.message) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([message]) => message);
}

export interface LeaderLossRecord {
  readonly samples: readonly ProbeSample[];
  readonly killedAt: number;
  readonly until: number;
  /** Longest acceptable write outage (election plus the API server's retry). */
  readonly boundMs: number;
  readonly killedMember: string;
}

export function checkLeaderLoss(record: LeaderLossRecord): CheckOutcome {
  const { gapMs } = outageAround(record.samples, 'write', record.killedAt);
  const writes = statusCounts(record.samples, 'write', record.killedAt, record.until);
  const readyz = statusCounts(record.samples, 'readyz', record.killedAt, record.until);
  const pass = gapMs <= record.boundMs;
  return {
    claim: CLAIM,
    check: 'leader-loss',
    verdict: pass ? 'pass' : 'fail',
    reason: pass
      ? `writes through the API resumed ${Math.round(gapMs)} ms after the last one before the leader (${record.killedMember}) was killed (bound ${record.boundMs} ms)`
      : `no successful write for ${Number.isFinite(gapMs) ? `${Math.round(gapMs)} ms` : 'the rest of the window'} after the leader was killed (bound ${record.boundMs} ms)`,
    expected: `with one of three members lost (the leader), the API keeps serving: the longest write outage ≤ ${record.boundMs} ms`,
    observed: `write outage ${Number.isFinite(gapMs) ? `${Math.round(gapMs)} ms` : 'unbounded'}; writes after the kill: ${describeCounts(writes)}; /readyz: ${describeCounts(readyz)}${messagesOf(record.samples, 'write', record.killedAt, record.until)[0] ? `; first error: ${messagesOf(record.samples, 'write', record.killedAt, record.until)[0]?.slice(0, 160)}` : ''}`,
    measurements: [measure('write outage after leader loss', gapMs, 'ms')],
  };
}

export interface QuorumLossRecord {
  readonly samples: readonly ProbeSample[];
  readonly lostAt: number;
  readonly restoredAt: number;
  readonly until: number;
  /** The `?timeout=` the requests carried. */
  readonly requestTimeoutMs: number;
  /** Longest acceptable time from quorum back to the first successful write. */
  readonly recoveryBoundMs: number;
}

export function checkQuorumLoss(record: QuorumLossRecord): CheckOutcome {
  // Sent a second after the loss (requests in flight at the kill may still complete) and answered before quorum
  // returned: a request sent during the loss but answered after it is not evidence either way.
  const during = record.samples.filter(
    (sample) => sample.at >= record.lostAt + 1_000 && sample.at + sample.latencyMs <= record.restoredAt,
  );
  const writes = statusCounts(during, 'write', 0, Number.POSITIVE_INFINITY);
  const reads = statusCounts(during, 'read', 0, Number.POSITIVE_INFINITY);
  const readyz = statusCounts(during, 'readyz', 0, Number.POSITIVE_INFINITY);
  const livez = statusCounts(during, 'livez', 0, Number.POSITIVE_INFINITY);
  const duringWrites = during.filter((sample) => sample.kind === 'write');
  const failedWrites = duringWrites.filter((sample) => sample.status >= 500);
  const succeeded = duringWrites.filter(ok).length;
  const notReady = during.some(
    (sample) => sample.kind === 'readyz' && sample.status !== 200 && /etcd/.test(sample.message),
  );
  const after = record.samples.filter(
    (sample) => sample.kind === 'write' && ok(sample) && sample.at >= record.restoredAt,
  );
  const firstOk = after.sort((a, b) => a.at - b.at)[0];
  const recoveryMs = firstOk ? firstOk.at + firstOk.latencyMs - record.restoredAt : Number.POSITIVE_INFINITY;
  const slowest = Math.max(0, ...failedWrites.map((sample) => sample.latencyMs));
  const problems: string[] = [];
  if (failedWrites.length === 0) problems.push('no write failed with a 5xx status');
  if (succeeded > 0) problems.push(`${succeeded} writes succeeded without quorum`);
  if (!notReady) problems.push('/readyz never reported etcd failing');
  if (recoveryMs > record.recoveryBoundMs)
    problems.push(`no write succeeded within ${record.recoveryBoundMs} ms of quorum returning`);
  const writeMessage = messagesOf(during, 'write', 0, Number.POSITIVE_INFINITY)[0] ?? '';
  const readyMessage = messagesOf(during, 'readyz', 0, Number.POSITIVE_INFINITY)[0] ?? '';
  return {
    claim: CLAIM,
    check: 'quorum-loss',
    verdict: problems.length === 0 ? 'pass' : 'fail',
    reason:
      problems.length === 0
        ? `without quorum every write failed with a 5xx status (slowest answer ${slowest} ms with ?timeout=${record.requestTimeoutMs / 1000}s), /readyz reported etcd failing; writes succeeded again ${Math.round(recoveryMs)} ms after quorum returned`
        : problems.join('; '),
    expected: `with two of three members lost: writes fail with an error status (5xx) within the request timeout, /readyz reports etcd; within ${record.recoveryBoundMs} ms of quorum returning writes succeed again`,
    observed: `writes: ${describeCounts(writes)}${writeMessage ? ` ("${writeMessage.slice(0, 160)}")` : ''}; reads: ${describeCounts(reads)}; /readyz: ${describeCounts(readyz)}${readyMessage ? ` (${readyMessage.slice(0, 120)})` : ''}; /livez: ${describeCounts(livez)}; first write ${Number.isFinite(recoveryMs) ? `${Math.round(recoveryMs)} ms` : 'never'} after quorum returned`,
    measurements: [
      measure('writes failed without quorum', failedWrites.length, 'count'),
      measure('writes succeeded without quorum', succeeded, 'count'),
      measure('slowest failed write', slowest, 'ms'),
      measure('recovery after quorum returned', recoveryMs, 'ms'),
    ],
  };
}

export interface ApiNoSpaceRecord {
  readonly quotaBytes: number;
  /** A write through the API under the NOSPACE alarm. */
  readonly write: { readonly status: number; readonly message: string };
  /** A read through the API under the alarm. */
  readonly read: { readonly status: number };
  /** A write through the API after the documented recovery (compact, defrag, alarm disarm). */
  readonly afterRecovery: { readonly status: number; readonly message: string };
  readonly recoveryMs: number;
}

export function checkApiNoSpace(record: ApiNoSpaceRecord): CheckOutcome {
  const refused = record.write.status >= 500 && /database space exceeded/i.test(record.write.message);
  const readable = record.read.status === 200;
  const recovered = record.afterRecovery.status >= 200 && record.afterRecovery.status < 300;
  return {
    claim: CLAIM,
    check: 'nospace',
    verdict: refused && readable && recovered ? 'pass' : 'fail',
    reason:
      refused && readable && recovered
        ? `under NOSPACE the API answers writes ${record.write.status} with etcd's "database space exceeded", reads still ${record.read.status}; after compact + defrag + alarm disarm (${Math.round(record.recoveryMs)} ms) writes succeed`
        : [
            refused
              ? ''
              : `the write under NOSPACE answered ${record.write.status} "${record.write.message.slice(0, 120)}"`,
            readable ? '' : `the read under NOSPACE answered ${record.read.status}`,
            recovered
              ? ''
              : `after recovery the write answered ${record.afterRecovery.status} "${record.afterRecovery.message.slice(0, 120)}"`,
          ]
            .filter(Boolean)
            .join('; '),
    expected: `past --quota-backend-bytes (${record.quotaBytes} bytes): API writes fail (5xx) with "mvcc: database space exceeded", reads work; after the recovery writes work`,
    observed: `write: ${record.write.status} "${record.write.message.slice(0, 200)}"; read: ${record.read.status}; after recovery: ${record.afterRecovery.status}`,
    measurements: [measure('NOSPACE recovery', record.recoveryMs, 'ms')],
  };
}

export interface SlowFsyncRecord {
  readonly delayMs: number;
  /** The API server's etcd request latency for the probe's updates (etcd_request_duration_seconds), p50 in ms. */
  readonly baselineP50Ms: number;
  readonly faultP50Ms: number;
  readonly baselineP99Ms: number;
  readonly faultP99Ms: number;
  /** The client's PATCH latency p50 under the fault. */
  readonly clientP50Ms: number;
  /** etcd's own WAL fsync p50 under the fault (the leader's). */
  readonly walFsyncP50Ms: number;
}

export function checkSlowFsync(record: SlowFsyncRecord): CheckOutcome {
  const rise = record.faultP50Ms - record.baselineP50Ms;
  const shows = rise >= record.delayMs / 2;
  return {
    claim: CLAIM,
    check: 'slow-fsync',
    verdict: shows ? 'pass' : 'fail',
    reason: shows
      ? `with a ${record.delayMs} ms fsync delay the API server's etcd update latency p50 rose by ${Math.round(rise)} ms (etcd's WAL fsync p50 ${Math.round(record.walFsyncP50Ms)} ms)`
      : `the API server's etcd update latency p50 rose by only ${Math.round(rise)} ms under a ${record.delayMs} ms fsync delay`,
    expected: `a ${record.delayMs} ms fsync delay on every member shows in etcd_request_duration_seconds (update p50 up by ≥ ${record.delayMs / 2} ms)`,
    observed: `etcd_request_duration_seconds{operation=update} p50 ${Math.round(record.baselineP50Ms)} → ${Math.round(record.faultP50Ms)} ms, p99 ${Math.round(record.baselineP99Ms)} → ${Math.round(record.faultP99Ms)} ms; client PATCH p50 ${Math.round(record.clientP50Ms)} ms; etcd WAL fsync p50 ${Math.round(record.walFsyncP50Ms)} ms`,
    measurements: [
      measure('apiserver etcd update p50, baseline', record.baselineP50Ms, 'ms'),
      measure('apiserver etcd update p50, slow fsync', record.faultP50Ms, 'ms'),
      measure('apiserver etcd update p99, slow fsync', record.faultP99Ms, 'ms'),
      measure('etcd wal fsync p50, slow fsync', record.walFsyncP50Ms, 'ms'),
    ],
  };
}

export interface CertificateMismatchRecord {
  /** How long the API server was watched. */
  readonly windowMs: number;
  /** Ready within the window (ms after spawn), or undefined. */
  readonly readyAfterMs: number | undefined;
  /** Its own state at the end of the window: `running` or the exit. */
  readonly processState: string;
  /** Spawn to exit, when it exited within the window. */
  readonly exitedAfterMs: number | undefined;
  /** Its last log line (kube-apiserver's fatal error when it gave up). */
  readonly lastLogLine: string;
  /** What a client got from it at the end of the window (`ECONNREFUSED` once it exited). */
  readonly clientSaw: string;
  /** Log lines naming the TLS failure. */
  readonly tlsLogLines: readonly string[];
  /** The guide's `etcdctl endpoint health` with the API server's (wrong) certificate. */
  readonly healthWithItsCert: { readonly exitCode: number; readonly output: string };
  /** The same command with the cluster's own client certificate. */
  readonly healthWithClusterCert: { readonly exitCode: number };
}

export function checkCertificateMismatch(record: CertificateMismatchRecord): CheckOutcome {
  const notReady = record.readyAfterMs === undefined;
  const logNames = record.tlsLogLines.length > 0;
  const healthRefuses =
    record.healthWithItsCert.exitCode !== 0 && record.healthWithClusterCert.exitCode === 0;
  const namesCertificate = /certificate|tls|x509|handshake/i.test(record.healthWithItsCert.output);
  const pass = notReady && logNames && healthRefuses;
  return {
    claim: 'k8s.connection-refused',
    check: 'certificate-mismatch',
    verdict: pass ? 'pass' : 'fail',
    reason: pass
      ? `the API server never became ready (${record.processState}${record.exitedAfterMs === undefined ? ` after ${record.windowMs} ms` : ` after ${Math.round(record.exitedAfterMs / 1000)} s: "${record.lastLogLine.slice(0, 100)}"`}; a client then gets ${record.clientSaw}), its log names the TLS failure ("${record.tlsLogLines[0]?.slice(0, 160)}"), and the guide's \`etcdctl endpoint health\` with its certificate fails (exit ${record.healthWithItsCert.exitCode}${namesCertificate ? ', naming the certificate' : ', without naming the certificate'}) while the cluster's own certificate reports healthy`
      : [
          notReady ? '' : `it became ready after ${record.readyAfterMs} ms`,
          logNames ? '' : 'its log names no TLS failure',
          healthRefuses
            ? ''
            : `endpoint health: ${record.healthWithItsCert.exitCode} with its certificate, ${record.healthWithClusterCert.exitCode} with the cluster's`,
        ]
          .filter(Boolean)
          .join('; '),
    expected:
      "an API server whose etcd client certificate etcd does not trust is never ready, its log names the TLS failure, and `etcdctl endpoint health` with that certificate fails (with the cluster's certificate it is healthy)",
    observed: `ready: ${notReady ? `no (${record.windowMs} ms)` : `${record.readyAfterMs} ms`}; process ${record.processState}${record.exitedAfterMs === undefined ? '' : ` after ${record.exitedAfterMs} ms`}, last log line: ${record.lastLogLine.slice(0, 160)}; a client then saw: ${record.clientSaw}; ${record.tlsLogLines.length} TLS log lines, first: ${record.tlsLogLines[0]?.slice(0, 200) ?? 'none'}; endpoint health with its certificate: exit ${record.healthWithItsCert.exitCode} "${record.healthWithItsCert.output.slice(0, 200)}"; with the cluster's: exit ${record.healthWithClusterCert.exitCode}`,
    measurements: [
      measure('TLS error lines in the API server log', record.tlsLogLines.length, 'count'),
      ...(record.exitedAfterMs === undefined
        ? []
        : [measure('kube-apiserver gave up after', record.exitedAfterMs, 'ms')]),
    ],
  };
}
