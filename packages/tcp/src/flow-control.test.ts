import type { Socket } from 'node:net';
import type { Transport } from '@x/transport-core';
import {
  RecordingBufferedProtocol,
  RecordingProtocol,
  withTimeout,
} from '@x/transport-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanups, clientPair, makeLoop, readBytes, serverPair } from './test-support.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

function setup(): ReturnType<typeof makeLoop> {
  const tl = makeLoop();
  cleanups.add(() => tl.loop.close());
  return tl;
}
const wait = <T>(p: PromiseLike<T>, what: string) => withTimeout(p, 10_000, what);

/**
 * Writes 1 MiB chunks to `socket` until one is not taken whole by the kernel (it stays
 * queued in `socket.writableLength`): the connection's kernel buffers are full. Returns
 * the bytes written. Fails past `limit` bytes.
 */
function writeUntilQueued(socket: Socket, limit: number): number {
  const chunk = Buffer.alloc(1024 * 1024, 0x61);
  let written = 0;
  while (socket.writableLength === 0) {
    if (written >= limit) throw new Error(`the kernel took ${written} bytes and still had room`);
    socket.write(chunk);
    written += chunk.length;
  }
  return written;
}

/**
 * Two round trips transport -> peer, one after the other: every I/O event that was
 * pending at the call has been handled since (the first reply may come in the same
 * poll batch as a pending read of the transport's socket, handled after it).
 */
async function roundTrips(transport: Transport, peer: Socket): Promise<void> {
  for (let i = 0; i < 2; i++) {
    transport.write(Buffer.from('.'));
    await wait(readBytes(peer, 1), 'round trip');
  }
}

describe('write flow control (SPEC §4.6)', () => {
  it('limits: defaults, high alone, low alone, high=0, invalid values', async () => {
    const { loop } = setup();
    const { transport } = await clientPair(loop, cleanups, () => new RecordingProtocol());
    expect(transport.getWriteBufferLimits()).toEqual([16384, 65536]);
    transport.setWriteBufferLimits(100);
    expect(transport.getWriteBufferLimits()).toEqual([25, 100]);
    transport.setWriteBufferLimits(null, 100);
    expect(transport.getWriteBufferLimits()).toEqual([100, 400]);
    transport.setWriteBufferLimits(0);
    expect(transport.getWriteBufferLimits()).toEqual([0, 0]);
    expect(() => transport.setWriteBufferLimits(-1)).toThrow(RangeError);
    expect(() => transport.setWriteBufferLimits(1, 2)).toThrow(RangeError);
    expect(() => transport.setWriteBufferLimits('1' as never)).toThrow(TypeError);
    transport.setWriteBufferLimits();
    expect(transport.getWriteBufferLimits()).toEqual([16384, 65536]);
  });

  it('pauseWriting above high, resumeWriting at <= low, each once per episode; size exact', async () => {
    const { loop } = setup();
    const { transport, protocol, peer } = await clientPair(
      loop,
      cleanups,
      () => new RecordingProtocol(),
    );
    peer.pause();
    transport.setWriteBufferLimits(256 * 1024, 64 * 1024);
    const chunk = Buffer.alloc(64 * 1024, 1);
    let written = 0;
    while (protocol.count('pauseWriting') === 0 && written < 256 * 1024 * 1024) {
      transport.write(chunk);
      written += chunk.length;
    }
    expect(protocol.count('pauseWriting')).toBe(1);
    const atPause = protocol.flowEvents[0]?.writeBufferSize ?? 0;
    expect(atPause).toBeGreaterThan(256 * 1024);
    // More writes in the same episode: no second pauseWriting.
    transport.write(chunk);
    written += chunk.length;
    expect(protocol.count('pauseWriting')).toBe(1);
    expect(transport.getWriteBufferSize()).toBeLessThanOrEqual(written);
    const all = readBytes(peer, written);
    peer.resume();
    await wait(protocol.waitFor('resumeWriting'), 'resumeWriting');
    const resumed = protocol.flowEvents[1];
    expect(resumed?.event).toBe('resumeWriting');
    expect(resumed?.writeBufferSize).toBeLessThanOrEqual(64 * 1024);
    expect((await wait(all, 'all bytes')).length).toBe(written);
    expect(protocol.count('resumeWriting')).toBe(1);
    expect(transport.getWriteBufferSize()).toBe(0);
  });

  it('a fully sent write leaves the buffer empty and calls no flow callback', async () => {
    const { loop } = setup();
    const { transport, protocol } = await clientPair(loop, cleanups, () => new RecordingProtocol());
    transport.write(Buffer.alloc(1000));
    expect(transport.getWriteBufferSize()).toBe(0);
    expect(protocol.flowEvents).toEqual([]);
  });

  it('lowering high below the buffered size pauses at once (setWriteBufferLimits)', async () => {
    const { loop } = setup();
    const { transport, protocol, peer } = await clientPair(
      loop,
      cleanups,
      () => new RecordingProtocol(),
    );
    peer.pause();
    transport.setWriteBufferLimits(1 << 30);
    while (transport.getWriteBufferSize() === 0) transport.write(Buffer.alloc(1024 * 1024));
    expect(protocol.count('pauseWriting')).toBe(0);
    transport.setWriteBufferLimits(1);
    expect(protocol.count('pauseWriting')).toBe(1);
  });

  it('no resumeWriting after the connection is lost while paused', async () => {
    const { loop } = setup();
    const { transport, protocol, peer } = await clientPair(
      loop,
      cleanups,
      () => new RecordingProtocol(),
    );
    peer.pause();
    transport.setWriteBufferLimits(0);
    while (protocol.count('pauseWriting') === 0) transport.write(Buffer.alloc(1024 * 1024));
    transport.abort();
    await wait(protocol.waitLost(), 'connectionLost');
    expect(protocol.count('resumeWriting')).toBe(0);
  });

  it('a throwing pauseWriting is fatal like any callback (SPEC §6.3)', async () => {
    const { loop, errors } = setup();
    const { transport, protocol, peer } = await clientPair(
      loop,
      cleanups,
      () => new RecordingProtocol({ throwFrom: 'pauseWriting' }),
    );
    peer.pause();
    transport.setWriteBufferLimits(0);
    while (protocol.count('pauseWriting') === 0) transport.write(Buffer.alloc(1024 * 1024));
    expect(await wait(protocol.waitLost(), 'connectionLost')).toBeInstanceOf(Error);
    expect(errors[0]?.message).toBe('Fatal error: protocol.pauseWriting() call failed.');
  });
});

describe('writelines (SPEC §6.1)', () => {
  it('reaches the OS as one vectored write, in order; validates every item first', async () => {
    const { loop } = setup();
    const { transport, peer } = await clientPair(loop, cleanups, () => new RecordingProtocol());
    const socket = transport.getExtraInfo('socket') as Socket & {
      _writev: (...a: unknown[]) => unknown;
    };
    let writev = 0;
    const original = socket._writev.bind(socket);
    socket._writev = (...args: unknown[]) => {
      writev++;
      return original(...args);
    };
    expect(() => transport.writelines([Buffer.from('a'), 'b' as never])).toThrow(TypeError);
    transport.writelines([
      Buffer.from('S'),
      new Uint8Array([0x50]),
      new DataView(new Uint8Array([0x41]).buffer),
      Buffer.from('M'),
    ]);
    expect(writev).toBe(1);
    expect((await wait(readBytes(peer, 4), 'SPAM')).toString()).toBe('SPAM');
  });
});

describe('read flow control (SPEC §4.7)', () => {
  it('pauseReading inside connectionMade: nothing is read until resumeReading', async () => {
    const { loop } = setup();
    const { transport, protocol, peer } = await serverPair(
      loop,
      cleanups,
      () =>
        new RecordingProtocol({ hooks: { connectionMade: (p) => p.transport?.pauseReading() } }),
    );
    expect(transport.isReading()).toBe(false);
    peer.write('early');
    transport.write(Buffer.from('x'));
    await wait(readBytes(peer, 1), 'round trip');
    expect(protocol.receivedLength).toBe(0);
    transport.resumeReading();
    await wait(protocol.waitBytes(5), 'data');
  });

  for (const [kind, factory] of [
    ['Protocol', () => new RecordingProtocol()],
    ['BufferedProtocol', () => new RecordingBufferedProtocol()],
  ] as const) {
    it(`${kind}: a paused reader reads nothing from the OS while the writer fills its buffers; memory stays bounded`, async () => {
      const { loop } = setup();
      const { transport, protocol, peer } = await serverPair(loop, cleanups, factory);
      const socket = transport.getExtraInfo('socket') as Socket;
      transport.pauseReading();
      await roundTrips(transport, peer);
      const readAtPause = socket.bytesRead;
      const rssBefore = process.memoryUsage().rss;
      // The writer writes until the kernel takes no more: what the reader's OS buffers hold.
      const written = writeUntilQueued(peer, 256 * 1024 * 1024);
      // It keeps writing: every byte now waits in its own buffer.
      const queuedAtStall = peer.writableLength;
      const extra = Buffer.alloc(1024 * 1024, 0x62);
      peer.write(extra);
      peer.write(extra);
      expect(peer.writableLength).toBe(queuedAtStall + 2 * extra.length);
      await roundTrips(transport, peer);
      // Nothing was read from the OS since the pause (libuv readStop), not just not delivered.
      expect(socket.bytesRead).toBe(readAtPause);
      expect(protocol.receivedLength).toBe(0);
      // The writer is still held back.
      expect(peer.writableLength).toBeGreaterThan(0);
      expect(written).toBeLessThan(64 * 1024 * 1024);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(
        128 * 1024 * 1024 + peer.writableLength,
      );
      // And reading again takes every byte.
      const total = written + 2 * extra.length;
      transport.resumeReading();
      await wait(protocol.waitBytes(total), 'every byte after resumeReading');
      expect(socket.bytesRead).toBe(readAtPause + total);
      peer.destroy();
      transport.abort();
    });
  }
});
