import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { socketWriteBufferSize } from './socket-write-buffer-size.js';

const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/** A loopback pair whose server side does not read until told to. */
async function stalledPair(): Promise<{ client: net.Socket; peer: net.Socket }> {
  const server = net.createServer();
  cleanups.push(() => server.close());
  const accepted = new Promise<net.Socket>((resolve) =>
    server.once('connection', (socket) => {
      socket.pause();
      cleanups.push(() => socket.destroy());
      resolve(socket);
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const client = net.connect(port, '127.0.0.1');
  cleanups.push(() => client.destroy());
  await new Promise<void>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  return { client, peer: await accepted };
}

describe('socketWriteBufferSize: bytes accepted by write() and not yet handed to the OS', () => {
  it('is 0 for a socket with nothing written', async () => {
    const { client } = await stalledPair();
    expect(socketWriteBufferSize(client)).toBe(0);
  });

  it('counts a backlog (never more than writableLength) and is 0 again once drained', async () => {
    const { client, peer } = await stalledPair();
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    // Far more than the kernel buffers of a stalled loopback connection hold.
    for (let i = 0; i < 256; i++) client.write(chunk);
    const size = socketWriteBufferSize(client);
    expect(size).toBeGreaterThan(0);
    expect(size).toBeLessThanOrEqual(client.writableLength);
    // At most one chunk can be in libuv's hands: the rest is still queued in Node.
    expect(size).toBeGreaterThanOrEqual(client.writableLength - chunk.length);

    const drained = new Promise<void>((resolve) => client.once('drain', resolve));
    peer.resume();
    await drained;
    expect(socketWriteBufferSize(client)).toBe(0);
  });

  it('falls back to writableLength when the stream internals are not there', () => {
    const fake = { writableLength: 5 } as unknown as net.Socket;
    expect(socketWriteBufferSize(fake)).toBe(5);
    expect(socketWriteBufferSize({ writableLength: 0 } as unknown as net.Socket)).toBe(0);
  });
});
