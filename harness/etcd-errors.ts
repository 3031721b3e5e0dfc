// The one boundary where etcd3/gRPC errors become harness outcomes: did the request definitely not apply, or may it
// have applied? Everything that cannot be proven definite is ambiguous.
import { HarnessError } from './errors.js';

/**
 * Why etcd (or the client, before sending) refused a request that therefore did not apply.
 *
 * `not-connected` is grpc-js failing the call in its load balancer ("No connection established") before a stream
 * exists: the request never left the client. `client-closed` is etcd3 refusing a call on a closed client.
 */
export type EtcdFailureReason =
  | 'request-too-large'
  | 'too-many-requests'
  | 'invalid-argument'
  | 'key-not-found'
  | 'lease-not-found'
  | 'not-found'
  | 'already-exists'
  | 'permission-denied'
  | 'unauthenticated'
  | 'auth-failed'
  | 'compacted'
  | 'future-revision'
  | 'out-of-range'
  | 'not-supported-for-learner'
  | 'not-capable'
  | 'not-leader'
  | 'failed-precondition'
  | 'unhealthy-cluster'
  | 'corrupt'
  | 'not-implemented'
  | 'not-connected'
  | 'client-closed';

/** Why the outcome of a request is unknown: it may or may not have applied. */
export type EtcdAmbiguousReason =
  /**
   * `mvcc: database space exceeded`: either refused before it was proposed (the NOSPACE alarm is on: not applied) or
   * the put that crossed the quota, which etcd applies and then answers with this error (quotaApplierV3.Put in
   * server/etcdserver/apply): the client cannot tell which.
   */
  | 'no-space'
  | 'deadline-exceeded'
  | 'unavailable'
  | 'connection-dropped'
  | 'leader-changed'
  | 'no-leader'
  | 'timed-out'
  | 'server-stopped'
  | 'cancelled'
  | 'aborted'
  | 'internal'
  | 'unknown';

export type EtcdOutcome =
  | { kind: 'definite'; reason: EtcdFailureReason; message: string }
  | { kind: 'ambiguous'; reason: string; message: string };

/** gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
const GRPC_CODE_NAMES: Readonly<Record<number, string>> = {
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  11: 'OUT_OF_RANGE',
  12: 'UNIMPLEMENTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  15: 'DATA_LOSS',
  16: 'UNAUTHENTICATED',
};

type Classification =
  | { kind: 'definite'; reason: EtcdFailureReason }
  | { kind: 'ambiguous'; reason: EtcdAmbiguousReason };

type Rule = readonly [pattern: string, outcome: Classification];

// Matched on the message in order, before the status code: etcd's own error strings
// (server/etcdserver/api/v3rpc/rpctypes/error.go) say more than the code, and the same code (UNAVAILABLE,
// RESOURCE_EXHAUSTED) covers both definite and ambiguous cases. Ambiguous rules come first, so a message that
// somehow matches both stays ambiguous.
const MESSAGE_RULES: readonly Rule[] = [
  ['etcdserver: leader changed', { kind: 'ambiguous', reason: 'leader-changed' }],
  ['etcdserver: no leader', { kind: 'ambiguous', reason: 'no-leader' }],
  // "request timed out", "... possibly due to previous leader failure", "... possibly due to connection lost",
  // "... waiting for read index response": the proposal may still commit.
  ['etcdserver: request timed out', { kind: 'ambiguous', reason: 'timed-out' }],
  ['etcdserver: server stopped', { kind: 'ambiguous', reason: 'server-stopped' }],
  ['etcdserver: request canceled', { kind: 'ambiguous', reason: 'cancelled' }],
  ['context deadline exceeded', { kind: 'ambiguous', reason: 'deadline-exceeded' }],
  ['context canceled', { kind: 'ambiguous', reason: 'cancelled' }],
  ['Connection dropped', { kind: 'ambiguous', reason: 'connection-dropped' }],
  ['mvcc: database space exceeded', { kind: 'ambiguous', reason: 'no-space' }],
  ['etcdserver: request is too large', { kind: 'definite', reason: 'request-too-large' }],
  // The Go gRPC server refusing to read an oversized request (etcd's limit is --max-request-bytes + 512 KiB).
  // Only the server's lower-case "grpc:" form: grpc-js's "Received message larger than max" is about a *response*.
  ['grpc: received message larger than max', { kind: 'definite', reason: 'request-too-large' }],
  ['etcdserver: too many requests', { kind: 'definite', reason: 'too-many-requests' }],
  ['mvcc: required revision has been compacted', { kind: 'definite', reason: 'compacted' }],
  ['mvcc: required revision is a future revision', { kind: 'definite', reason: 'future-revision' }],
  ['etcdserver: key not found', { kind: 'definite', reason: 'key-not-found' }],
  ['etcdserver: requested lease not found', { kind: 'definite', reason: 'lease-not-found' }],
  ['etcdserver: permission denied', { kind: 'definite', reason: 'permission-denied' }],
  ['etcdserver: invalid auth token', { kind: 'definite', reason: 'unauthenticated' }],
  ['etcdserver: authentication failed', { kind: 'definite', reason: 'auth-failed' }],
  ['etcdserver: rpc not supported for learner', { kind: 'definite', reason: 'not-supported-for-learner' }],
  ['etcdserver: not capable', { kind: 'definite', reason: 'not-capable' }],
  ['etcdserver: not leader', { kind: 'definite', reason: 'not-leader' }],
  ['etcdserver: unhealthy cluster', { kind: 'definite', reason: 'unhealthy-cluster' }],
  ['etcdserver: corrupt cluster', { kind: 'definite', reason: 'corrupt' }],
  // grpc-js fails the call in the picker, before a stream exists, when the channel has no ready connection
  // (load-balancer-pick-first.js, picker.js): the request was never sent.
  ['No connection established', { kind: 'definite', reason: 'not-connected' }],
];

// What a status code alone proves, when no message rule matched. etcd uses INVALID_ARGUMENT, NOT_FOUND,
// ALREADY_EXISTS, PERMISSION_DENIED, FAILED_PRECONDITION, OUT_OF_RANGE and UNAUTHENTICATED only for requests it
// refused (rpctypes/error.go). Every other code, and RESOURCE_EXHAUSTED and DATA_LOSS without a known etcd message,
// stays ambiguous: each covers at least one case where the request may have applied.
const CODE_OUTCOMES: Readonly<Record<number, Classification>> = {
  1: { kind: 'ambiguous', reason: 'cancelled' },
  3: { kind: 'definite', reason: 'invalid-argument' },
  4: { kind: 'ambiguous', reason: 'deadline-exceeded' },
  5: { kind: 'definite', reason: 'not-found' },
  6: { kind: 'definite', reason: 'already-exists' },
  7: { kind: 'definite', reason: 'permission-denied' },
  9: { kind: 'definite', reason: 'failed-precondition' },
  10: { kind: 'ambiguous', reason: 'aborted' },
  11: { kind: 'definite', reason: 'out-of-range' },
  12: { kind: 'definite', reason: 'not-implemented' },
  13: { kind: 'ambiguous', reason: 'internal' },
  14: { kind: 'ambiguous', reason: 'unavailable' },
  16: { kind: 'definite', reason: 'unauthenticated' },
};

/** Reasons after which repeating the same request may succeed (the condition is expected to pass). */
const TRANSIENT_REASONS: ReadonlySet<string> = new Set([
  'deadline-exceeded',
  'unavailable',
  'connection-dropped',
  'leader-changed',
  'no-leader',
  'timed-out',
  'server-stopped',
  'too-many-requests',
  'not-connected',
]);

/**
 * Classifies anything thrown by an etcd3 call. etcd3 1.1.2 rewrites gRPC errors into its own classes
 * (`castGrpcError`) and drops the numeric `code` on the way, but keeps grpc-js's message (`"14 UNAVAILABLE:
 * ..."`), so the code is read back from the message when the error has none. Pass the call's deadline (epoch ms)
 * when it had one, so that a server-side deadline cancellation is reported as the deadline it is.
 */
export function classifyEtcdError(error: unknown, call: { deadlineAt?: number } = {}): EtcdOutcome {
  const outcome = classifyUnbounded(error);
  return call.deadlineAt === undefined ? outcome : deadlineChecked(outcome, call.deadlineAt);
}

/**
 * How far before the client's deadline a server's deadline RST_STREAM can arrive: grpc-js sends the remaining time
 * in whole milliseconds when the call starts and the server counts from when it reads the headers, so the server's
 * deadline is never earlier than the client's by more than rounding and timer slack.
 */
const DEADLINE_SLACK_MS = 25;

/**
 * A gRPC server whose deadline for a call passes cancels it with RST_STREAM(CANCEL); grpc-js reports that as
 * "CANCELLED: Call cancelled" when it arrives before grpc-js's own deadline timer fires (seen under CPU
 * contention). The gRPC protocol asks clients to double-check the deadline when a call fails CANCELLED
 * (grpc/grpc doc/PROTOCOL-HTTP2.md; grpc-go does, grpc-js 1.x does not), so this does it here: a cancellation at or
 * after the call's deadline is the deadline expiring.
 */
function deadlineChecked(outcome: EtcdOutcome, deadlineAt: number): EtcdOutcome {
  if (outcome.kind !== 'ambiguous' || outcome.reason !== 'cancelled') return outcome;
  const now = Date.now();
  if (now < deadlineAt - DEADLINE_SLACK_MS) return outcome;
  return {
    kind: 'ambiguous',
    reason: 'deadline-exceeded',
    message: `${outcome.message} (cancelled by the server ${now - deadlineAt} ms from the call's deadline)`,
  };
}

function classifyUnbounded(error: unknown): EtcdOutcome {
  if (error instanceof EtcdRequestError) return error.outcome;
  const message = messageOf(error);
  // etcd3 throws this before sending anything (the client was closed, e.g. by a member's teardown).
  if (constructorName(error) === 'ClientClosedError') {
    return { kind: 'definite', reason: 'client-closed', message };
  }
  for (const [pattern, outcome] of MESSAGE_RULES) {
    if (message.includes(pattern)) return { ...outcome, message };
  }
  const code = grpcCode(error, message);
  const byCode = code === undefined ? undefined : CODE_OUTCOMES[code];
  if (byCode) return { ...byCode, message };
  if (constructorName(error) === 'TimeoutError' || /\btimed out\b/i.test(message)) {
    return { kind: 'ambiguous', reason: 'timed-out', message };
  }
  return { kind: 'ambiguous', reason: code === undefined ? 'unknown' : codeReason(code), message };
}

/** True when `error` is etcd answering that the backend quota is used up (`NOSPACE`); the write may have applied. */
export function isNoSpaceError(error: unknown): boolean {
  return classifyEtcdError(error).reason === 'no-space';
}

/** An etcd request that failed, with its classified outcome. */
export class EtcdRequestError extends HarnessError {
  override readonly name: string = 'EtcdRequestError';
  readonly outcome: EtcdOutcome;
  readonly operation: string;
  readonly endpoint: string | undefined;

  constructor(operation: string, outcome: EtcdOutcome, options: { endpoint?: string; cause?: unknown } = {}) {
    const applied = outcome.kind === 'definite' ? 'not applied' : 'may or may not have applied';
    super(`etcd ${operation} failed (${outcome.kind}: ${outcome.reason}, ${applied}): ${outcome.message}`, {
      cause: options.cause,
      context: { operation, endpoint: options.endpoint, outcome: outcome.kind, reason: outcome.reason },
    });
    this.outcome = outcome;
    this.operation = operation;
    this.endpoint = options.endpoint;
  }

  /** Wraps whatever an etcd3 call threw (an EtcdRequestError is returned as it is). */
  static from(error: unknown, operation: string, endpoint?: string): EtcdRequestError {
    if (error instanceof EtcdRequestError) return error;
    return new EtcdRequestError(operation, classifyEtcdError(error), { endpoint, cause: error });
  }

  get ambiguous(): boolean {
    return this.outcome.kind === 'ambiguous';
  }

  /**
   * Whether repeating the request may succeed. An ambiguous first attempt may also have applied, so only
   * idempotent requests (a put of the same key and value) should be repeated blindly.
   */
  override get retryable(): boolean {
    return TRANSIENT_REASONS.has(this.outcome.reason);
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message);
  return String(error);
}

function constructorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? error.constructor?.name : undefined;
}

function grpcCode(error: unknown, message: string): number | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number') {
    return error.code in GRPC_CODE_NAMES ? error.code : undefined;
  }
  const match = /^(\d{1,2}) ([A-Z_]+):/.exec(message);
  if (!match) return undefined;
  const code = Number(match[1]);
  return GRPC_CODE_NAMES[code] === match[2] ? code : undefined;
}

function codeReason(code: number): string {
  return (GRPC_CODE_NAMES[code] ?? 'unknown').toLowerCase().replace(/_/g, '-');
}
