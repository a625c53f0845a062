import {
  RecordingBufferedProtocol,
  RecordingProtocol,
  withTimeout,
} from '@x/transport-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Cleanups,
  clientPair,
  makeLoop,
  type Pair,
  readAll,
  readBytes,
  serverPair,
} from './test-support.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

type MakePair = typeof clientPair;
const sides: Array<[string, MakePair]> = [
  ['client (createConnection)', clientPair],
  ['server (createServer)', serverPair],
];
const kinds: Array<[string, () => RecordingProtocol]> = [
  ['Protocol', () => new RecordingProtocol()],
  ['BufferedProtocol', () => new RecordingBufferedProtocol({ bufferSize: 1000 })],
];

function setup(): ReturnType<typeof makeLoop> {
  const tl = makeLoop();
  cleanups.add(() => tl.loop.close());
  return tl;
}

const wait = <T>(p: PromiseLike<T>, what: string) => withTimeout(p, 5000, what);

for (const [side, makePair] of sides) {
  for (const [kind, factory] of kinds) {
    describe(`${side}, ${kind}`, () => {
      it('grammar: connectionMade, data in order, eofReceived, connectionLost(null) once (SPEC §4.1-2)', async () => {
        const { loop, errors } = setup();
        const { protocol, peer } = await makePair(loop, cleanups, factory);
        const payload = Buffer.alloc(300_000);
        for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
        peer.end(payload);
        expect(await wait(protocol.waitLost(), 'connectionLost')).toBe(null);
        expect(protocol.received().equals(payload)).toBe(true);
        protocol.assertGrammar({ complete: true });
        expect(protocol.count('eofReceived')).toBe(1);
        expect(errors).toEqual([]);
      });

      it('close() flushes buffered data, then connectionLost(null) (SPEC §4.5)', async () => {
        const { loop } = setup();
        const { transport, protocol, peer } = await makePair(loop, cleanups, factory);
        const big = Buffer.alloc(4 * 1024 * 1024, 7);
        transport.write(big);
        transport.close();
        expect(transport.isClosing()).toBe(true);
        const got = await wait(readAll(peer), 'peer EOF');
        expect(got.length).toBe(big.length);
        expect(await wait(protocol.waitLost(), 'connectionLost')).toBe(null);
        expect(protocol.receivedLength).toBe(0);
        transport.close();
        transport.abort();
        protocol.assertGrammar({ complete: true });
      });

      it('abort() drops buffered data and calls connectionLost(null) once; idempotent', async () => {
        const { loop } = setup();
        const { transport, protocol, peer } = await makePair(loop, cleanups, factory);
        peer.pause();
        transport.write(Buffer.alloc(16 * 1024 * 1024));
        transport.abort();
        transport.abort();
        transport.close();
        expect(transport.isClosing()).toBe(true);
        expect(await wait(protocol.waitLost(), 'connectionLost')).toBe(null);
        expect(protocol.count('connectionLost')).toBe(1);
        expect(transport.getWriteBufferSize()).toBe(0);
      });

      it('peer reset mid-stream: connectionLost(ECONNRESET) once, no handler call (SPEC §4.11)', async () => {
        const { loop, errors } = setup();
        const { protocol, peer } = await makePair(loop, cleanups, factory);
        peer.write('some bytes');
        await wait(protocol.waitBytes(10), 'data');
        peer.resetAndDestroy();
        const exc = await wait(protocol.waitLost(), 'connectionLost');
        expect((exc as NodeJS.ErrnoException | null)?.code).toBe('ECONNRESET');
        expect(protocol.count('connectionLost')).toBe(1);
        expect(errors).toEqual([]);
      });

      it('a write that meets a reset the reader has not seen: no throw, connectionLost(err) once', async () => {
        const { loop, errors } = setup();
        const { transport, protocol, peer } = await makePair(loop, cleanups, factory);
        // Not reading: the reset is found by the write, which fails in the kernel at once.
        transport.pauseReading();
        const peerClosed = new Promise((resolve) => peer.once('close', resolve));
        peer.resetAndDestroy();
        await wait(peerClosed, 'the peer to send its reset');
        expect(() => transport.write(Buffer.from('into the void'))).not.toThrow();
        const exc = await wait(protocol.waitLost(), 'connectionLost');
        expect(['ECONNRESET', 'EPIPE']).toContain((exc as NodeJS.ErrnoException | null)?.code);
        expect((exc as NodeJS.ErrnoException).syscall).toBe('write');
        expect(transport.isClosing()).toBe(true);
        transport.write(Buffer.from('dropped'));
        expect(protocol.count('connectionLost')).toBe(1);
        protocol.assertGrammar({ complete: true });
        expect(errors).toEqual([]);
      });

      it('a reset while a large write is still queued: connectionLost(err) once, no handler call', async () => {
        const { loop, errors } = setup();
        const { transport, protocol, peer } = await makePair(loop, cleanups, factory);
        // Not reading: the reset is found by the queued write, when libuv retries it.
        transport.pauseReading();
        peer.pause();
        transport.write(Buffer.alloc(32 * 1024 * 1024, 1));
        expect(transport.getWriteBufferSize()).toBeGreaterThan(0);
        peer.resetAndDestroy();
        const exc = await wait(protocol.waitLost(), 'connectionLost');
        expect(['ECONNRESET', 'EPIPE']).toContain((exc as NodeJS.ErrnoException | null)?.code);
        expect(protocol.count('connectionLost')).toBe(1);
        expect(transport.getWriteBufferSize()).toBe(0);
        protocol.assertGrammar({ complete: true });
        expect(errors).toEqual([]);
      });

      it('eofReceived() returning true keeps the transport open for writing (half-close, SPEC §4.4)', async () => {
        const { loop } = setup();
        const { transport, protocol, peer } = await makePair(loop, cleanups, factory);
        protocol.eofResult = true;
        peer.end('question');
        await wait(protocol.waitEof(), 'eofReceived');
        expect(transport.isClosing()).toBe(false);
        expect(transport.isReading()).toBe(false);
        transport.write(Buffer.from('answer'));
        transport.close();
        expect((await wait(readAll(peer), 'reply')).toString()).toBe('answer');
        expect(await wait(protocol.waitLost(), 'connectionLost')).toBe(null);
        protocol.assertGrammar({ complete: true });
      });

      it('writeEof() flushes then shuts the write side; data is still received (SPEC §4.8)', async () => {
        const { loop } = setup();
        const { transport, protocol, peer } = await makePair(loop, cleanups, factory);
        expect(transport.canWriteEof()).toBe(true);
        transport.write(Buffer.from('request'));
        transport.writeEof();
        transport.writeEof();
        expect((await wait(readAll(peer), 'peer EOF')).toString()).toBe('request');
        expect(() => transport.write(Buffer.from('x'))).toThrow(/after writeEof/);
        peer.end('response');
        await wait(protocol.waitBytes(8), 'response');
        expect(protocol.text()).toBe('response');
        expect(await wait(protocol.waitLost(), 'connectionLost')).toBe(null);
        protocol.assertGrammar({ complete: true });
      });

      it('pauseReading() stops delivery; resumeReading() delivers what came meanwhile (SPEC §4.7)', async () => {
        const { loop } = setup();
        const { transport, protocol, peer } = await makePair(loop, cleanups, factory);
        transport.pauseReading();
        transport.pauseReading();
        expect(transport.isReading()).toBe(false);
        peer.write('while paused');
        // A round trip through the peer proves the bytes had time to arrive.
        transport.write(Buffer.from('ping'));
        await wait(readBytes(peer, 4), 'ping');
        await new Promise((resolve) => setImmediate(resolve));
        expect(protocol.receivedLength).toBe(0);
        transport.resumeReading();
        transport.resumeReading();
        expect(transport.isReading()).toBe(true);
        await wait(protocol.waitBytes(12), 'data after resume');
        expect(protocol.text()).toBe('while paused');
        transport.close();
        await wait(protocol.waitLost(), 'connectionLost');
        transport.pauseReading();
        transport.resumeReading();
        expect(transport.isReading()).toBe(false);
      });

      it('a dataReceived/bufferUpdated that throws is fatal: handler message, connectionLost(err) (SPEC §4.9)', async () => {
        const { loop, errors } = setup();
        const callback = kind === 'Protocol' ? 'dataReceived' : 'bufferUpdated';
        const { protocol, peer } = await makePair(loop, cleanups, () => {
          const p = factory();
          p.throwFrom = callback;
          return p;
        });
        peer.write('boom');
        const exc = await wait(protocol.waitLost(), 'connectionLost');
        expect(exc?.message).toMatch(/failed on purpose/);
        expect(errors).toHaveLength(1);
        expect(errors[0]?.message).toBe(`Fatal error: protocol.${callback}() call failed.`);
        expect(errors[0]?.exception).toBe(exc);
      });

      it('an eofReceived that throws is fatal (SPEC §4.9)', async () => {
        const { loop, errors } = setup();
        const { protocol, peer } = await makePair(loop, cleanups, () => {
          const p = factory();
          p.throwFrom = 'eofReceived';
          return p;
        });
        peer.end();
        const exc = await wait(protocol.waitLost(), 'connectionLost');
        expect(exc).toBeInstanceOf(Error);
        expect(errors[0]?.message).toBe('Fatal error: protocol.eofReceived() call failed.');
      });

      it('write after close/abort/loss is dropped, never thrown; a warning from the 5th (SPEC §6.1)', async () => {
        const { loop, logger } = setup();
        const { transport, protocol } = await makePair(loop, cleanups, factory);
        transport.abort();
        await wait(protocol.waitLost(), 'connectionLost');
        for (let i = 0; i < 4; i++) transport.write(Buffer.from('x'));
        expect(logger.warnings()).toHaveLength(0);
        transport.writelines([Buffer.from('y')]);
        expect(logger.warnings().length).toBeGreaterThan(0);
        expect(() => transport.write('str' as never)).toThrow(TypeError);
      });

      it('TCP_NODELAY is on (B-022)', async () => {
        const { loop } = setup();
        const { transport } = await makePair(loop, cleanups, factory);
        const socket = transport.getExtraInfo('socket') as object;
        // Node records the option it set on the handle under this internal symbol.
        const key = Object.getOwnPropertySymbols(socket).find(
          (s) => s.description === 'kSetNoDelay',
        );
        expect(key && (socket as Record<symbol, unknown>)[key]).toBe(true);
      });

      it('getExtraInfo: peername, sockname, socket; kept after close', async () => {
        const { loop } = setup();
        const { transport, protocol, peer } = await makePair(loop, cleanups, factory);
        const peername = transport.getExtraInfo('peername') as readonly [string, number];
        const sockname = transport.getExtraInfo('sockname') as readonly [string, number];
        expect(peername).toEqual(['127.0.0.1', peer.localPort]);
        expect(sockname).toEqual(['127.0.0.1', peer.remotePort]);
        const socket = transport.getExtraInfo('socket');
        expect(socket).not.toBe(null);
        expect(transport.getExtraInfo('nope', 42)).toBe(42);
        transport.close();
        await wait(protocol.waitLost(), 'connectionLost');
        expect(transport.getExtraInfo('peername')).toEqual(peername);
        expect(transport.getExtraInfo('socket')).toBe(socket);
      });
    });
  }
}

describe('pairs', () => {
  it('both sides: setProtocol routes later callbacks to the new protocol (SPEC §4.14)', async () => {
    const { loop } = setup();
    const pair: Pair<RecordingProtocol> = await clientPair(
      loop,
      cleanups,
      () => new RecordingProtocol(),
    );
    const { transport, protocol, peer } = pair;
    const next = new RecordingBufferedProtocol({ bufferSize: 3 });
    transport.setProtocol(next);
    expect(transport.getProtocol()).toBe(next);
    peer.end('switched');
    expect(await wait(next.waitLost(), 'connectionLost')).toBe(null);
    expect(next.text()).toBe('switched');
    expect(protocol.count('connectionLost')).toBe(0);
    expect(next.count('connectionMade')).toBe(0);
  });
});
