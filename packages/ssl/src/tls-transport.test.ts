import { connect as tlsConnect } from 'node:tls';
import { EventLoop } from '@x/loop';
import type { ExceptionContext, Transport } from '@x/transport-core';
import {
  RecordingBufferedProtocol,
  RecordingLogger,
  RecordingProtocol,
  withTimeout,
} from '@x/transport-core/testing';
import { describe, expect, it } from 'vitest';
import { ssl } from './ssl.js';
import { createSSLContext } from './ssl-context.js';
import { socketPair, tlsPair } from './test-support/tls-pair.js';
import { tlsSuite } from './test-support/tls-suite.js';
import { until } from './test-support/until.js';
import type { TlsTransport } from './tls-transport.js';

const suite = tlsSuite();
const { cleanups } = suite;
const T = 5000;

function contexts() {
  return {
    serverContext: createSSLContext({ cert: suite.certs.cert, key: suite.certs.key }),
    clientContext: createSSLContext({ ca: suite.certs.caCert }),
  };
}

async function pair(
  clientProtocol = new RecordingProtocol(),
  serverProtocol: RecordingProtocol = new RecordingProtocol(),
  loop?: EventLoop,
) {
  const p = await withTimeout(
    tlsPair({ ...contexts(), clientProtocol, serverProtocol, loop }),
    T,
    'TLS pair',
  );
  cleanups.push(() => p.close());
  return p;
}

function recordingLoop() {
  const logger = new RecordingLogger();
  const reports: ExceptionContext[] = [];
  const loop = new EventLoop({ transports: [ssl()], logger });
  loop.setExceptionHandler((_loop, context) => reports.push(context));
  return { loop, logger, reports };
}

describe('TLS transport over a Node socket (fast path)', () => {
  it('echoes data both ways and closes with close_notify: eofReceived then connectionLost(null) on the peer (B-170)', async () => {
    const p = await pair();
    p.client.write(Buffer.from('hello'));
    await withTimeout(p.serverProtocol.waitBytes(5), T, 'server data');
    p.server.writelines([Buffer.from('wor'), Buffer.from('ld!')]);
    await withTimeout(p.clientProtocol.waitBytes(6), T, 'client data');
    expect(p.serverProtocol.text()).toBe('hello');
    expect(p.clientProtocol.text()).toBe('world!');
    p.client.close();
    expect(p.client.isClosing()).toBe(true);
    expect(await withTimeout(p.clientProtocol.waitLost(), T, 'client lost')).toBeNull();
    expect(await withTimeout(p.serverProtocol.waitLost(), T, 'server lost')).toBeNull();
    p.clientProtocol.assertGrammar({ complete: true });
    p.serverProtocol.assertGrammar({ complete: true });
    expect(p.serverProtocol.names()).toContain('eofReceived');
  });

  it('copies decrypted data into a BufferedProtocol, looping over small buffers', async () => {
    const serverProtocol = new RecordingBufferedProtocol({ bufferSize: 3 });
    const p = await pair(new RecordingProtocol(), serverProtocol);
    const data = Buffer.alloc(100_000, 'abcdefghij');
    p.client.write(data);
    await withTimeout(serverProtocol.waitBytes(data.length), T, 'buffered data');
    expect(serverProtocol.received().equals(data)).toBe(true);
    serverProtocol.assertGrammar();
  });

  it('a zero-length getBuffer() is a fatal error for the connection, never silent loss (SPEC 6.5)', async () => {
    const { loop, reports } = recordingLoop();
    const serverProtocol = new RecordingBufferedProtocol({ bufferSize: 0 });
    const p = await pair(new RecordingProtocol(), serverProtocol, loop);
    p.client.write(Buffer.from('x'));
    const exc = await withTimeout(serverProtocol.waitLost(), T, 'server lost');
    expect(exc?.message).toMatch(/empty buffer/);
    expect(reports.map((r) => r.message)).toContain(
      'Fatal error: protocol.getBuffer() call failed.',
    );
    serverProtocol.assertGrammar({ complete: true });
  });

  it('getExtraInfo: peername, sockname, socket, cipher, peercert, sslcontext, ssl_object, compression, surviving close (B-160)', async () => {
    const p = await pair();
    const ctx = contexts();
    const client = p.client;
    const serverPort = p.sockets.server.localPort;
    const cipher = client.getExtraInfo('cipher');
    expect(cipher).not.toBeNull();
    const [name, version, bits] = cipher as readonly [string, string, number];
    expect(typeof name).toBe('string');
    expect(version).toBe('TLSv1.3');
    expect(bits).toBeGreaterThanOrEqual(128);
    expect(client.getExtraInfo('peername')).toEqual(['127.0.0.1', p.sockets.server.localPort]);
    expect(client.getExtraInfo('sockname')).toEqual(['127.0.0.1', p.sockets.client.localPort]);
    expect(client.getExtraInfo('socket')).toBe(p.sockets.client);
    expect(client.getExtraInfo('peercert')?.subject?.CN).toBe('localhost');
    expect(p.server.getExtraInfo('peercert')).toBeNull();
    expect(client.getExtraInfo('compression')).toBeNull();
    expect(client.getExtraInfo('sslcontext')).toHaveProperty('secureContext');
    expect(ctx.clientContext).not.toBe(client.getExtraInfo('sslcontext'));
    const tls = client.getExtraInfo('ssl_object');
    expect(tls?.getCipher().name).toBe(name);
    expect(client.getExtraInfo('nope', 42)).toBe(42);
    client.close();
    client.close(); // second close: no-op (asyncio bug 8.31 fixed)
    await withTimeout(p.clientProtocol.waitLost(), T, 'client lost');
    expect(client.getExtraInfo('peername')).toEqual(['127.0.0.1', serverPort]);
    expect(client.getExtraInfo('cipher')).toEqual(cipher);
    expect(client.getExtraInfo('ssl_object')).toBe(tls);
    expect(p.clientProtocol.count('connectionLost')).toBe(1);
  });

  it("TlsWrapOptions.extra (e.g. a Unix socket's peername) is reported as the transport's own", async () => {
    const p = await withTimeout(
      tlsPair({
        ...contexts(),
        clientProtocol: new RecordingProtocol(),
        serverProtocol: new RecordingProtocol(),
        client: { extra: { peername: '/tmp/some.sock', sockname: '' } },
      }),
      T,
      'TLS pair',
    );
    cleanups.push(() => p.close());
    expect(p.client.getExtraInfo('peername')).toBe('/tmp/some.sock');
    expect(p.client.getExtraInfo('sockname')).toBe('');
    expect(p.client.getExtraInfo('socket')).toBe(p.sockets.client);
  });

  it('writeEof() sends close_notify, reading goes on; eofReceived() truthy keeps the peer open for writing (SPEC 6.5)', async () => {
    const serverProtocol = new RecordingProtocol({ eofResult: true });
    const p = await pair(new RecordingProtocol(), serverProtocol);
    expect(p.client.canWriteEof()).toBe(true);
    p.client.write(Buffer.from('request'));
    p.client.writeEof();
    await withTimeout(serverProtocol.waitEof(), T, 'server eof');
    expect(serverProtocol.text()).toBe('request');
    expect(p.server.isClosing()).toBe(false);
    p.server.write(Buffer.from('response after eof'));
    await withTimeout(p.clientProtocol.waitBytes(18), T, 'response');
    expect(p.clientProtocol.text()).toBe('response after eof');
    expect(() => p.client.write(Buffer.from('x'))).toThrow(/after writeEof/);
    p.server.close();
    expect(await withTimeout(serverProtocol.waitLost(), T, 'server lost')).toBeNull();
    expect(await withTimeout(p.clientProtocol.waitLost(), T, 'client lost')).toBeNull();
    p.clientProtocol.assertGrammar({ complete: true });
    serverProtocol.assertGrammar({ complete: true });
  });

  it('both sides half-close (writeEof, eofReceived truthy): each gets everything, then connectionLost(null) once', async () => {
    const clientProtocol = new RecordingProtocol({ eofResult: true });
    const serverProtocol = new RecordingProtocol({ eofResult: true });
    const p = await pair(clientProtocol, serverProtocol);
    p.client.write(Buffer.from('request'));
    p.client.writeEof();
    await withTimeout(serverProtocol.waitEof(), T, 'server eof');
    p.server.write(Buffer.from('response'));
    p.server.writeEof();
    // The client had already sent its close_notify: keeping it open has nothing left to do.
    expect(await withTimeout(clientProtocol.waitLost(), T, 'client lost')).toBeNull();
    expect(await withTimeout(serverProtocol.waitLost(), T, 'server lost')).toBeNull();
    expect(clientProtocol.text()).toBe('response');
    expect(serverProtocol.text()).toBe('request');
    for (const protocol of [clientProtocol, serverProtocol]) {
      expect(protocol.names()).toEqual([
        'connectionMade',
        'dataReceived',
        'eofReceived',
        'connectionLost',
      ]);
    }
    expect(p.client.isClosing()).toBe(true);
    expect(p.server.isClosing()).toBe(true);
  });

  it('data and close_notify sent right after the handshake reach the server protocol (no lost connection)', async () => {
    const { loop } = recordingLoop();
    const sockets = await socketPair();
    cleanups.push(() => sockets.close());
    const { serverContext } = contexts();
    const serverProtocol = new RecordingProtocol();
    const wrap = loop
      .getTlsEngine()
      .wrap(loop, { kind: 'socket', socket: sockets.server }, serverProtocol, {
        ssl: serverContext,
        serverSide: true,
      });
    // A Node client that writes and ends at once: Finished, data and close_notify arrive together.
    const client = tlsConnect({
      socket: sockets.client,
      ca: suite.certs.caCert,
      servername: 'localhost',
    });
    client.on('error', () => {});
    client.end('request');
    const server = await withTimeout(wrap, T, 'server wrap');
    await withTimeout(serverProtocol.waitLost(), T, 'server lost');
    expect(serverProtocol.names()).toEqual([
      'connectionMade',
      'dataReceived',
      'eofReceived',
      'connectionLost',
    ]);
    expect(serverProtocol.text()).toBe('request');
    expect(server.isClosing()).toBe(true);
  });

  it('close_notify right after the handshake, no data: connectionMade, eofReceived, connectionLost(null) (the EOF waits for connectionMade)', async () => {
    const { loop } = recordingLoop();
    const sockets = await socketPair();
    cleanups.push(() => sockets.close());
    const serverProtocol = new RecordingProtocol();
    const wrap = loop
      .getTlsEngine()
      .wrap(loop, { kind: 'socket', socket: sockets.server }, serverProtocol, {
        ssl: contexts().serverContext,
        serverSide: true,
      });
    const client = tlsConnect({
      socket: sockets.client,
      ca: suite.certs.caCert,
      servername: 'localhost',
    });
    client.on('error', () => {});
    client.on('secureConnect', () => client.end());
    await withTimeout(wrap, T, 'server wrap');
    expect(await withTimeout(serverProtocol.waitLost(), T, 'server lost')).toBeNull();
    expect(serverProtocol.names()).toEqual(['connectionMade', 'eofReceived', 'connectionLost']);
  });

  it('eofReceived() falsy closes the transport', async () => {
    const p = await pair();
    p.client.writeEof();
    await withTimeout(p.serverProtocol.waitLost(), T, 'server lost');
    expect(p.serverProtocol.names()).toEqual(['connectionMade', 'eofReceived', 'connectionLost']);
    expect(await withTimeout(p.clientProtocol.waitLost(), T, 'client lost')).toBeNull();
  });

  it('write flow control: pauseWriting above high, resumeWriting at or below low, exact buffer size', async () => {
    const p = await pair();
    const client = p.client;
    client.setWriteBufferLimits(64 * 1024);
    expect(client.getWriteBufferLimits()).toEqual([16 * 1024, 64 * 1024]);
    p.server.pauseReading();
    const chunk = Buffer.alloc(64 * 1024, 1);
    let written = 0;
    while (p.clientProtocol.count('pauseWriting') === 0 && written < 64 * 1024 * 1024) {
      client.write(chunk);
      written += chunk.length;
      if (written % (1024 * 1024) === 0) await new Promise((r) => setImmediate(r));
    }
    expect(p.clientProtocol.count('pauseWriting')).toBe(1);
    expect(p.clientProtocol.flowEvents[0]?.writeBufferSize).toBeGreaterThan(64 * 1024);
    p.server.resumeReading();
    await withTimeout(p.clientProtocol.waitFor('resumeWriting'), T, 'resumeWriting');
    expect(p.clientProtocol.flowEvents[1]?.writeBufferSize).toBeLessThanOrEqual(16 * 1024);
    await withTimeout(p.serverProtocol.waitBytes(written), 20_000, 'all bytes');
    expect(p.serverProtocol.receivedLength).toBe(written);
    expect(client.getWriteBufferSize()).toBe(0);
  });

  it('a paused reader gets no data, even data already decrypted, and backpressures the raw socket', async () => {
    const p = await pair();
    const server = p.server as TlsTransport;
    server.pauseReading();
    expect(server.isReading()).toBe(false);
    const chunk = Buffer.alloc(256 * 1024, 7);
    let total = 0;
    // Fill until the client's TLS write buffer grows: the server's raw socket stopped reading.
    while (p.client.getWriteBufferSize() < 1024 * 1024 && total < 64 * 1024 * 1024) {
      p.client.write(chunk);
      total += chunk.length;
      await new Promise((r) => setImmediate(r));
    }
    expect(p.serverProtocol.receivedLength).toBe(0);
    expect(p.client.getWriteBufferSize()).toBeGreaterThanOrEqual(1024 * 1024);
    server.resumeReading();
    await withTimeout(p.serverProtocol.waitBytes(total), 20_000, 'all bytes');
    expect(p.serverProtocol.receivedLength).toBe(total);
  });

  it('pauseReading() inside dataReceived stops delivery at once; resumeReading() delivers later, never inside the call', async () => {
    const serverProtocol = new RecordingProtocol({
      hooks: { dataReceived: (proto) => proto.transport?.pauseReading() },
    });
    const p = await pair(new RecordingProtocol(), serverProtocol);
    for (let i = 0; i < 20; i++) p.client.write(Buffer.alloc(20_000, i));
    await withTimeout(serverProtocol.waitFor('dataReceived'), T, 'first chunk');
    // More data arrives and is decrypted until the server's TLS socket holds a full
    // buffer and stops reading: none of it may be delivered.
    const serverTls = p.server.getExtraInfo('ssl_object');
    if (serverTls === null) throw new Error('no ssl_object');
    await until(
      () => serverTls.readableLength >= serverTls.readableHighWaterMark,
      'a full buffer of decrypted data on the server',
      T,
    );
    expect(serverProtocol.count('dataReceived')).toBe(1);
    expect(serverProtocol.receivedLength).toBeLessThan(400_000);
    serverProtocol.hooks = {};
    p.server.resumeReading();
    expect(serverProtocol.count('dataReceived')).toBe(1);
    await withTimeout(serverProtocol.waitBytes(400_000), T, 'rest');
  });

  it('writes after close() are dropped, never thrown, with a warning from the 5th (SPEC 6.1)', async () => {
    const { loop, logger } = recordingLoop();
    const p = await pair(new RecordingProtocol(), new RecordingProtocol(), loop);
    p.client.close();
    for (let i = 0; i < 5; i++) p.client.write(Buffer.from('late'));
    expect(p.client.getWriteBufferSize()).toBe(0);
    expect(() => p.client.write('str' as unknown as Uint8Array)).toThrow(TypeError);
    expect(logger.records.filter((r) => r.level === 'warn').length).toBeGreaterThanOrEqual(1);
    await withTimeout(p.clientProtocol.waitLost(), T, 'client lost');
  });

  it('abort() drops buffered data and calls connectionLost(null); the peer sees EOF (B-175)', async () => {
    const p = await pair();
    p.client.abort();
    p.client.abort();
    expect(await withTimeout(p.clientProtocol.waitLost(), T, 'client lost')).toBeNull();
    await withTimeout(p.serverProtocol.waitLost(), T, 'server lost');
    expect(p.clientProtocol.count('connectionLost')).toBe(1);
  });

  it('a throwing dataReceived closes the connection with that error and tells the handler which callback', async () => {
    const { loop, reports } = recordingLoop();
    const boom = new Error('boom');
    const serverProtocol = new RecordingProtocol({ throwFrom: 'dataReceived', error: boom });
    const p = await pair(new RecordingProtocol(), serverProtocol, loop);
    p.client.write(Buffer.from('x'));
    expect(await withTimeout(serverProtocol.waitLost(), T, 'server lost')).toBe(boom);
    expect(reports[0]?.message).toBe('Fatal error: protocol.dataReceived() call failed.');
    expect(reports[0]?.exception).toBe(boom);
    serverProtocol.assertGrammar({ complete: true });
  });

  it('a throwing connectionMade rejects the creating promise and delivers connectionLost(err) (SPEC 6.3, B-183)', async () => {
    const { loop, reports } = recordingLoop();
    const boom = new Error('made failed');
    const clientProtocol = new RecordingProtocol({ throwFrom: 'connectionMade', error: boom });
    await expect(
      tlsPair({
        ...contexts(),
        clientProtocol,
        serverProtocol: new RecordingProtocol(),
        loop,
      }).then((q) => {
        cleanups.push(() => q.close());
      }),
    ).rejects.toBe(boom);
    expect(await withTimeout(clientProtocol.waitLost(), T, 'client lost')).toBe(boom);
    expect(reports.map((r) => r.message)).toContain(
      'Fatal error: protocol.connectionMade() call failed.',
    );
  });

  it('setProtocol() switches between Protocol and BufferedProtocol on the fly', async () => {
    const p = await pair();
    const buffered = new RecordingBufferedProtocol({ bufferSize: 4 });
    p.server.setProtocol(buffered);
    expect(p.server.getProtocol()).toBe(buffered);
    p.client.write(Buffer.from('0123456789'));
    await withTimeout(buffered.waitBytes(10), T, 'buffered data');
    expect(buffered.text()).toBe('0123456789');
  });
});

export type { Transport };
