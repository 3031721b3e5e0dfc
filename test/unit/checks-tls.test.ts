// tls.mismatch over etcdctl output recorded from 3.4.23, 3.5.35 and 3.6.16: a refusal whose health checks always name
// the certificate problem passes; health checks that say only "all SubConns are in TransientFailure" (3.4) or
// sometimes "write: broken pipe" (3.5/3.6, client certificate refused by the server) fail, as do a request that
// succeeds and a health check that reports healthy; a failing control is inconclusive.
import { describe, expect, it } from 'vitest';
import {
  causeOf,
  checkTlsCaseRefused,
  detectableShare,
  healthLine,
  type TlsCaseRecord,
} from '../../harness/checks/tls.js';

const EP = 'https://127.0.0.1:38885';
const UNHEALTHY = `${EP} is unhealthy: failed to commit proposal: context deadline exceeded\nError: unhealthy cluster`;

function warn(error: string): string {
  return `{"level":"warn","ts":"2026-11-24T11:02:57.452554Z","logger":"client","caller":"v3@v3.6.16/retry_interceptor.go:68","msg":"retrying of unary invoker failed","target":"etcd-endpoints://0x3850a5110780/127.0.0.1:38885","attempt":0,"error":"rpc error: code = DeadlineExceeded desc = latest balancer error: ${error}"}`;
}

const WRONG_CA_36 = `${warn('connection error: desc = \\"transport: authentication handshake failed: tls: failed to verify certificate: x509: certificate signed by unknown authority\\"')}\n${UNHEALTHY}`;
const FOREIGN_36 = `${warn('connection error: desc = \\"error reading server preface: remote error: tls: unknown certificate authority\\"')}\n${UNHEALTHY}`;
const BROKEN_PIPE_35 = `${warn('write tcp 127.0.0.1:55194->127.0.0.1:38885: write: broken pipe')}\n${UNHEALTHY}`;
const SUBCONNS_34 = `{"level":"warn","ts":"2026-11-24T11:02:39.352Z","caller":"clientv3/retry_interceptor.go:62","msg":"retrying of unary invoker failed","target":"endpoint://client-feaa67be/127.0.0.1:38885","attempt":0,"error":"rpc error: code = DeadlineExceeded desc = latest balancer error: all SubConns are in TransientFailure"}\n${UNHEALTHY}`;
const HEALTHY = `${EP} is healthy: successfully committed proposal: took = 7.321468ms`;

function record(overrides: Partial<TlsCaseRecord> = {}): TlsCaseRecord {
  return {
    case: 'wrong CA',
    tls: 'TLS 1.2',
    plannedRuns: 3,
    control: {
      data: { exitCode: 0, output: '/tls-probe\nsecret' },
      health: { exitCode: 0, output: HEALTHY },
    },
    data: {
      exitCode: 1,
      output: `${warn('x509: certificate signed by unknown authority')}\nError: context deadline exceeded`,
    },
    health: [1, 2, 3].map(() => ({ exitCode: 1, output: WRONG_CA_36 })),
    serverLog: ['remote error: tls: bad certificate'],
    ...overrides,
  };
}

describe('causeOf and healthLine', () => {
  it('pick the TLS error over the generic one, and the health verdict line', () => {
    expect(causeOf(WRONG_CA_36)).toBe('x509: certificate signed by unknown authority');
    expect(causeOf(FOREIGN_36)).toBe('remote error: tls: unknown certificate authority');
    expect(causeOf(BROKEN_PIPE_35)).toBe('write: broken pipe');
    expect(causeOf(SUBCONNS_34)).toBe('all SubConns are in TransientFailure');
    expect(healthLine(WRONG_CA_36)).toBe(
      `${EP} is unhealthy: failed to commit proposal: context deadline exceeded`,
    );
    expect(
      healthLine('[{"endpoint":"x","health":false,"took":"3s","error":"context deadline exceeded"}]'),
    ).toBe('context deadline exceeded');
  });
});

describe('detectableShare', () => {
  it('is the not-naming share that many clean runs rule out with a chance of a wrong pass below 1e-4', () => {
    expect(detectableShare(48)).toBeCloseTo(0.175, 3);
    // At that share, 48 clean runs in a row have a chance just below 1 in 10,000.
    expect((1 - detectableShare(48)) ** 48).toBeLessThanOrEqual(1e-4 + 1e-12);
    expect(detectableShare(120)).toBeLessThan(detectableShare(48));
  });
});

describe('checkTlsCaseRefused', () => {
  it('names the TLS version in the check, and states the bound a pass rests on', () => {
    const outcome = checkTlsCaseRefused(record({ tls: 'TLS 1.3' }));
    expect(outcome.check).toBe('wrong CA (TLS 1.3)');
    expect(outcome.reason).toMatch(/all 3 health checks named the cause/);
    expect(outcome.reason).toMatch(/a share of 95 % or more runs not naming it would have shown/);
  });

  it('fails a TLS 1.3 client-certificate refusal that surfaced once as a broken pipe, naming the race', () => {
    const outcome = checkTlsCaseRefused(
      record({
        case: 'no client certificate',
        tls: 'TLS 1.3',
        plannedRuns: 48,
        health: [
          { exitCode: 1, output: FOREIGN_36 },
          { exitCode: 1, output: BROKEN_PIPE_35 },
        ],
      }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/in 1 of 2 runs \(50 %\)/);
    expect(outcome.reason).toMatch(/holds only sometimes does not hold/);
    expect(outcome.reason).toMatch(
      /TLS 1.3 refuses a client certificate after the client finished its handshake/,
    );
  });

  it('is inconclusive when every run named the cause but fewer ran than a pass needs', () => {
    const outcome = checkTlsCaseRefused(record({ plannedRuns: 48 }));
    expect(outcome.verdict).toBe('inconclusive');
    expect(outcome.reason).toMatch(/only 3 of the 48 planned/);
  });

  it('passes the measured 3.6 wrong-CA case, noting the cause is only in the client warning', () => {
    const outcome = checkTlsCaseRefused(record());
    expect(outcome.verdict, outcome.reason).toBe('pass');
    expect(outcome.reason).toMatch(/x509: certificate signed by unknown authority/);
    expect(outcome.reason).toMatch(/only in etcdctl's client warning/);
    expect(outcome.observed).toContain('server logged: "remote error: tls: bad certificate"');
  });

  it('fails 3.4: the health check never says why', () => {
    const outcome = checkTlsCaseRefused(
      record({ health: [1, 2, 3].map(() => ({ exitCode: 1, output: SUBCONNS_34 })) }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/named the certificate problem in 0 of 3 runs/);
    expect(outcome.reason).toMatch(/all SubConns are in TransientFailure/);
  });

  it('fails 3.5/3.6 client-certificate refusals that sometimes surface as a broken pipe', () => {
    const outcome = checkTlsCaseRefused(
      record({
        case: 'foreign client certificate',
        health: [
          { exitCode: 1, output: FOREIGN_36 },
          { exitCode: 1, output: BROKEN_PIPE_35 },
          { exitCode: 1, output: FOREIGN_36 },
        ],
      }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/in 2 of 3 runs \(67 %\); otherwise it said only "write: broken pipe"/);
  });

  it('fails when the data request succeeds with the wrong credentials', () => {
    const outcome = checkTlsCaseRefused(record({ data: { exitCode: 0, output: '/tls-probe\nsecret' } }));
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/data request with these credentials succeeded/);
  });

  it('fails when a health check reports the endpoint healthy', () => {
    const outcome = checkTlsCaseRefused(
      record({ health: [{ exitCode: 0, output: HEALTHY }, ...record().health.slice(1)] }),
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/1 of 3 health checks did not report the endpoint unhealthy/);
  });

  it('fails a health output without a reason (unhealthy, but nothing about certificates)', () => {
    const outcome = checkTlsCaseRefused(record({ health: [{ exitCode: 1, output: UNHEALTHY }] }));
    expect(outcome.verdict).toBe('fail');
  });

  it('is inconclusive when the right credentials fail too', () => {
    const outcome = checkTlsCaseRefused(
      record({
        control: {
          data: { exitCode: 1, output: 'Error: context deadline exceeded' },
          health: { exitCode: 1, output: UNHEALTHY },
        },
      }),
    );
    expect(outcome.verdict).toBe('inconclusive');
  });
});
