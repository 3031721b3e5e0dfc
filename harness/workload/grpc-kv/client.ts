// The fast load path: etcd's KV service spoken as gRPC over a few HTTP/2 connections to one member, many requests
// multiplexed on each (what etcd's own benchmark tool does with --conns < --clients). Measured on 3.6.16 (`bench
// load`): etcd3 over grpc-js reached 15–25 % of etcd's tool at 32–128 puts in flight and node:http2 40–57 %; both
// spend 150–300 µs of CPU per put where the Go tool spends about 55, and on a 2-core machine running three members
// that CPU is the time between a raft batch's responses and the next batch's requests. So the connection is framed
// by hand (h2-connection.ts) and messages are encoded by hand (proto.ts). No retries, no load balancing: one client
// talks to one member, and every failure reaches the caller with its gRPC status, in the form the one error
// boundary (etcd-errors.ts) classifies.
import { readFileSync } from 'node:fs';
import type { ClientTls } from '../../cluster/clients.js';
import { HarnessError, InputError } from '../../errors.js';
import { grpcRequestHeaders, H2CallError, H2Connection, type H2ConnectionOptions } from './h2-connection.js';
import {
  decodeDeleteRange,
  decodeRangeResponse,
  decodeResponseHeader,
  decodeStatusResponse,
  encodeDeleteRange,
  encodePutRequest,
  encodeRangeRequest,
  encodeStatusRequest,
  encodeTxnPuts,
  type KvPut,
  type MemberStatus,
  type RangeQuery,
  type RangeResult,
  type ResponseHeader,
  unframe,
} from './proto.js';

export interface GrpcKvClientOptions {
  /** The member's client URL (`http://host:port` or `https://host:port`). */
  readonly endpoint: string;
  /** HTTP/2 connections to open; requests go round-robin over them (default 1). */
  readonly connections?: number;
  readonly tls?: ClientTls;
  /** Deadline of a call without its own (default 10 s). */
  readonly callTimeoutMs?: number;
}

export interface CallOptions {
  /** Epoch ms after which the call is cancelled and fails DEADLINE_EXCEEDED. */
  readonly deadlineAt?: number;
}

const GRPC_STATUS_NAMES: readonly string[] = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

/**
 * A gRPC call that did not return OK: the status code and etcd's message, as `"<code> <NAME>: <details>"` like
 * grpc-js, so `classifyEtcdError` reads both. A call that never left the client says "No connection established";
 * one whose connection broke while it was in flight says "Connection dropped" (it may have applied).
 */
export class GrpcStatusError extends HarnessError {
  override readonly name: string = 'GrpcStatusError';
  readonly code: number;
  readonly details: string;
  constructor(
    code: number,
    details: string,
    options: { endpoint?: string; method?: string; cause?: unknown } = {},
  ) {
    super(`${code} ${GRPC_STATUS_NAMES[code] ?? 'UNKNOWN'}: ${details}`, {
      cause: options.cause,
      context: { endpoint: options.endpoint, method: options.method, code },
    });
    this.code = code;
    this.details = details;
  }
}

const PATH_PUT = '/etcdserverpb.KV/Put';
const PATH_TXN = '/etcdserverpb.KV/Txn';
const PATH_RANGE = '/etcdserverpb.KV/Range';
const PATH_DELETE = '/etcdserverpb.KV/DeleteRange';
const PATH_STATUS = '/etcdserverpb.Maintenance/Status';

/** How often deadlines are checked: a call is cancelled at most this late. */
const SWEEP_MS = 10;

export class GrpcKvClient {
  readonly endpoint: string;
  private readonly connections: H2Connection[];
  private readonly connectionOptions: H2ConnectionOptions;
  private readonly headerBlocks = new Map<string, Buffer>();
  private readonly authority: string;
  private readonly secure: boolean;
  private readonly callTimeoutMs: number;
  private next = 0;
  private closed = false;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(options: GrpcKvClientOptions) {
    const { endpoint, connections = 1, tls, callTimeoutMs = 10_000 } = options;
    if (!Number.isInteger(connections) || connections < 1 || connections > 256)
      throw new InputError(
        `Expected \`connections\` to be an integer from 1 to 256, got \`${connections}\` (${typeof connections}).`,
      );
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch (error) {
      throw new InputError(`Expected an etcd client URL (http://host:port), got \`${endpoint}\`.`, {
        cause: error,
      });
    }
    if (url.protocol === 'https:' && !tls)
      throw new InputError(`\`${endpoint}\` is an https endpoint: pass the client TLS material.`);
    this.endpoint = endpoint;
    this.callTimeoutMs = callTimeoutMs;
    this.secure = Boolean(tls);
    this.authority = url.host;
    this.connectionOptions = {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || (this.secure ? 443 : 80)),
      ...(tls
        ? {
            tls: {
              ca: readFileSync(tls.caFile),
              ...(tls.certFile ? { cert: readFileSync(tls.certFile) } : {}),
              ...(tls.keyFile ? { key: readFileSync(tls.keyFile) } : {}),
              ...(tls.serverName ? { servername: tls.serverName } : {}),
            },
          }
        : {}),
    };
    this.connections = Array.from({ length: connections }, () => new H2Connection(this.connectionOptions));
  }

  /** How many HTTP/2 connections requests are spread over. */
  get connectionCount(): number {
    return this.connections.length;
  }

  async put(key: KvPut['key'], value: KvPut['value'], options: CallOptions = {}): Promise<ResponseHeader> {
    return decodeResponseHeader(await this.unary(PATH_PUT, encodePutRequest({ key, value }), options));
  }

  /** An unconditional transaction of puts: one raft entry, one revision (etcd refuses more than --max-txn-ops). */
  async txnPuts(puts: readonly KvPut[], options: CallOptions = {}): Promise<ResponseHeader> {
    return decodeResponseHeader(await this.unary(PATH_TXN, encodeTxnPuts(puts), options));
  }

  async range(query: RangeQuery, options: CallOptions = {}): Promise<RangeResult> {
    return decodeRangeResponse(await this.unary(PATH_RANGE, encodeRangeRequest(query), options));
  }

  async deleteRange(
    key: KvPut['key'],
    rangeEnd?: KvPut['key'],
    options: CallOptions = {},
  ): Promise<{ header: ResponseHeader; deleted: number }> {
    return decodeDeleteRange(await this.unary(PATH_DELETE, encodeDeleteRange(key, rangeEnd), options));
  }

  /** The member's status (db size, in use, leader, raft index), as `etcdctl endpoint status` reads it. */
  async status(options: CallOptions = {}): Promise<MemberStatus> {
    return decodeStatusResponse(await this.unary(PATH_STATUS, encodeStatusRequest(), options));
  }

  /** Closes every connection; calls in flight fail (ambiguous: they may have applied). */
  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const connection of this.connections) connection.close();
  }

  private pick(): H2Connection {
    const index = this.next;
    this.next = (this.next + 1) % this.connections.length;
    let connection = this.connections[index] as H2Connection;
    if (!connection.usable) {
      connection.close();
      connection = new H2Connection(this.connectionOptions);
      this.connections[index] = connection;
    }
    return connection;
  }

  private headerBlock(path: string): Buffer {
    let block = this.headerBlocks.get(path);
    if (!block) {
      block = grpcRequestHeaders(path, this.authority, this.secure);
      this.headerBlocks.set(path, block);
    }
    return block;
  }

  private async unary(path: string, body: Buffer, options: CallOptions): Promise<Buffer> {
    if (this.closed)
      throw new GrpcStatusError(14, 'No connection established (the client is closed)', {
        endpoint: this.endpoint,
        method: path,
      });
    const deadlineAt = options.deadlineAt ?? Date.now() + this.callTimeoutMs;
    this.ensureSweeper();
    let result: Awaited<ReturnType<H2Connection['call']>>;
    try {
      result = await this.pick().call(this.headerBlock(path), body, deadlineAt);
    } catch (error) {
      if (error instanceof H2CallError)
        throw new GrpcStatusError(error.grpcStatus, error.message, {
          endpoint: this.endpoint,
          method: path,
          cause: error,
        });
      throw error;
    }
    if (result.status !== 0)
      throw new GrpcStatusError(result.status, result.message, { endpoint: this.endpoint, method: path });
    return unframe(result.body);
  }

  /** One timer per client cancels calls past their deadline, instead of a timer per call. */
  private ensureSweeper(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => {
      const now = Date.now();
      let open = 0;
      for (const connection of this.connections) {
        connection.expire(now);
        open += connection.openStreams;
      }
      if (open === 0) {
        clearInterval(this.sweeper);
        this.sweeper = undefined;
      }
    }, SWEEP_MS);
    this.sweeper.unref();
  }
}
