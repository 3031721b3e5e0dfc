// One HTTP/2 connection (RFC 9113) for unary gRPC calls, framed by hand over a TCP or TLS socket. node:http2 builds
// a Duplex stream object, a headers object and several events per call, and spends about 150 µs of CPU per etcd put
// on it; a gRPC client at etcd's own speed must turn a response into the next request in a few µs, because a
// member's raft batches only grow when the next requests arrive while the last batch is on disk. This connection
// keeps per-call state to one record in a map, writes every frame produced in one event-loop turn with one syscall,
// announces a zero-size HPACK table (so response headers decode without state) and large receive windows. Like
// grpc-js, it sends no call before the server's SETTINGS arrive: a connection that breaks before then (a member that
// is down behind its Toxiproxy proxy accepts TCP and closes) carried no request, so its calls definitely did not apply.
import net from 'node:net';
import tls from 'node:tls';
import { HarnessError } from '../../errors.js';
import { decodeHeaderBlock, encodeHeaderBlock, type HeaderList } from './hpack.js';

export interface H2ConnectionOptions {
  readonly host: string;
  readonly port: number;
  /** TLS with ALPN `h2` when given. */
  readonly tls?: {
    readonly ca: Buffer;
    readonly cert?: Buffer;
    readonly key?: Buffer;
    readonly servername?: string;
  };
}

/** How a call ended: gRPC status, its message, and the response message (framed) when the status is 0. */
export interface H2CallResult {
  readonly status: number;
  readonly message: string;
  readonly body: Buffer;
}

/** A call that ended without a gRPC status (the connection broke, or the server reset the stream). */
export class H2CallError extends HarnessError {
  override readonly name: string = 'H2CallError';
  constructor(
    message: string,
    /** The request never reached the server (no connection, or refused by GOAWAY): it did not apply. */
    readonly notSent: boolean,
    /** The gRPC status this maps to (RST_STREAM codes per gRPC's PROTOCOL-HTTP2.md). */
    readonly grpcStatus: number,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

const FRAME_DATA = 0x0;
const FRAME_HEADERS = 0x1;
const FRAME_RST_STREAM = 0x3;
const FRAME_SETTINGS = 0x4;
const FRAME_PUSH_PROMISE = 0x5;
const FRAME_PING = 0x6;
const FRAME_GOAWAY = 0x7;
const FRAME_WINDOW_UPDATE = 0x8;
const FRAME_CONTINUATION = 0x9;

const FLAG_END_STREAM = 0x1;
const FLAG_ACK = 0x1;
const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;

const SETTINGS_HEADER_TABLE_SIZE = 0x1;
const SETTINGS_ENABLE_PUSH = 0x2;
const SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
const SETTINGS_MAX_FRAME_SIZE = 0x5;

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const DEFAULT_WINDOW = 65_535;
/** What this client lets the server send before it must wait for a WINDOW_UPDATE. */
const RECEIVE_WINDOW = 1 << 30;
const MAX_STREAM_ID = 2 ** 31 - 1;

// RST_STREAM error codes to gRPC status codes (grpc/grpc doc/PROTOCOL-HTTP2.md, "Errors").
const RST_TO_GRPC: Readonly<Record<number, number>> = { 7: 14, 8: 1, 11: 8, 12: 7 };

interface Stream {
  readonly id: number;
  /** HEADERS were written (only once the server's SETTINGS arrived): the server may have the request. */
  sent: boolean;
  /** The request's header block while the call waits for the server's SETTINGS. */
  requestHeaders: Buffer | undefined;
  readonly resolve: (result: H2CallResult) => void;
  readonly reject: (error: Error) => void;
  readonly deadlineAt: number;
  readonly chunks: Buffer[];
  status: number | undefined;
  message: string;
  httpStatus: string | undefined;
  sendWindow: number;
  body: Buffer;
  bodyOffset: number;
  headerBlock: Buffer[] | undefined;
  headerEndsStream: boolean;
}

function frameHeader(length: number, type: number, flags: number, streamId: number): Buffer {
  const header = Buffer.allocUnsafe(9);
  header.writeUIntBE(length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return header;
}

export class H2Connection {
  private readonly socket: net.Socket;
  private readonly streams = new Map<number, Stream>();
  private readonly sendQueue: Stream[] = [];
  private readonly headerCache = new Map<string, HeaderList>();
  private readonly outgoing: Buffer[] = [];
  private flushScheduled = false;
  private nextStreamId = 1;
  private connectionSendWindow = DEFAULT_WINDOW;
  private peerInitialWindow = DEFAULT_WINDOW;
  private peerMaxFrameSize = 16_384;
  private receivedSinceUpdate = 0;
  private pending: Buffer = Buffer.alloc(0);
  /** TCP (or TLS) is up: the preface and SETTINGS may leave. */
  private connected = false;
  /** The server's SETTINGS arrived: calls may be sent (grpc-js's READY). */
  private established = false;
  /** Calls made before the server's SETTINGS, in stream-id order. */
  private readonly unsent: Stream[] = [];
  private goneAway = false;
  private closedError: H2CallError | undefined;
  private continuationStream: Stream | undefined;

  constructor(options: H2ConnectionOptions) {
    if (options.tls) {
      const socket = tls.connect({
        host: options.host,
        port: options.port,
        ca: options.tls.ca,
        cert: options.tls.cert,
        key: options.tls.key,
        servername: options.tls.servername,
        ALPNProtocols: ['h2'],
      });
      socket.once('secureConnect', () => {
        if (socket.alpnProtocol !== 'h2') {
          this.fail(
            new H2CallError(`the server did not agree to HTTP/2 (ALPN: ${socket.alpnProtocol})`, true, 14),
          );
          return;
        }
        this.onConnect();
      });
      this.socket = socket;
    } else {
      this.socket = net.connect({ host: options.host, port: options.port });
      this.socket.once('connect', () => this.onConnect());
    }
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (error) => this.fail(this.brokenError(error)));
    this.socket.on('close', () => this.fail(this.brokenError(undefined)));
    // Before the connection is up, frames wait in `outgoing` behind the preface and settings.
    this.write(PREFACE);
    this.write(
      this.settingsFrame([
        [SETTINGS_HEADER_TABLE_SIZE, 0],
        [SETTINGS_ENABLE_PUSH, 0],
        [SETTINGS_INITIAL_WINDOW_SIZE, RECEIVE_WINDOW],
      ]),
    );
    this.write(this.windowUpdateFrame(0, RECEIVE_WINDOW - DEFAULT_WINDOW));
  }

  /** Whether new calls may start on this connection (not closed, broken or told to go away). */
  get usable(): boolean {
    return this.closedError === undefined && !this.goneAway && this.nextStreamId < MAX_STREAM_ID;
  }

  get openStreams(): number {
    return this.streams.size;
  }

  /** Starts a unary call: HEADERS (the precomputed `headerBlock`) and the framed request message. */
  call(headerBlock: Buffer, body: Buffer, deadlineAt: number): Promise<H2CallResult> {
    if (!this.usable)
      return Promise.reject(
        this.closedError ??
          new H2CallError('No connection established (the connection is going away)', true, 14),
      );
    return new Promise<H2CallResult>((resolve, reject) => {
      const id = this.nextStreamId;
      this.nextStreamId += 2;
      const stream: Stream = {
        id,
        sent: false,
        requestHeaders: undefined,
        resolve,
        reject,
        deadlineAt,
        chunks: [],
        status: undefined,
        message: '',
        httpStatus: undefined,
        sendWindow: this.peerInitialWindow,
        body,
        bodyOffset: 0,
        headerBlock: undefined,
        headerEndsStream: false,
      };
      this.streams.set(id, stream);
      if (this.established) this.send(stream, headerBlock);
      else {
        stream.requestHeaders = headerBlock;
        this.unsent.push(stream);
      }
    });
  }

  /** Writes a call's HEADERS and queues its request body. */
  private send(stream: Stream, headerBlock: Buffer): void {
    stream.sent = true;
    this.write(frameHeader(headerBlock.length, FRAME_HEADERS, FLAG_END_HEADERS, stream.id));
    this.write(headerBlock);
    this.sendQueue.push(stream);
    this.pumpData();
  }

  /** The server's SETTINGS arrived: the calls made meanwhile leave, in stream-id order. */
  private onEstablished(): void {
    this.established = true;
    for (const stream of this.unsent.splice(0)) {
      const block = stream.requestHeaders;
      stream.requestHeaders = undefined;
      // A call whose deadline passed while it waited is gone from the map; skipping its id is allowed (RFC 9113 §5.1.1).
      if (block && this.streams.has(stream.id)) this.send(stream, block);
    }
  }

  /** Cancels calls whose deadline passed (RST_STREAM CANCEL): they fail DEADLINE_EXCEEDED. Returns how many. */
  expire(now: number): number {
    let expired = 0;
    for (const stream of this.streams.values()) {
      if (stream.deadlineAt > now) continue;
      expired++;
      this.streams.delete(stream.id);
      // A call never sent has no stream on the server to cancel (RST_STREAM on an idle stream is a protocol error).
      if (stream.sent) this.write(this.rstFrame(stream.id, 0x8));
      stream.resolve({ status: 4, message: 'Deadline exceeded', body: Buffer.alloc(0) });
    }
    return expired;
  }

  close(): void {
    this.fail(new H2CallError('Connection dropped (the client was closed)', false, 14));
  }

  private onConnect(): void {
    this.connected = true;
    this.scheduleFlush();
  }

  private brokenError(cause: Error | undefined): H2CallError {
    const reason = cause ? ` (${cause.message})` : '';
    return this.established
      ? new H2CallError(`Connection dropped${reason}`, false, 14, { cause })
      : new H2CallError(
          `No connection established${reason || (this.connected ? ' (closed before the server’s SETTINGS)' : '')}`,
          true,
          14,
          { cause },
        );
  }

  /** Fails every open call and closes the socket (idempotent). */
  private fail(error: H2CallError): void {
    if (this.closedError) return;
    this.closedError = error;
    // A call still waiting for the server's SETTINGS never left this client, whatever broke the connection.
    const notSent = error.notSent
      ? error
      : // Not the broken connection's message: "Connection dropped" in it would read as ambiguous.
        new H2CallError(
          'No connection established (the connection ended before the server’s SETTINGS: the call was not sent)',
          true,
          14,
          { cause: error },
        );
    for (const stream of this.streams.values()) stream.reject(stream.sent ? error : notSent);
    this.streams.clear();
    this.sendQueue.length = 0;
    this.unsent.length = 0;
    this.socket.destroy();
  }

  private write(buffer: Buffer): void {
    this.outgoing.push(buffer);
    this.scheduleFlush();
  }

  /** Every frame made in this event-loop turn leaves in one write (one syscall, one segment when it fits). */
  private scheduleFlush(): void {
    if (this.flushScheduled || !this.connected) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.closedError || this.outgoing.length === 0) return;
      const data = this.outgoing.length === 1 ? (this.outgoing[0] as Buffer) : Buffer.concat(this.outgoing);
      this.outgoing.length = 0;
      this.socket.write(data);
    });
  }

  /** Sends request bodies as far as the connection's and each stream's send windows allow. */
  private pumpData(): void {
    while (this.sendQueue.length > 0) {
      const stream = this.sendQueue[0] as Stream;
      if (!this.streams.has(stream.id)) {
        this.sendQueue.shift();
        continue;
      }
      const remaining = stream.body.length - stream.bodyOffset;
      const allowed = Math.min(
        remaining,
        this.connectionSendWindow,
        stream.sendWindow,
        this.peerMaxFrameSize,
      );
      if (allowed <= 0 && remaining > 0) return; // wait for a WINDOW_UPDATE
      const last = allowed === remaining;
      this.write(frameHeader(allowed, FRAME_DATA, last ? FLAG_END_STREAM : 0, stream.id));
      if (allowed > 0) this.write(stream.body.subarray(stream.bodyOffset, stream.bodyOffset + allowed));
      stream.bodyOffset += allowed;
      stream.sendWindow -= allowed;
      this.connectionSendWindow -= allowed;
      if (last) {
        this.sendQueue.shift();
        stream.body = Buffer.alloc(0);
      }
    }
  }

  private settingsFrame(settings: readonly (readonly [number, number])[]): Buffer {
    const payload = Buffer.allocUnsafe(settings.length * 6);
    settings.forEach(([id, value], index) => {
      payload.writeUInt16BE(id, index * 6);
      payload.writeUInt32BE(value, index * 6 + 2);
    });
    return Buffer.concat([frameHeader(payload.length, FRAME_SETTINGS, 0, 0), payload]);
  }

  private windowUpdateFrame(streamId: number, increment: number): Buffer {
    const frame = frameHeader(4, FRAME_WINDOW_UPDATE, 0, streamId);
    const payload = Buffer.allocUnsafe(4);
    payload.writeUInt32BE(increment, 0);
    return Buffer.concat([frame, payload]);
  }

  private rstFrame(streamId: number, code: number): Buffer {
    const payload = Buffer.allocUnsafe(4);
    payload.writeUInt32BE(code, 0);
    return Buffer.concat([frameHeader(4, FRAME_RST_STREAM, 0, streamId), payload]);
  }

  private onData(chunk: Buffer): void {
    let buffer = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let offset = 0;
    try {
      while (buffer.length - offset >= 9) {
        const length = buffer.readUIntBE(offset, 3);
        if (buffer.length - offset < 9 + length) break;
        const type = buffer[offset + 3] as number;
        const flags = buffer[offset + 4] as number;
        const streamId = buffer.readUInt32BE(offset + 5) & 0x7fffffff;
        const payload = buffer.subarray(offset + 9, offset + 9 + length);
        offset += 9 + length;
        this.onFrame(type, flags, streamId, payload);
        if (this.closedError) return;
      }
    } catch (error) {
      this.fail(
        new H2CallError(`Connection dropped (HTTP/2 protocol error: ${String(error)})`, false, 13, {
          cause: error,
        }),
      );
      return;
    }
    buffer = buffer.subarray(offset);
    this.pending = buffer.length === 0 ? Buffer.alloc(0) : Buffer.from(buffer);
  }

  private onFrame(type: number, flags: number, streamId: number, payload: Buffer): void {
    if (this.continuationStream && type !== FRAME_CONTINUATION)
      throw new Error('a header block was interrupted by another frame');
    switch (type) {
      case FRAME_DATA:
        this.onDataFrame(flags, streamId, payload);
        return;
      case FRAME_HEADERS:
        this.onHeadersFrame(flags, streamId, payload);
        return;
      case FRAME_CONTINUATION:
        this.onContinuation(flags, streamId, payload);
        return;
      case FRAME_RST_STREAM:
        this.onReset(streamId, payload.readUInt32BE(0));
        return;
      case FRAME_SETTINGS:
        if (flags & FLAG_ACK) return;
        for (let index = 0; index + 6 <= payload.length; index += 6)
          this.applySetting(payload.readUInt16BE(index), payload.readUInt32BE(index + 2));
        this.write(frameHeader(0, FRAME_SETTINGS, FLAG_ACK, 0));
        if (!this.established) this.onEstablished();
        this.pumpData();
        return;
      case FRAME_PING:
        if (!(flags & FLAG_ACK))
          this.write(Buffer.concat([frameHeader(8, FRAME_PING, FLAG_ACK, 0), payload]));
        return;
      case FRAME_GOAWAY:
        this.onGoAway(payload.readUInt32BE(0) & 0x7fffffff, payload.readUInt32BE(4));
        return;
      case FRAME_WINDOW_UPDATE: {
        const increment = payload.readUInt32BE(0) & 0x7fffffff;
        if (streamId === 0) this.connectionSendWindow += increment;
        else {
          const stream = this.streams.get(streamId);
          if (stream) stream.sendWindow += increment;
        }
        this.pumpData();
        return;
      }
      case FRAME_PUSH_PROMISE:
        throw new Error('PUSH_PROMISE although push is disabled');
      default:
        return; // PRIORITY and unknown frame types are ignored (RFC 9113 §4.1, §5.5)
    }
  }

  private applySetting(id: number, value: number): void {
    if (id === SETTINGS_INITIAL_WINDOW_SIZE) {
      const delta = value - this.peerInitialWindow;
      this.peerInitialWindow = value;
      for (const stream of this.streams.values()) stream.sendWindow += delta;
    } else if (id === SETTINGS_MAX_FRAME_SIZE) this.peerMaxFrameSize = value;
  }

  private onDataFrame(flags: number, streamId: number, payload: Buffer): void {
    this.receivedSinceUpdate += payload.length;
    if (this.receivedSinceUpdate >= RECEIVE_WINDOW / 2) {
      this.write(this.windowUpdateFrame(0, this.receivedSinceUpdate));
      this.receivedSinceUpdate = 0;
    }
    const stream = this.streams.get(streamId);
    if (!stream) return; // a stream that was cancelled or reset
    let data = payload;
    if (flags & FLAG_PADDED) data = payload.subarray(1, payload.length - (payload[0] as number));
    if (data.length > 0) stream.chunks.push(Buffer.from(data));
    // One response per stream: its receive window (1 GiB) cannot run out, so no stream WINDOW_UPDATE is needed.
    if (flags & FLAG_END_STREAM) this.finish(stream);
  }

  private onHeadersFrame(flags: number, streamId: number, payload: Buffer): void {
    let block = payload;
    if (flags & FLAG_PADDED) block = block.subarray(1, block.length - (payload[0] as number));
    if (flags & FLAG_PRIORITY) block = block.subarray(5);
    const stream = this.streams.get(streamId);
    if (!(flags & FLAG_END_HEADERS)) {
      // The block continues in CONTINUATION frames; a stream already gone still has its block read through.
      const holder: Stream = stream ?? this.orphanStream(streamId);
      holder.headerBlock = [Buffer.from(block)];
      holder.headerEndsStream = (flags & FLAG_END_STREAM) !== 0;
      this.continuationStream = holder;
      return;
    }
    if (!stream) return;
    this.applyHeaders(stream, block);
    if (flags & FLAG_END_STREAM) this.finish(stream);
  }

  private onContinuation(flags: number, streamId: number, payload: Buffer): void {
    const stream = this.continuationStream;
    if (!stream || stream.id !== streamId) throw new Error('CONTINUATION without a header block in progress');
    stream.headerBlock?.push(Buffer.from(payload));
    if (!(flags & FLAG_END_HEADERS)) return;
    this.continuationStream = undefined;
    const block = Buffer.concat(stream.headerBlock ?? []);
    stream.headerBlock = undefined;
    if (!this.streams.has(stream.id)) return;
    this.applyHeaders(stream, block);
    if (stream.headerEndsStream) this.finish(stream);
  }

  private orphanStream(id: number): Stream {
    return {
      id,
      sent: true,
      requestHeaders: undefined,
      resolve: () => undefined,
      reject: () => undefined,
      deadlineAt: 0,
      chunks: [],
      status: undefined,
      message: '',
      httpStatus: undefined,
      sendWindow: 0,
      body: Buffer.alloc(0),
      bodyOffset: 0,
      headerBlock: undefined,
      headerEndsStream: false,
    };
  }

  /** Header blocks repeat byte for byte (no dynamic table): decoded once, then looked up. */
  private applyHeaders(stream: Stream, block: Buffer): void {
    const key = block.toString('latin1');
    let headers = this.headerCache.get(key);
    if (!headers) {
      headers = decodeHeaderBlock(block);
      if (this.headerCache.size < 256) this.headerCache.set(key, headers);
    }
    for (const [name, value] of headers) {
      if (name === 'grpc-status') stream.status = Number(value);
      else if (name === 'grpc-message') stream.message = safeDecode(value);
      else if (name === ':status') stream.httpStatus = value;
    }
  }

  private finish(stream: Stream): void {
    this.streams.delete(stream.id);
    if (stream.status !== undefined) {
      const body = stream.chunks.length === 1 ? (stream.chunks[0] as Buffer) : Buffer.concat(stream.chunks);
      stream.resolve({ status: stream.status, message: stream.message, body });
      this.closeIfDone();
      return;
    }
    // No grpc-status: an HTTP-level answer (gRPC's HTTP-to-gRPC status mapping).
    const http = Number(stream.httpStatus);
    const status =
      http === 401 ? 16 : http === 403 ? 7 : http === 404 ? 12 : [429, 502, 503, 504].includes(http) ? 14 : 2;
    stream.resolve({
      status,
      message: `the server answered HTTP ${stream.httpStatus ?? '(no status)'} without a gRPC status`,
      body: Buffer.alloc(0),
    });
    this.closeIfDone();
  }

  private onReset(streamId: number, code: number): void {
    const stream = this.streams.get(streamId);
    if (!stream) return;
    this.streams.delete(streamId);
    stream.reject(
      new H2CallError(
        `stream reset by the server (RST_STREAM ${code})`,
        code === 0x7,
        RST_TO_GRPC[code] ?? 13,
      ),
    );
    this.closeIfDone();
  }

  private onGoAway(lastStreamId: number, code: number): void {
    this.goneAway = true;
    // Streams above the last one the server processed were not processed (RFC 9113 §6.8): they did not apply.
    for (const stream of [...this.streams.values()]) {
      if (stream.id <= lastStreamId) continue;
      this.streams.delete(stream.id);
      stream.reject(
        new H2CallError(
          `No connection established (GOAWAY ${code}: the server did not process the call)`,
          true,
          14,
        ),
      );
    }
    this.closeIfDone();
  }

  private closeIfDone(): void {
    if (this.goneAway && this.streams.size === 0)
      this.fail(new H2CallError('Connection dropped (GOAWAY)', false, 14));
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // grpc-message is percent-encoded; a malformed one is shown as sent
  }
}

/** The request header block of a gRPC call: computed once per method and endpoint. */
export function grpcRequestHeaders(path: string, authority: string, secure: boolean): Buffer {
  return encodeHeaderBlock([
    [':method', 'POST'],
    [':scheme', secure ? 'https' : 'http'],
    [':path', path],
    [':authority', authority],
    ['content-type', 'application/grpc'],
    ['te', 'trailers'],
  ]);
}
