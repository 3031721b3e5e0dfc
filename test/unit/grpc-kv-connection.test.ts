// The fast path's connection against fake servers: like grpc-js, no call leaves before the server's SETTINGS, so a
// connection that breaks before them (a member that is down behind its Toxiproxy proxy: TCP accepted, then closed)
// fails its calls as definitely not applied, and one that breaks after a call was sent leaves it ambiguous.
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyEtcdError } from '../../harness/etcd-errors.js';
import { GrpcKvClient } from '../../harness/workload/grpc-kv/client.js';

const PREFACE_BYTES = 24;
const FRAME_HEADERS = 0x1;
const FRAME_SETTINGS = 0x4;

/** Frame types in what a client sent after the connection preface. */
function frameTypes(received: Buffer): number[] {
  const types: number[] = [];
  let offset = PREFACE_BYTES;
  while (received.length - offset >= 9) {
    const length = received.readUIntBE(offset, 3);
    types.push(received[offset + 3] as number);
    offset += 9 + length;
  }
  return types;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A server that hands each connection to `onConnection` and keeps every byte it received. */
async function fakeServer(onConnection: (socket: Socket, received: () => Buffer) => void): Promise<{
  url: string;
  received: () => Buffer;
}> {
  const chunks: Buffer[] = [];
  const server = createServer((socket) => {
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    onConnection(socket, () => Buffer.concat(chunks));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, received: () => Buffer.concat(chunks) };
}

function settingsFrame(): Buffer {
  const header = Buffer.alloc(9);
  header[3] = FRAME_SETTINGS;
  return header;
}

describe('grpc-kv connection', () => {
  it('sends no call before the server’s SETTINGS: a connection closed before them fails calls as not connected', async () => {
    const server = await fakeServer((socket) => setTimeout(() => socket.destroy(), 100));
    const client = new GrpcKvClient({ endpoint: server.url });
    const error = await client.put('/k', 'v').catch((caught: unknown) => caught);
    client.close();
    expect(classifyEtcdError(error)).toMatchObject({ kind: 'definite', reason: 'not-connected' });
    expect(frameTypes(server.received())).not.toContain(FRAME_HEADERS);
  });

  it('leaves a call sent on an established connection ambiguous when the connection drops', async () => {
    const server = await fakeServer((socket, received) => {
      socket.write(settingsFrame());
      socket.on('data', () => {
        if (frameTypes(received()).includes(FRAME_HEADERS)) socket.destroy();
      });
    });
    const client = new GrpcKvClient({ endpoint: server.url });
    const error = await client.put('/k', 'v').catch((caught: unknown) => caught);
    client.close();
    expect(classifyEtcdError(error)).toMatchObject({ kind: 'ambiguous', reason: 'connection-dropped' });
  });

  it('fails a call still waiting for SETTINGS as not sent when the client is closed', async () => {
    const server = await fakeServer(() => undefined);
    const client = new GrpcKvClient({ endpoint: server.url });
    const pending = client.put('/k', 'v').catch((caught: unknown) => caught);
    await new Promise((resolve) => setTimeout(resolve, 50));
    client.close();
    expect(classifyEtcdError(await pending)).toMatchObject({ kind: 'definite', reason: 'not-connected' });
    expect(frameTypes(server.received())).not.toContain(FRAME_HEADERS);
  });
});
