// HPACK as the fast load path uses it: RFC 7541's own examples decode, request blocks round-trip, and a block that
// refers to the dynamic table (which this client announces as size 0) is refused rather than misread.
import { describe, expect, it } from 'vitest';
import { grpcRequestHeaders } from '../../harness/workload/grpc-kv/h2-connection.js';
import {
  decodeHeaderBlock,
  encodeHeaderBlock,
  HpackError,
  huffmanDecode,
} from '../../harness/workload/grpc-kv/hpack.js';

describe('HPACK', () => {
  it('decodes the Huffman examples of RFC 7541 C.4', () => {
    expect(huffmanDecode(Buffer.from('f1e3c2e5f23a6ba0ab90f4ff', 'hex'))).toBe('www.example.com');
    expect(huffmanDecode(Buffer.from('a8eb10649cbf', 'hex'))).toBe('no-cache');
    expect(huffmanDecode(Buffer.from('25a849e95ba97d7f', 'hex'))).toBe('custom-key');
  });

  it('refuses bad Huffman padding', () => {
    expect(() => huffmanDecode(Buffer.from('f1e3c2e5f23a6ba0ab90f4fe', 'hex'))).toThrow(HpackError);
  });

  it('decodes the request of RFC 7541 C.4.1 (indexed fields and a Huffman literal)', () => {
    const block = Buffer.from('828684418cf1e3c2e5f23a6ba0ab90f4ff', 'hex');
    expect(decodeHeaderBlock(block)).toEqual([
      [':method', 'GET'],
      [':scheme', 'http'],
      [':path', '/'],
      [':authority', 'www.example.com'],
    ]);
  });

  it('round-trips a gRPC request block', () => {
    const block = grpcRequestHeaders('/etcdserverpb.KV/Put', '127.0.0.1:2379', false);
    expect(decodeHeaderBlock(block)).toEqual([
      [':method', 'POST'],
      [':scheme', 'http'],
      [':path', '/etcdserverpb.KV/Put'],
      [':authority', '127.0.0.1:2379'],
      ['content-type', 'application/grpc'],
      ['te', 'trailers'],
    ]);
    const long = 'x'.repeat(300); // a length past the 7-bit prefix
    expect(decodeHeaderBlock(encodeHeaderBlock([['grpc-message', long]]))).toEqual([['grpc-message', long]]);
  });

  it('refuses a reference to the dynamic table', () => {
    expect(() => decodeHeaderBlock(Buffer.from([0x80 | 62]))).toThrow(/dynamic table entry 62/);
  });

  it('skips a dynamic table size update', () => {
    expect(decodeHeaderBlock(Buffer.from([0x20, 0x88]))).toEqual([[':status', '200']]);
  });
});
