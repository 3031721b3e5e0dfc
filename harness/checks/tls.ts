// Checks of tls.mismatch: a client with the wrong CA, a foreign client certificate or none is refused, and
// `etcdctl endpoint health` reports the endpoint unhealthy with a reason naming the certificate problem. Pure
// functions over the recorded etcdctl runs.
import { type CheckOutcome, measure } from '../findings/finding.js';

export type TlsCase = 'wrong CA' | 'foreign client certificate' | 'no client certificate';

export interface EtcdctlRun {
  readonly exitCode: number;
  /** stdout and stderr as printed. */
  readonly output: string;
}

export interface TlsCaseRecord {
  readonly case: TlsCase;
  /** The right CA and client certificate against the same endpoint: must work, or the case proves nothing. */
  readonly control: { readonly data: EtcdctlRun; readonly health: EtcdctlRun };
  /** `etcdctl get` with the case's credentials. */
  readonly data: EtcdctlRun;
  /** `etcdctl endpoint health` with the case's credentials, run several times (the reason can vary run to run). */
  readonly health: readonly EtcdctlRun[];
  /** `rejected connection` errors the member logged meanwhile (the server's side of the story). */
  readonly serverLog: readonly string[];
}

/** Words that say the problem is the certificate, as Go's TLS stack and etcd print it. */
const NAMES_CAUSE = /x509|certificate|authority/i;

/** The most telling error fragment in etcdctl's output: the TLS error if there is one, else the generic one. */
export function causeOf(output: string): string {
  const patterns = [
    /x509: [^"\\\n]+/,
    /remote error: tls: [^"\\\n]+/,
    /tls: [^"\\\n]+/,
    /write: (broken pipe|connection reset by peer)/,
    /connection reset by peer/,
    /all SubConns are in TransientFailure/,
    /is unhealthy: [^\n]+/,
    /context deadline exceeded/,
  ];
  for (const pattern of patterns) {
    const match = pattern.exec(output);
    if (match) return match[0].trim();
  }
  return output.trim().split('\n').pop()?.slice(0, 200) ?? '';
}

/** The line etcdctl prints as the health verdict (`<endpoint> is unhealthy: ...`), or JSON's error field. */
export function healthLine(output: string): string {
  return (
    output.split('\n').find((line) => /is (un)?healthy/.test(line)) ??
    /"health":\s*false[^}]*"error":"([^"]*)"/.exec(output)?.[1] ??
    ''
  ).trim();
}

function healthy(run: EtcdctlRun): boolean {
  return run.exitCode === 0 && /is healthy|"health":\s*true/.test(run.output);
}

export function checkTlsCaseRefused(record: TlsCaseRecord): CheckOutcome {
  const base = { claim: 'tls.mismatch' as const, check: record.case };
  const attempts = record.health.length;
  const named = record.health.filter((run) => !healthy(run) && NAMES_CAUSE.test(run.output));
  const unhealthy = record.health.filter((run) => !healthy(run) && run.exitCode !== 0);
  const causes = [...new Set(record.health.map((run) => causeOf(run.output)))];
  const lines = [...new Set(record.health.map((run) => healthLine(run.output)).filter(Boolean))];
  const inHealthLine = record.health.some((run) => NAMES_CAUSE.test(healthLine(run.output)));
  const expected =
    'the request is refused (non-zero exit); every `etcdctl endpoint health` run reports the endpoint unhealthy and its output names the certificate problem (x509 / certificate / authority); the right CA and certificate work';
  const observed = `get: exit ${record.data.exitCode} (${causeOf(record.data.output)}); endpoint health: ${unhealthy.length}/${attempts} unhealthy, cause named in ${named.length}/${attempts} (${causes.map((cause) => `"${cause}"`).join(', ')}); health line${lines.length > 1 ? 's' : ''}: ${lines.map((line) => `"${line}"`).join(', ') || 'none'}${named.length > 0 && !inHealthLine ? ' (the cause is only in the client warning etcdctl logs to stderr)' : ''}; server logged: ${record.serverLog.length > 0 ? [...new Set(record.serverLog)].map((line) => `"${line}"`).join(', ') : 'nothing'}; control (right CA and certificate): get exit ${record.control.data.exitCode}, health exit ${record.control.health.exitCode}`;
  const measurements = [
    measure('health runs', attempts, 'count'),
    measure('health runs naming the cause', named.length, 'count'),
    measure('health runs unhealthy', unhealthy.length, 'count'),
    measure('get exit code', record.data.exitCode, 'count'),
  ];
  if (record.control.data.exitCode !== 0 || !healthy(record.control.health)) {
    return {
      ...base,
      verdict: 'inconclusive',
      reason:
        'the right CA and client certificate were refused too: the cluster, not the credentials, is the problem',
      expected,
      observed,
      measurements,
    };
  }
  const problems: string[] = [];
  if (record.data.exitCode === 0) problems.push('the data request with these credentials succeeded');
  if (attempts === 0) problems.push('no health check was run');
  if (unhealthy.length < attempts)
    problems.push(
      `${attempts - unhealthy.length} of ${attempts} health checks did not report the endpoint unhealthy`,
    );
  if (named.length < attempts)
    problems.push(
      `the health check named the certificate problem in ${named.length} of ${attempts} runs; otherwise it said only ${causes
        .filter((cause) => !NAMES_CAUSE.test(cause))
        .map((cause) => `"${cause}"`)
        .join(', ')}`,
    );
  return {
    ...base,
    verdict: problems.length === 0 ? 'pass' : 'fail',
    reason:
      problems.length === 0
        ? `refused, and every health check named the cause (${causes.join('; ')})${inHealthLine ? '' : `, though only in etcdctl's client warning on stderr: the health line itself says "${lines[0] ?? ''}"`}`
        : problems.join('; '),
    expected,
    observed,
    measurements,
  };
}
