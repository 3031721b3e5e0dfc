// Checks of tls.mismatch: a client with the wrong CA, a foreign client certificate or none is refused, and
// `etcdctl endpoint health` reports the endpoint unhealthy with a reason naming the certificate problem. Pure
// functions over the recorded etcdctl runs.
import { type CheckOutcome, measure, outcomeWith } from '../findings/finding.js';

export type TlsCase = 'wrong CA' | 'foreign client certificate' | 'no client certificate';

/**
 * The TLS version the cluster was pinned to for the case (`--tls-min-version`/`--tls-max-version`, 3.5+), or
 * `default` where the release cannot pin it. The version decides the mechanism: in TLS 1.2 the server refuses a
 * client certificate inside the handshake (the client always reads the alert); in TLS 1.3 it refuses it after the
 * client finished the handshake, so whether the client reads the alert or writes into a closed connection first
 * ("broken pipe") is a race.
 */
export type TlsPin = 'TLS 1.2' | 'TLS 1.3' | 'default';

export interface EtcdctlRun {
  readonly exitCode: number;
  /** stdout and stderr as printed. */
  readonly output: string;
}

export interface TlsCaseRecord {
  readonly case: TlsCase;
  readonly tls: TlsPin;
  /** The right CA and client certificate against the same endpoint: must work, or the case proves nothing. */
  readonly control: { readonly data: EtcdctlRun; readonly health: EtcdctlRun };
  /** `etcdctl get` with the case's credentials. */
  readonly data: EtcdctlRun;
  /**
   * `etcdctl endpoint health` with the case's credentials: sampled until a run does not name the cause (after a
   * minimum for the rate) or `plannedRuns` runs did.
   */
  readonly health: readonly EtcdctlRun[];
  /** The sample size a pass needs: every one of that many runs named the cause. */
  readonly plannedRuns: number;
  /** `rejected connection` errors the member logged meanwhile (the server's side of the story). */
  readonly serverLog: readonly string[];
}

/** The chance of a wrong pass the sample size is chosen for: below 1 in 10,000. */
export const TLS_FALSE_PASS_BOUND = 1e-4;

/**
 * The smallest share of runs not naming the cause that `runs` clean runs rule out: at that share or above, all of
 * them naming it has a chance below TLS_FALSE_PASS_BOUND ((1 - r)^runs < bound).
 */
export function detectableShare(runs: number): number {
  return runs <= 0 ? 1 : 1 - TLS_FALSE_PASS_BOUND ** (1 / runs);
}

/** Whether one `endpoint health` run reported the endpoint unhealthy and named the certificate problem. */
export function namesCause(run: EtcdctlRun): boolean {
  return !healthy(run) && NAMES_CAUSE.test(run.output);
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
  const base = { claim: 'tls.mismatch' as const, check: `${record.case} (${record.tls})` };
  const attempts = record.health.length;
  const named = record.health.filter(namesCause);
  const unhealthy = record.health.filter((run) => !healthy(run) && run.exitCode !== 0);
  const causes = [...new Set(record.health.map((run) => causeOf(run.output)))];
  const lines = [...new Set(record.health.map((run) => healthLine(run.output)).filter(Boolean))];
  const inHealthLine = record.health.some((run) => NAMES_CAUSE.test(healthLine(run.output)));
  const share = attempts === 0 ? 0 : named.length / attempts;
  const expected = `the request is refused (non-zero exit); every \`etcdctl endpoint health\` run reports the endpoint unhealthy and names the certificate problem (x509 / certificate / authority) — ${record.plannedRuns} runs without exception, so that a share of ${percent(detectableShare(record.plannedRuns))} or more runs not naming it would show with a chance above ${percent(1 - TLS_FALSE_PASS_BOUND, 2)}; the right CA and certificate work`;
  const observed = `${record.tls}: get: exit ${record.data.exitCode} (${causeOf(record.data.output)}); endpoint health: ${unhealthy.length}/${attempts} unhealthy, cause named in ${named.length}/${attempts} (${percent(share)}; ${causes.map((cause) => `"${cause}"`).join(', ')}); health line${lines.length > 1 ? 's' : ''}: ${lines.map((line) => `"${line}"`).join(', ') || 'none'}${named.length > 0 && !inHealthLine ? ' (the cause is only in the client warning etcdctl logs to stderr)' : ''}; server logged: ${record.serverLog.length > 0 ? [...new Set(record.serverLog)].map((line) => `"${line}"`).join(', ') : 'nothing'}; control (right CA and certificate): get exit ${record.control.data.exitCode}, health exit ${record.control.health.exitCode}`;
  const measurements = [
    measure('health runs', attempts, 'count'),
    measure('health runs naming the cause', named.length, 'count'),
    measure('share naming the cause', share * 100, 'percent'),
    measure('health runs unhealthy', unhealthy.length, 'count'),
    measure('planned runs', record.plannedRuns, 'count'),
    measure('get exit code', record.data.exitCode, 'count'),
  ];
  const outcome = outcomeWith({ ...base, expected, observed, measurements });
  if (record.control.data.exitCode !== 0 || !healthy(record.control.health)) {
    return outcome(
      'inconclusive',
      'the right CA and client certificate were refused too: the cluster, not the credentials, is the problem',
    );
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
      `the health check named the certificate problem in ${named.length} of ${attempts} runs (${percent(share)}); otherwise it said only ${causes
        .filter((cause) => !NAMES_CAUSE.test(cause))
        .map((cause) => `"${cause}"`)
        .join(
          ', ',
        )}: a claim that holds only sometimes does not hold${record.tls === 'TLS 1.3' ? ' (TLS 1.3 refuses a client certificate after the client finished its handshake, so what the client reports is a race)' : ''}`,
    );
  if (problems.length === 0 && attempts < record.plannedRuns)
    return outcome('inconclusive', `only ${attempts} of the ${record.plannedRuns} planned health checks ran`);
  return outcome(
    problems.length === 0 ? 'pass' : 'fail',
    problems.length === 0
      ? `refused, and all ${attempts} health checks named the cause (${causes.join('; ')})${inHealthLine ? '' : `, though only in etcdctl's client warning on stderr: the health line itself says "${lines[0] ?? ''}"`}; a share of ${percent(detectableShare(attempts))} or more runs not naming it would have shown with a chance above ${percent(1 - TLS_FALSE_PASS_BOUND, 2)}`
      : problems.join('; '),
  );
}

function percent(share: number, digits = 0): string {
  return `${(share * 100).toFixed(digits)} %`;
}
