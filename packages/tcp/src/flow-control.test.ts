import type { Socket } from 'node:net';
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
 * Writes up to `total` bytes as fast as `socket` takes them; resolves with how many
 * bytes the kernel accepted once writing stalls (no 'drain' within `stallMs`) or all
 * were accepted.
 */
function flood(socket: Socket, total: number, stallMs = 300): Promise<number> {
  const chunk = Buffer.alloc(1024 * 1024, 0x61);
  let queued = 0;
  return new Promise((resolve) => {
    const accepted = () => queued - socket.writableLength;
    const pump = () => {
      while (queued < total) {
        queued += chunk.length;
        if (!socket.write(chunk)) {
          const timer = setTimeout(() => {
            socket.removeListener('drain', pump);
            resolve(accepted());
          }, stallMs);
          socket.once('drain', () => {
            clearTimeout(timer);
            pump();
          });
          return;
        }
      }
      resolve(accepted());
    };
    pump();
  });
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
    it(`${kind}: a paused reader flooded by a fast writer: TCP slows the writer, memory stays bounded`, async () => {
      const { loop } = setup();
      const { transport, protocol, peer } = await serverPair(loop, cleanups, factory);
      transport.pauseReading();
      const rssBefore = process.memoryUsage().rss;
      const total = 256 * 1024 * 1024;
      const accepted = await wait(flood(peer, total), 'writer stalled');
      // Only what the kernel buffers hold got through: the writer felt backpressure.
      expect(accepted).toBeLessThan(64 * 1024 * 1024);
      expect(protocol.receivedLength).toBe(0);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(
        128 * 1024 * 1024 + peer.writableLength,
      );
      peer.destroy();
      transport.abort();
    });
  }
});
