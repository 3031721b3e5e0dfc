// The etcd error boundary on errors as etcd3 1.1.2 really throws them: messages captured from real clusters
// (3.6.16 behind Toxiproxy: a 16 MiB quota filled up, a SIGSTOPped member, a SIGKILLed member, a disabled proxy)
// and, where marked, etcd's own error strings (api/v3rpc/rpctypes/error.go) that were not provoked here.
import { ClientClosedError, castGrpcError } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { HarnessError } from '../../harness/errors.js';
import { classifyEtcdError, EtcdRequestError, isNoSpaceError } from '../../harness/etcd-errors.js';

/** What grpc-js rejects with (an Error with a numeric code), passed through etcd3's own cast, as the client does. */
function etcd3Error(code: number, message: string): Error {
  return castGrpcError(Object.assign(new Error(message), { code }));
}

const CAPTURED: readonly { what: string; code: number; message: string; kind: string; reason: string }[] = [
  {
    // Ambiguous: the put that crosses the quota is applied and then answered with this error (quotaApplierV3.Put);
    // puts after it are refused before they are proposed. The drill found such writes in restored backups.
    what: 'put on a cluster past its quota',
    code: 8,
    message: '8 RESOURCE_EXHAUSTED: etcdserver: mvcc: database space exceeded',
    kind: 'ambiguous',
    reason: 'no-space',
  },
  {
    what: 'put of a 2 MiB value',
    code: 8,
    message: '8 RESOURCE_EXHAUSTED: grpc: received message larger than max (2097163 vs. 2097152)',
    kind: 'definite',
    reason: 'request-too-large',
  },
  {
    what: 'get at a compacted revision',
    code: 11,
    message: '11 OUT_OF_RANGE: etcdserver: mvcc: required revision has been compacted',
    kind: 'definite',
    reason: 'compacted',
  },
  {
    what: 'get at a future revision',
    code: 11,
    message: '11 OUT_OF_RANGE: etcdserver: mvcc: required revision is a future revision',
    kind: 'definite',
    reason: 'future-revision',
  },
  {
    what: 'put to a SIGSTOPped member (client deadline 1 s)',
    code: 4,
    message: '4 DEADLINE_EXCEEDED: Deadline exceeded after 1.000s,remote_addr=127.0.0.1:35003',
    kind: 'ambiguous',
    reason: 'deadline-exceeded',
  },
  {
    what: 'put to the last member of a cluster without quorum (server-side deadline)',
    code: 4,
    message: '4 DEADLINE_EXCEEDED: context deadline exceeded',
    kind: 'ambiguous',
    reason: 'deadline-exceeded',
  },
  {
    what: 'put in flight when its member was SIGKILLed',
    code: 14,
    message: '14 UNAVAILABLE: Connection dropped',
    kind: 'ambiguous',
    reason: 'connection-dropped',
  },
  {
    what: 'put to a SIGKILLed member through its proxy',
    code: 14,
    message:
      '14 UNAVAILABLE: No connection established. Last error: read ECONNRESET (2026-11-24T10:06:38.632Z). Resolution note: ',
    kind: 'definite',
    reason: 'not-connected',
  },
  {
    what: 'put to a SIGKILLed member, reconnecting',
    code: 14,
    message:
      '14 UNAVAILABLE: No connection established. Last error: Failed to connect (2026-11-24T10:06:38.597Z). Resolution note: ',
    kind: 'definite',
    reason: 'not-connected',
  },
  {
    what: 'put through a disabled client proxy',
    code: 14,
    message:
      '14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:45779. Resolution note: ',
    kind: 'definite',
    reason: 'not-connected',
  },
];

// From etcd's rpctypes/error.go (3.5-3.7), with grpc-js's "<code> <NAME>: " prefix.
const FROM_ETCD_SOURCE: readonly { code: number; message: string; kind: string; reason: string }[] = [
  {
    code: 14,
    message: '14 UNAVAILABLE: etcdserver: leader changed',
    kind: 'ambiguous',
    reason: 'leader-changed',
  },
  { code: 14, message: '14 UNAVAILABLE: etcdserver: no leader', kind: 'ambiguous', reason: 'no-leader' },
  {
    code: 14,
    message: '14 UNAVAILABLE: etcdserver: request timed out',
    kind: 'ambiguous',
    reason: 'timed-out',
  },
  {
    code: 14,
    message: '14 UNAVAILABLE: etcdserver: request timed out, possibly due to previous leader failure',
    kind: 'ambiguous',
    reason: 'timed-out',
  },
  {
    code: 14,
    message: '14 UNAVAILABLE: etcdserver: server stopped',
    kind: 'ambiguous',
    reason: 'server-stopped',
  },
  { code: 1, message: '1 CANCELLED: etcdserver: request canceled', kind: 'ambiguous', reason: 'cancelled' },
  {
    code: 8,
    message: '8 RESOURCE_EXHAUSTED: etcdserver: too many requests',
    kind: 'definite',
    reason: 'too-many-requests',
  },
  {
    code: 3,
    message: '3 INVALID_ARGUMENT: etcdserver: request is too large',
    kind: 'definite',
    reason: 'request-too-large',
  },
  {
    code: 3,
    message: '3 INVALID_ARGUMENT: etcdserver: key is not provided',
    kind: 'definite',
    reason: 'invalid-argument',
  },
  {
    code: 7,
    message: '7 PERMISSION_DENIED: etcdserver: permission denied',
    kind: 'definite',
    reason: 'permission-denied',
  },
  {
    code: 16,
    message: '16 UNAUTHENTICATED: etcdserver: invalid auth token',
    kind: 'definite',
    reason: 'unauthenticated',
  },
  {
    code: 3,
    message: '3 INVALID_ARGUMENT: etcdserver: authentication failed, invalid user ID or password',
    kind: 'definite',
    reason: 'auth-failed',
  },
  {
    code: 5,
    message: '5 NOT_FOUND: etcdserver: requested lease not found',
    kind: 'definite',
    reason: 'lease-not-found',
  },
  {
    code: 9,
    message: '9 FAILED_PRECONDITION: etcdserver: rpc not supported for learner',
    kind: 'definite',
    reason: 'not-supported-for-learner',
  },
  { code: 15, message: '15 DATA_LOSS: etcdserver: corrupt cluster', kind: 'definite', reason: 'corrupt' },
];

describe('classifyEtcdError on errors captured from real clusters', () => {
  for (const sample of CAPTURED) {
    it(`${sample.what}: ${sample.kind} (${sample.reason})`, () => {
      const error = etcd3Error(sample.code, sample.message);
      // etcd3 drops the numeric code: the classifier must read it from the message.
      expect((error as { code?: unknown }).code).toBeUndefined();
      expect(classifyEtcdError(error)).toEqual({
        kind: sample.kind,
        reason: sample.reason,
        message: sample.message,
      });
    });
  }

  it('a call on a closed etcd3 client is definite (nothing was sent)', () => {
    expect(classifyEtcdError(new ClientClosedError('KV'))).toMatchObject({
      kind: 'definite',
      reason: 'client-closed',
    });
  });
});

describe('classifyEtcdError on etcd error strings', () => {
  for (const sample of FROM_ETCD_SOURCE) {
    it(`${sample.message}: ${sample.kind}`, () => {
      expect(classifyEtcdError(etcd3Error(sample.code, sample.message))).toMatchObject({
        kind: sample.kind,
        reason: sample.reason,
      });
    });
  }

  it('reads a raw grpc-js error (numeric code, not cast by etcd3)', () => {
    const raw = Object.assign(new Error('14 UNAVAILABLE: Connection dropped'), { code: 14, details: 'x' });
    expect(classifyEtcdError(raw)).toMatchObject({ kind: 'ambiguous', reason: 'connection-dropped' });
  });
});

describe('classifyEtcdError is conservative', () => {
  it('calls anything it cannot prove definite ambiguous', () => {
    expect(classifyEtcdError(new Error('boom'))).toMatchObject({ kind: 'ambiguous', reason: 'unknown' });
    expect(classifyEtcdError('a string')).toMatchObject({ kind: 'ambiguous', reason: 'unknown' });
    expect(classifyEtcdError(undefined)).toMatchObject({ kind: 'ambiguous' });
    expect(classifyEtcdError(etcd3Error(13, '13 INTERNAL: stream reset'))).toMatchObject({
      kind: 'ambiguous',
      reason: 'internal',
    });
    expect(classifyEtcdError(etcd3Error(14, '14 UNAVAILABLE: read ECONNRESET'))).toMatchObject({
      kind: 'ambiguous',
      reason: 'unavailable',
    });
    // grpc-js refusing an oversized *response*: the request may have applied.
    expect(
      classifyEtcdError(
        etcd3Error(8, '8 RESOURCE_EXHAUSTED: Received message larger than max (5000000 vs 4194304)'),
      ),
    ).toMatchObject({ kind: 'ambiguous', reason: 'resource-exhausted' });
    expect(classifyEtcdError(etcd3Error(2, '2 UNKNOWN: something'))).toMatchObject({
      kind: 'ambiguous',
      reason: 'unknown',
    });
  });

  it('ignores a code prefix whose name does not match the number', () => {
    expect(classifyEtcdError(new Error('3 UNAVAILABLE: odd'))).toMatchObject({
      kind: 'ambiguous',
      reason: 'unknown',
    });
  });

  it('treats harness timeouts as ambiguous', () => {
    expect(classifyEtcdError(new Error('the put timed out'))).toMatchObject({
      kind: 'ambiguous',
      reason: 'timed-out',
    });
  });
});

describe('EtcdRequestError', () => {
  it('carries the outcome, extends HarnessError and keeps the cause', () => {
    const cause = etcd3Error(8, '8 RESOURCE_EXHAUSTED: etcdserver: request is too large');
    const error = EtcdRequestError.from(cause, 'put', 'http://127.0.0.1:2379');
    expect(error).toBeInstanceOf(HarnessError);
    expect(error.name).toBe('EtcdRequestError');
    expect(error.cause).toBe(cause);
    expect(error.outcome).toMatchObject({ kind: 'definite', reason: 'request-too-large' });
    expect(error.message).toContain('not applied');
    expect(error.context).toMatchObject({
      operation: 'put',
      endpoint: 'http://127.0.0.1:2379',
      reason: 'request-too-large',
    });
    expect(error.retryable).toBe(false);
    expect(error.ambiguous).toBe(false);
    expect(EtcdRequestError.from(error, 'again')).toBe(error);
    expect(classifyEtcdError(error)).toBe(error.outcome);
  });

  it('is retryable for transient outcomes, ambiguous or not', () => {
    const retryable = (message: string, code: number) =>
      EtcdRequestError.from(etcd3Error(code, message), 'put');
    expect(retryable('4 DEADLINE_EXCEEDED: Deadline exceeded after 1.000s', 4).retryable).toBe(true);
    expect(retryable('14 UNAVAILABLE: etcdserver: leader changed', 14).retryable).toBe(true);
    expect(retryable('14 UNAVAILABLE: No connection established. Last error: x', 14).retryable).toBe(true);
    expect(retryable('8 RESOURCE_EXHAUSTED: etcdserver: too many requests', 8).retryable).toBe(true);
    expect(retryable('3 INVALID_ARGUMENT: etcdserver: request is too large', 3).retryable).toBe(false);
    expect(retryable('2 UNKNOWN: x', 2).retryable).toBe(false);
  });
});

describe("classifyEtcdError with the call's deadline", () => {
  // What grpc-js reports when the server's RST_STREAM(CANCEL) for an expired deadline beats its own deadline timer
  // (seen in CI: a put to a member without quorum, under CPU contention).
  const serverCancel = () => etcd3Error(1, '1 CANCELLED: Call cancelled');

  it('reads a cancellation at or after the deadline as the deadline expiring', () => {
    const outcome = classifyEtcdError(serverCancel(), { deadlineAt: Date.now() - 3 });
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'deadline-exceeded' });
    expect(outcome.message).toMatch(/^1 CANCELLED: Call cancelled \(cancelled by the server \d+ ms from/);
  });

  it('keeps a cancellation well before the deadline a cancellation', () => {
    expect(classifyEtcdError(serverCancel(), { deadlineAt: Date.now() + 5_000 })).toMatchObject({
      kind: 'ambiguous',
      reason: 'cancelled',
      message: '1 CANCELLED: Call cancelled',
    });
    expect(classifyEtcdError(serverCancel())).toMatchObject({ reason: 'cancelled' });
  });

  it('leaves every other outcome alone, however late', () => {
    const late = { deadlineAt: Date.now() - 1_000 };
    expect(classifyEtcdError(etcd3Error(14, '14 UNAVAILABLE: etcdserver: no leader'), late)).toMatchObject({
      reason: 'no-leader',
    });
    expect(
      classifyEtcdError(
        etcd3Error(8, '8 RESOURCE_EXHAUSTED: etcdserver: mvcc: database space exceeded'),
        late,
      ),
    ).toMatchObject({ kind: 'ambiguous', reason: 'no-space' });
  });
});

describe('isNoSpaceError', () => {
  it('is true only for the quota error', () => {
    expect(
      isNoSpaceError(etcd3Error(8, '8 RESOURCE_EXHAUSTED: etcdserver: mvcc: database space exceeded')),
    ).toBe(true);
    expect(isNoSpaceError(etcd3Error(8, '8 RESOURCE_EXHAUSTED: etcdserver: too many requests'))).toBe(false);
    expect(isNoSpaceError(new Error('database space'))).toBe(false);
  });
});
