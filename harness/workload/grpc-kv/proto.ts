// The few etcd KV messages the fast load path sends and reads (etcdserverpb, api/etcdserverpb/rpc.proto), encoded
// and decoded by hand: a put is two length-delimited fields, and a response needs only its header's revision. A
// generic protobuf runtime costs more CPU per request than the request itself on a 2-core machine.
import { HarnessError } from '../../errors.js';

/** A put as etcd's PutRequest carries it (key and value as bytes). */
export interface KvPut {
  readonly key: Uint8Array | string;
  readonly value: Uint8Array | string;
}

/** What the load path needs from every KV response: etcd's ResponseHeader. */
export interface ResponseHeader {
  readonly revision: number;
  readonly raftTerm: number;
  readonly memberId: bigint;
}

export interface RangeResult {
  readonly header: ResponseHeader;
  readonly count: number;
  readonly kvs: readonly { readonly key: Buffer; readonly value: Buffer; readonly modRevision: number }[];
  readonly more: boolean;
}

export interface RangeQuery {
  readonly key: Uint8Array | string;
  /** Exclusive end of the range; `\0` means every key from `key` on. */
  readonly rangeEnd?: Uint8Array | string;
  readonly limit?: number;
  readonly countOnly?: boolean;
  readonly keysOnly?: boolean;
  readonly serializable?: boolean;
}

export class ProtoDecodeError extends HarnessError {
  override readonly name: string = 'ProtoDecodeError';
}

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

function bytesOf(value: Uint8Array | string): Uint8Array {
  return typeof value === 'string' ? Buffer.from(value) : value;
}

function varintLength(value: number): number {
  let length = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    length++;
  }
  return length;
}

function writeVarint(target: Buffer, offset: number, value: number): number {
  while (value >= 0x80) {
    target[offset++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  target[offset++] = value;
  return offset;
}

/** Size of a length-delimited field (tag, length, bytes). */
function lenFieldSize(field: number, length: number): number {
  return varintLength(field << 3) + varintLength(length) + length;
}

function writeLenField(target: Buffer, offset: number, field: number, bytes: Uint8Array): number {
  offset = writeVarint(target, offset, (field << 3) | WIRE_LEN);
  offset = writeVarint(target, offset, bytes.length);
  target.set(bytes, offset);
  return offset + bytes.length;
}

function writeVarintField(target: Buffer, offset: number, field: number, value: number): number {
  offset = writeVarint(target, offset, (field << 3) | WIRE_VARINT);
  return writeVarint(target, offset, value);
}

/** gRPC's 5-byte message prefix (uncompressed, big-endian length) followed by room for the message. */
function framed(messageLength: number): { buffer: Buffer; offset: number } {
  const buffer = Buffer.allocUnsafe(5 + messageLength);
  buffer[0] = 0;
  buffer.writeUInt32BE(messageLength, 1);
  return { buffer, offset: 5 };
}

function putSize(key: Uint8Array, value: Uint8Array): number {
  return lenFieldSize(1, key.length) + (value.length > 0 ? lenFieldSize(2, value.length) : 0);
}

function writePut(target: Buffer, offset: number, key: Uint8Array, value: Uint8Array): number {
  offset = writeLenField(target, offset, 1, key);
  return value.length > 0 ? writeLenField(target, offset, 2, value) : offset;
}

/** A gRPC-framed PutRequest { key = 1, value = 2 }. */
export function encodePutRequest(put: KvPut): Buffer {
  const key = bytesOf(put.key);
  const value = bytesOf(put.value);
  const { buffer, offset } = framed(putSize(key, value));
  writePut(buffer, offset, key, value);
  return buffer;
}

/**
 * A gRPC-framed TxnRequest with no compares and every put in `success` (RequestOp { request_put = 2 }): an
 * unconditional batch, applied atomically as one raft entry and one revision.
 */
export function encodeTxnPuts(puts: readonly KvPut[]): Buffer {
  const encoded = puts.map((put) => ({ key: bytesOf(put.key), value: bytesOf(put.value) }));
  const opSizes = encoded.map(({ key, value }) => lenFieldSize(2, putSize(key, value)));
  const total = opSizes.reduce((sum, size) => sum + lenFieldSize(2, size), 0);
  const { buffer } = framed(total);
  let offset = 5;
  for (const [index, { key, value }] of encoded.entries()) {
    const putLength = putSize(key, value);
    offset = writeVarint(buffer, offset, (2 << 3) | WIRE_LEN); // TxnRequest.success
    offset = writeVarint(buffer, offset, opSizes[index] as number);
    offset = writeVarint(buffer, offset, (2 << 3) | WIRE_LEN); // RequestOp.request_put
    offset = writeVarint(buffer, offset, putLength);
    offset = writePut(buffer, offset, key, value);
  }
  return buffer;
}

/** A gRPC-framed RangeRequest. */
export function encodeRangeRequest(query: RangeQuery): Buffer {
  const key = bytesOf(query.key);
  const rangeEnd = query.rangeEnd === undefined ? undefined : bytesOf(query.rangeEnd);
  let size = lenFieldSize(1, key.length);
  if (rangeEnd) size += lenFieldSize(2, rangeEnd.length);
  if (query.limit) size += 1 + varintLength(query.limit);
  if (query.serializable) size += 2;
  if (query.keysOnly) size += 2;
  if (query.countOnly) size += 2;
  const { buffer } = framed(size);
  let offset = writeLenField(buffer, 5, 1, key);
  if (rangeEnd) offset = writeLenField(buffer, offset, 2, rangeEnd);
  if (query.limit) offset = writeVarintField(buffer, offset, 3, query.limit);
  if (query.serializable) offset = writeVarintField(buffer, offset, 7, 1);
  if (query.keysOnly) offset = writeVarintField(buffer, offset, 8, 1);
  if (query.countOnly) writeVarintField(buffer, offset, 9, 1);
  return buffer;
}

/** A gRPC-framed DeleteRangeRequest { key = 1, range_end = 2 }. */
export function encodeDeleteRange(key: Uint8Array | string, rangeEnd?: Uint8Array | string): Buffer {
  const keyBytes = bytesOf(key);
  const endBytes = rangeEnd === undefined ? undefined : bytesOf(rangeEnd);
  const { buffer } = framed(
    lenFieldSize(1, keyBytes.length) + (endBytes ? lenFieldSize(2, endBytes.length) : 0),
  );
  const offset = writeLenField(buffer, 5, 1, keyBytes);
  if (endBytes) writeLenField(buffer, offset, 2, endBytes);
  return buffer;
}

/** The end of the range holding every key with `prefix` (etcd's `clientv3.GetPrefixRangeEnd`). */
export function prefixRangeEnd(prefix: string): Buffer {
  const bytes = Buffer.from(prefix);
  for (let index = bytes.length - 1; index >= 0; index--) {
    if ((bytes[index] as number) < 0xff) {
      const end = Buffer.from(bytes.subarray(0, index + 1));
      end[index] = (end[index] as number) + 1;
      return end;
    }
  }
  return Buffer.from([0]);
}

/** A reader over one protobuf message. */
class Reader {
  offset: number;
  constructor(
    readonly buffer: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.offset = start;
  }

  get done(): boolean {
    return this.offset >= this.end;
  }

  varint(): number {
    let result = 0;
    let multiplier = 1;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.offset >= this.end) throw new ProtoDecodeError('truncated varint in an etcd response');
      const byte = this.buffer[this.offset++] as number;
      result += (byte & 0x7f) * multiplier;
      if (byte < 0x80) return result;
      multiplier *= 0x80;
    }
    throw new ProtoDecodeError('varint longer than 10 bytes in an etcd response');
  }

  bigVarint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.offset >= this.end) throw new ProtoDecodeError('truncated varint in an etcd response');
      const byte = this.buffer[this.offset++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return result;
    }
    throw new ProtoDecodeError('varint longer than 10 bytes in an etcd response');
  }

  /** A length-delimited field's bounds. */
  bounds(): { start: number; end: number } {
    const length = this.varint();
    const start = this.offset;
    const end = start + length;
    if (end > this.end) throw new ProtoDecodeError('a field runs past the end of an etcd response');
    this.offset = end;
    return { start, end };
  }

  skip(wireType: number): void {
    if (wireType === WIRE_VARINT) this.varint();
    else if (wireType === WIRE_I64) this.offset += 8;
    else if (wireType === WIRE_LEN) this.bounds();
    else if (wireType === WIRE_I32) this.offset += 4;
    else throw new ProtoDecodeError(`unsupported protobuf wire type ${wireType} in an etcd response`);
  }
}

function decodeHeader(buffer: Buffer, start: number, end: number): ResponseHeader {
  const reader = new Reader(buffer, start, end);
  let revision = 0;
  let raftTerm = 0;
  let memberId = 0n;
  while (!reader.done) {
    const tag = reader.varint();
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field === 2 && wireType === WIRE_VARINT) memberId = reader.bigVarint();
    else if (field === 3 && wireType === WIRE_VARINT) revision = reader.varint();
    else if (field === 4 && wireType === WIRE_VARINT) raftTerm = reader.varint();
    else reader.skip(wireType);
  }
  return { revision, raftTerm, memberId };
}

/** Strips the 5-byte gRPC prefix of a response message; refuses compressed or truncated ones. */
export function unframe(frame: Buffer): Buffer {
  if (frame.length < 5) throw new ProtoDecodeError(`a gRPC response of ${frame.length} bytes has no message`);
  if (frame[0] !== 0) throw new ProtoDecodeError('a compressed gRPC response (the client asked for none)');
  const length = frame.readUInt32BE(1);
  if (frame.length < 5 + length)
    throw new ProtoDecodeError(`a gRPC response announced ${length} bytes but carried ${frame.length - 5}`);
  return frame.subarray(5, 5 + length);
}

/** The ResponseHeader (field 1) of a PutResponse, TxnResponse or DeleteRangeResponse. */
export function decodeResponseHeader(message: Buffer): ResponseHeader {
  const reader = new Reader(message, 0, message.length);
  while (!reader.done) {
    const tag = reader.varint();
    if (tag === ((1 << 3) | WIRE_LEN)) {
      const { start, end } = reader.bounds();
      return decodeHeader(message, start, end);
    }
    reader.skip(tag & 7);
  }
  throw new ProtoDecodeError('an etcd response without a header');
}

/** A DeleteRangeResponse: its header and how many keys were deleted. */
export function decodeDeleteRange(message: Buffer): { header: ResponseHeader; deleted: number } {
  const reader = new Reader(message, 0, message.length);
  let header: ResponseHeader | undefined;
  let deleted = 0;
  while (!reader.done) {
    const tag = reader.varint();
    if (tag === ((1 << 3) | WIRE_LEN)) {
      const { start, end } = reader.bounds();
      header = decodeHeader(message, start, end);
    } else if (tag === ((2 << 3) | WIRE_VARINT)) deleted = reader.varint();
    else reader.skip(tag & 7);
  }
  if (!header) throw new ProtoDecodeError('an etcd response without a header');
  return { header, deleted };
}

/** A RangeResponse { header = 1, kvs = 2, more = 3, count = 4 }. */
export function decodeRangeResponse(message: Buffer): RangeResult {
  const reader = new Reader(message, 0, message.length);
  let header: ResponseHeader | undefined;
  let count = 0;
  let more = false;
  const kvs: { key: Buffer; value: Buffer; modRevision: number }[] = [];
  while (!reader.done) {
    const tag = reader.varint();
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field === 1 && wireType === WIRE_LEN) {
      const { start, end } = reader.bounds();
      header = decodeHeader(message, start, end);
    } else if (field === 2 && wireType === WIRE_LEN) {
      const { start, end } = reader.bounds();
      kvs.push(decodeKeyValue(message, start, end));
    } else if (field === 3 && wireType === WIRE_VARINT) more = reader.varint() !== 0;
    else if (field === 4 && wireType === WIRE_VARINT) count = reader.varint();
    else reader.skip(wireType);
  }
  if (!header) throw new ProtoDecodeError('an etcd response without a header');
  return { header, count, kvs, more };
}

function decodeKeyValue(buffer: Buffer, start: number, end: number) {
  const reader = new Reader(buffer, start, end);
  let key: Buffer = Buffer.alloc(0);
  let value: Buffer = Buffer.alloc(0);
  let modRevision = 0;
  while (!reader.done) {
    const tag = reader.varint();
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field === 1 && wireType === WIRE_LEN) {
      const bounds = reader.bounds();
      key = buffer.subarray(bounds.start, bounds.end);
    } else if (field === 5 && wireType === WIRE_LEN) {
      const bounds = reader.bounds();
      value = buffer.subarray(bounds.start, bounds.end);
    } else if (field === 3 && wireType === WIRE_VARINT) modRevision = reader.varint();
    else reader.skip(wireType);
  }
  return { key, value, modRevision };
}

/** What the load path reads from Maintenance/Status: sizes and raft position (StatusResponse, rpc.proto). */
export interface MemberStatus {
  readonly header: ResponseHeader;
  readonly version: string;
  readonly dbSizeBytes: number;
  readonly dbSizeInUseBytes: number;
  readonly leader: bigint;
  readonly raftIndex: number;
  readonly raftTerm: number;
}

/** A gRPC-framed, empty StatusRequest. */
export function encodeStatusRequest(): Buffer {
  return framed(0).buffer;
}

/** A StatusResponse { header = 1, version = 2, dbSize = 3, leader = 4, raftIndex = 5, raftTerm = 6, dbSizeInUse = 9 }. */
export function decodeStatusResponse(message: Buffer): MemberStatus {
  const reader = new Reader(message, 0, message.length);
  let header: ResponseHeader | undefined;
  let version = '';
  let dbSizeBytes = 0;
  let dbSizeInUseBytes = Number.NaN;
  let leader = 0n;
  let raftIndex = 0;
  let raftTerm = 0;
  while (!reader.done) {
    const tag = reader.varint();
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field === 1 && wireType === WIRE_LEN) {
      const { start, end } = reader.bounds();
      header = decodeHeader(message, start, end);
    } else if (field === 2 && wireType === WIRE_LEN) {
      const { start, end } = reader.bounds();
      version = message.toString('utf8', start, end);
    } else if (field === 3 && wireType === WIRE_VARINT) dbSizeBytes = reader.varint();
    else if (field === 4 && wireType === WIRE_VARINT) leader = reader.bigVarint();
    else if (field === 5 && wireType === WIRE_VARINT) raftIndex = reader.varint();
    else if (field === 6 && wireType === WIRE_VARINT) raftTerm = reader.varint();
    else if (field === 9 && wireType === WIRE_VARINT) dbSizeInUseBytes = reader.varint();
    else reader.skip(wireType);
  }
  if (!header) throw new ProtoDecodeError('an etcd response without a header');
  return { header, version, dbSizeBytes, dbSizeInUseBytes, leader, raftIndex, raftTerm };
}
