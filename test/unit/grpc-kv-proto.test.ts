// The hand-written etcd messages of the fast load path, checked against protobufjs reading etcd3's copy of etcd's
// rpc.proto: what we encode must decode to the same fields there, and what protobufjs encodes must decode here.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import {
  decodeRangeResponse,
  decodeResponseHeader,
  decodeStatusResponse,
  encodeDeleteRange,
  encodePutRequest,
  encodeRangeRequest,
  encodeTxnPuts,
  ProtoDecodeError,
  prefixRangeEnd,
  unframe,
} from '../../harness/workload/grpc-kv/proto.js';

const require = createRequire(import.meta.url);
const protoDir = join(dirname(require.resolve('etcd3/package.json')), 'proto');
const root = protobuf.loadSync(join(protoDir, 'rpc.proto'));
const type = (name: string) => root.lookupType(`etcdserverpb.${name}`);

function frame(message: Uint8Array): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

describe('etcd messages encoded by hand', () => {
  it('PutRequest decodes to the same key and value', () => {
    const framed = encodePutRequest({ key: '/registry/pods/ns/a', value: Buffer.from([0, 1, 2, 255]) });
    expect(framed.readUInt32BE(1)).toBe(framed.length - 5);
    const decoded = type('PutRequest').decode(unframe(framed)) as unknown as { key: Buffer; value: Buffer };
    expect(Buffer.from(decoded.key).toString()).toBe('/registry/pods/ns/a');
    expect([...decoded.value]).toEqual([0, 1, 2, 255]);
  });

  it('TxnRequest carries every put in success, none in compare or failure', () => {
    const value = Buffer.alloc(300, 7); // a length that needs a two-byte varint
    const decoded = type('TxnRequest').decode(
      unframe(
        encodeTxnPuts([
          { key: 'a', value },
          { key: 'b', value: 'x' },
        ]),
      ),
    ) as unknown as {
      compare: unknown[];
      success: { requestPut: { key: Buffer; value: Buffer } }[];
      failure: unknown[];
    };
    expect(decoded.compare).toEqual([]);
    expect(decoded.failure).toEqual([]);
    expect(decoded.success.map((op) => Buffer.from(op.requestPut.key).toString())).toEqual(['a', 'b']);
    expect(Buffer.from(decoded.success[0]!.requestPut.value).equals(value)).toBe(true);
  });

  it('RangeRequest and DeleteRangeRequest carry their options', () => {
    const range = type('RangeRequest').decode(
      unframe(encodeRangeRequest({ key: '/a', rangeEnd: prefixRangeEnd('/a'), limit: 500, countOnly: true })),
    ) as unknown as {
      key: Buffer;
      rangeEnd: Buffer;
      limit: { toNumber(): number } | number;
      countOnly: boolean;
    };
    expect(Buffer.from(range.key).toString()).toBe('/a');
    expect(Buffer.from(range.rangeEnd).toString()).toBe('/b');
    expect(Number(range.limit)).toBe(500);
    expect(range.countOnly).toBe(true);
    const deleted = type('DeleteRangeRequest').decode(unframe(encodeDeleteRange('/x', '/y'))) as unknown as {
      key: Buffer;
      rangeEnd: Buffer;
    };
    expect(Buffer.from(deleted.rangeEnd).toString()).toBe('/y');
  });

  it('reads the header revision of a PutResponse and the fields of Range and Status responses', () => {
    const header = { clusterId: 1, memberId: '18321197359073418745', revision: 2 ** 40 + 3, raftTerm: 7 };
    const put = type('PutResponse').encode({ header }).finish();
    expect(decodeResponseHeader(Buffer.from(put))).toEqual({
      revision: 2 ** 40 + 3,
      raftTerm: 7,
      memberId: 18321197359073418745n,
    });
    const range = type('RangeResponse')
      .encode({
        header,
        kvs: [{ key: Buffer.from('/k'), value: Buffer.from('v'), modRevision: 9 }],
        count: 1,
      })
      .finish();
    const decodedRange = decodeRangeResponse(Buffer.from(range));
    expect(decodedRange.count).toBe(1);
    expect(decodedRange.kvs[0]?.key.toString()).toBe('/k');
    expect(decodedRange.kvs[0]?.modRevision).toBe(9);
    const status = type('StatusResponse')
      .encode({ header, version: '3.6.16', dbSize: 3 * 2 ** 30, dbSizeInUse: 2 ** 30, raftIndex: 12 })
      .finish();
    expect(decodeStatusResponse(Buffer.from(status))).toMatchObject({
      version: '3.6.16',
      dbSizeBytes: 3 * 2 ** 30,
      dbSizeInUseBytes: 2 ** 30,
      raftIndex: 12,
    });
  });

  it('refuses truncated, compressed and header-less responses', () => {
    const put = Buffer.from(
      type('PutResponse')
        .encode({ header: { revision: 5 } })
        .finish(),
    );
    expect(() => unframe(frame(put).subarray(0, 6))).toThrow(ProtoDecodeError);
    const compressed = frame(put);
    compressed[0] = 1;
    expect(() => unframe(compressed)).toThrow(/compressed/);
    expect(() => decodeResponseHeader(Buffer.alloc(0))).toThrow(/without a header/);
    expect(() => decodeResponseHeader(put.subarray(0, put.length - 1))).toThrow(ProtoDecodeError);
  });

  it('prefix range ends follow clientv3.GetPrefixRangeEnd', () => {
    expect(prefixRangeEnd('/registry/').toString()).toBe('/registry0');
    expect([...prefixRangeEnd('\u00ff')]).toEqual([0xc3, 0xc0]); // utf-8 c3 bf: the last byte below 0xff is bumped
  });
});
