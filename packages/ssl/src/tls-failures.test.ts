import type { Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { EventLoop } from '@x/loop';
import type { ExceptionContext, SSLContext, TlsWrapOptions, Transport } from '@x/transport-core';
import { RecordingProtocol, withTimeout } from '@x/transport-core/testing';
import { describe, expect, it } from 'vitest';
import { ssl } from './ssl.js';
import { createSSLContext } from './ssl-context.js';
import { rawConnect, rawListener } from './test-support/raw-peer.js';
import { socketPair } from './test-support/tls-pair.js';
import { tlsSuite } from './test-support/tls-suite.js';

const suite = tlsSuite();
const { cleanups } = suite;
const T = 5000;

function newLoop() {
  const reports: ExceptionContext[] = [];
  const loop = new EventLoop({ transports: [ssl()] });
  loop.setExceptionHandler((_l, c) => reports.push(c));
  cleanups.push(() => loop.close());
  return { loop, reports };
}

/** Our TLS client against a real Node TLS server presenting `cert`/`key`. */
async function clientAgainst(
  cert: string,
  key: string,
  clientContext: SSLContext | true,
  options: Partial<TlsWrapOptions> = {},
  onServerSocket: (s: TLSSocket) => void = () => {},
) {
  const server = createTlsServer({ cert, key, allowHalfOpen: true }, onServerSocket);
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => server.close());
  const { loop, reports } = newLoop();
  const socket = await rawConnect((server.address() as { port: number }).port);
  cleanups.push(() => socket.destroy());
  const protocol = new RecordingProtocol();
  const result = loop.getTlsEngine().wrap(loop, { kind: 'socket', socket }, protocol, {
    ssl: clientContext,
    serverSide: false,
    serverHostname: '127.0.0.1',
    ...options,
  });
  return { result, protocol, socket, loop, reports };
}

/** Our TLS server side on one end of a loopback socket pair (the client end is the caller's). */
async function serverWrap(options: Partial<TlsWrapOptions> = {}, context?: SSLContext) {
  const { loop, reports } = newLoop();
  const sockets = await socketPair();
  cleanups.push(() => sockets.close());
  const protocol = new RecordingProtocol();
  const wrap = loop
    .getTlsEngine()
    .wrap(loop, { kind: 'socket', socket: sockets.server }, protocol, {
      ssl: context ?? createSSLContext({ cert: suite.certs.cert, key: suite.certs.key }),
      serverSide: true,
      ...options,
    });
  return { wrap, protocol, sockets, reports, loop };
}

/** A server context that asks clients for a certificate signed by the test CA. */
function requestCertContext(options: { rejectUnauthorized?: boolean } = {}): SSLContext {
  return createSSLContext({
    cert: suite.certs.cert,
    key: suite.certs.key,
    ca: suite.certs.caCert,
    requestCert: true,
    ...options,
  });
}

/** A Node TLS client on `socket`, presenting `identity` if given; destroyed after the test. */
function nodeTlsClient(socket: Socket, identity?: { cert: string; key: string }): TLSSocket {
  const client = tlsConnect({
    socket,
    ca: suite.certs.caCert,
    servername: 'localhost',
    ...identity,
  });
  client.on('error', () => {});
  cleanups.push(() => client.destroy());
  return client;
}

const trusting = () => createSSLContext({ ca: suite.certs.caCert });

describe('TLS handshake failures (client side)', () => {
  it('untrusted certificate: rejects with Node verify error, protocol sees nothing (B-164)', async () => {
    const c = await clientAgainst(
      suite.certs.selfSignedCert,
      suite.certs.selfSignedKey,
      trusting(),
    );
    await expect(withTimeout(c.result, T, 'wrap')).rejects.toMatchObject({
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
    expect(c.protocol.events).toEqual([]);
    expect(c.socket.destroyed).toBe(true);
  });

  it('ssl: true verifies against the system CAs: a test-CA certificate is rejected', async () => {
    const c = await clientAgainst(suite.certs.cert, suite.certs.key, true);
    await expect(withTimeout(c.result, T, 'wrap')).rejects.toMatchObject({
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
    expect(c.protocol.events).toEqual([]);
  });

  it('wrong host name: rejects with ERR_TLS_CERT_ALTNAME_INVALID (B-165)', async () => {
    const c = await clientAgainst(suite.certs.cert, suite.certs.key, trusting(), {
      serverHostname: 'example.com',
    });
    await expect(withTimeout(c.result, T, 'wrap')).rejects.toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    expect(c.protocol.events).toEqual([]);
  });

  it('checkHostname: false accepts a certificate for another name', async () => {
    const ctx = createSSLContext({ ca: suite.certs.caCert, checkHostname: false });
    const c = await clientAgainst(suite.certs.cert, suite.certs.key, ctx, {
      serverHostname: 'example.com',
    });
    const transport = await withTimeout(c.result, T, 'wrap');
    transport.abort();
    await withTimeout(c.protocol.waitLost(), T, 'lost');
  });

  it('expired certificate: rejects with CERT_HAS_EXPIRED', async () => {
    const c = await clientAgainst(suite.certs.expiredCert, suite.certs.key, trusting());
    await expect(withTimeout(c.result, T, 'wrap')).rejects.toMatchObject({
      code: 'CERT_HAS_EXPIRED',
    });
    expect(c.protocol.events).toEqual([]);
  });

  it('rejectUnauthorized: false accepts the self-signed certificate', async () => {
    const ctx = createSSLContext({ rejectUnauthorized: false });
    const c = await clientAgainst(suite.certs.selfSignedCert, suite.certs.selfSignedKey, ctx);
    const transport = await withTimeout(c.result, T, 'wrap');
    expect(c.protocol.names()).toEqual(['connectionMade']);
    transport.abort();
    await withTimeout(c.protocol.waitLost(), T, 'lost');
  });

  it('handshake timeout against a silent peer: ConnectionAbortedError, no handler call (B-162)', async () => {
    const listener = await rawListener();
    cleanups.push(() => listener.close());
    const { loop, reports } = newLoop();
    const socket = await rawConnect(listener.port);
    const protocol = new RecordingProtocol();
    const started = Date.now();
    const wrap = loop.getTlsEngine().wrap(loop, { kind: 'socket', socket }, protocol, {
      ssl: trusting(),
      serverSide: false,
      serverHostname: '127.0.0.1',
      sslHandshakeTimeout: 150,
    });
    const err = await withTimeout(wrap, T, 'wrap').catch((e: Error) => e);
    expect(err).toMatchObject({
      name: 'ConnectionAbortedError',
      code: 'ECONNABORTED',
      message: 'SSL handshake is taking longer than 150 ms: aborting the connection',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(protocol.events).toEqual([]);
    expect(reports).toEqual([]);
    expect(socket.destroyed).toBe(true);
  });

  it('peer closing mid-handshake: rejects with an ECONNRESET error, protocol sees nothing (B-166)', async () => {
    const listener = await rawListener((s) => s.once('data', () => s.destroy()));
    cleanups.push(() => listener.close());
    const { loop } = newLoop();
    const socket = await rawConnect(listener.port);
    const protocol = new RecordingProtocol();
    const wrap = loop.getTlsEngine().wrap(loop, { kind: 'socket', socket }, protocol, {
      ssl: trusting(),
      serverSide: false,
      serverHostname: '127.0.0.1',
    });
    await expect(withTimeout(wrap, T, 'wrap')).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(protocol.events).toEqual([]);
  });

  it('garbage instead of a handshake: rejects with the TLS error', async () => {
    const listener = await rawListener((s) =>
      s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\n\r\n')),
    );
    cleanups.push(() => listener.close());
    const { loop } = newLoop();
    const socket = await rawConnect(listener.port);
    const protocol = new RecordingProtocol();
    const wrap = loop.getTlsEngine().wrap(loop, { kind: 'socket', socket }, protocol, {
      ssl: trusting(),
      serverSide: false,
      serverHostname: '127.0.0.1',
    });
    const err = await withTimeout(wrap, T, 'wrap').catch((e: Error) => e);
    expect(String((err as { code?: string }).code)).toMatch(/^ERR_SSL_/);
    expect(protocol.events).toEqual([]);
  });
});

describe('TLS handshake failures (server side)', () => {
  it('garbage bytes from the client: rejects with ERR_SSL_*, protocol sees nothing', async () => {
    const s = await serverWrap();
    s.sockets.client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const err = await withTimeout(s.wrap, T, 'wrap').catch((e: Error) => e);
    expect(String((err as { code?: string }).code)).toMatch(/^ERR_SSL_/);
    expect(s.protocol.events).toEqual([]);
  });

  it('client closing mid-handshake: rejects with ConnectionResetError', async () => {
    const s = await serverWrap();
    s.sockets.client.end(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x50, 0x01]));
    await expect(withTimeout(s.wrap, T, 'wrap')).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(s.protocol.events).toEqual([]);
  });

  it('silent client: handshake timeout', async () => {
    const s = await serverWrap({ sslHandshakeTimeout: 100 });
    await expect(withTimeout(s.wrap, T, 'wrap')).rejects.toMatchObject({
      name: 'ConnectionAbortedError',
    });
    expect(s.reports).toEqual([]);
  });

  it('requestCert: a client without a certificate is refused; one with a CA-signed certificate is accepted', async () => {
    const ctx = requestCertContext();
    const refused = await serverWrap({}, ctx);
    nodeTlsClient(refused.sockets.client);
    await expect(withTimeout(refused.wrap, T, 'wrap')).rejects.toBeInstanceOf(Error);
    expect(refused.protocol.events).toEqual([]);
    const ok = await serverWrap({}, ctx);
    nodeTlsClient(ok.sockets.client, { cert: suite.certs.clientCert, key: suite.certs.clientKey });
    const transport = await withTimeout(ok.wrap, T, 'wrap');
    expect(transport.getExtraInfo('peercert')?.subject?.CN).toBe('x-ssl client');
    transport.abort();
  });

  it('requestCert: a client certificate the CA did not sign is refused after the handshake, as tls.Server refuses it', async () => {
    const refused = await serverWrap({}, requestCertContext());
    // OpenSSL lets any certificate through the handshake (Node's verify callback accepts
    // all); the server side must check the result itself.
    const client = nodeTlsClient(refused.sockets.client, {
      cert: suite.certs.selfSignedCert,
      key: suite.certs.selfSignedKey,
    });
    const err = await withTimeout(refused.wrap, T, 'wrap').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as { code?: string }).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(refused.protocol.events).toEqual([]);
    // The server closed the connection: the client (reading) sees it end.
    const ended = new Promise((resolve) => client.once('end', resolve));
    client.resume();
    await withTimeout(ended, T, 'the client to see the connection end');
    expect(refused.sockets.server.destroyed).toBe(true);
  });
});

describe('client certificates without verification (server side)', () => {
  it('requestCert with rejectUnauthorized: false lets a client without a certificate in; ssl_object tells authorized false and why, as tls.Server does', async () => {
    const s = await serverWrap({}, requestCertContext({ rejectUnauthorized: false }));
    nodeTlsClient(s.sockets.client);
    const transport = await withTimeout(s.wrap, T, 'wrap');
    const tls = transport.getExtraInfo('ssl_object');
    expect(tls?.authorized).toBe(false);
    expect(tls?.authorizationError).toBe('UNABLE_TO_GET_ISSUER_CERT');
    expect(transport.getExtraInfo('peercert')).toBeNull();
    transport.abort();
  });
});

describe('TLS failures after the handshake', () => {
  it('a corrupted record mid-stream: connectionLost with the TLS error, once, nothing crashes (B-180)', async () => {
    // A proxy between client and server flips one byte of the first record after the handshake.
    const { loop } = newLoop();
    let corruptNext = false;
    const serverCtx = createSSLContext({ cert: suite.certs.cert, key: suite.certs.key });
    const serverProtocol = new RecordingProtocol();
    let serverWrap: Promise<Transport> | null = null;
    const backend = await rawListener((s) => {
      serverWrap = loop.getTlsEngine().wrap(loop, { kind: 'socket', socket: s }, serverProtocol, {
        ssl: serverCtx,
        serverSide: true,
      });
    });
    cleanups.push(() => backend.close());
    const proxy = await rawListener(async (front) => {
      const back = await rawConnect(backend.port);
      back.on('error', () => {});
      back.pipe(front);
      front.on('data', (chunk: Buffer) => {
        if (corruptNext && chunk.length > 10) {
          corruptNext = false;
          chunk[chunk.length - 3] = (chunk[chunk.length - 3] ?? 0) ^ 0xff;
        }
        back.write(chunk);
      });
      cleanups.push(() => back.destroy());
    });
    cleanups.push(() => proxy.close());
    const socket = await rawConnect(proxy.port);
    const clientProtocol = new RecordingProtocol();
    const client = await withTimeout(
      loop.getTlsEngine().wrap(loop, { kind: 'socket', socket }, clientProtocol, {
        ssl: createSSLContext({ ca: suite.certs.caCert }),
        serverSide: false,
        serverHostname: 'localhost',
      }),
      T,
      'client wrap',
    );
    await withTimeout(serverProtocol.waitMade(), T, 'server made');
    client.write(Buffer.from('ok'));
    await withTimeout(serverProtocol.waitBytes(2), T, 'first data');
    corruptNext = true;
    client.write(Buffer.alloc(1000, 1));
    const exc = await withTimeout(serverProtocol.waitLost(), T, 'server lost');
    expect(String((exc as { code?: string } | null)?.code)).toMatch(/^ERR_SSL_/);
    expect(serverProtocol.count('connectionLost')).toBe(1);
    expect(serverProtocol.receivedLength).toBe(2);
    serverProtocol.assertGrammar({ complete: true });
    expect(serverWrap).not.toBeNull();
    client.abort();
    await withTimeout(clientProtocol.waitLost(), T, 'client lost');
  });

  it('a peer that never answers close_notify cannot hold the connection: close() ends in connectionLost(null) (asyncio 8.39 fixed)', async () => {
    const c = await clientAgainst(suite.certs.cert, suite.certs.key, trusting(), {}, (s) => {
      s.on('error', () => {});
      // allowHalfOpen: true and no end(): our close_notify stays unanswered.
    });
    const transport = await withTimeout(c.result, T, 'wrap');
    transport.close();
    expect(await withTimeout(c.protocol.waitLost(), T, 'lost')).toBeNull();
    expect(c.protocol.count('connectionLost')).toBe(1);
  });

  it('a peer that does not read: close() cannot flush and aborts after sslShutdownTimeout with TimeoutError (B-176)', async () => {
    const c = await clientAgainst(
      suite.certs.cert,
      suite.certs.key,
      trusting(),
      { sslShutdownTimeout: 200 },
      (s) => {
        s.on('error', () => {});
        s.pause();
      },
    );
    const transport = await withTimeout(c.result, T, 'wrap');
    const chunk = Buffer.alloc(256 * 1024);
    // Fill the socket buffers on both sides until writes back up.
    while (transport.getWriteBufferSize() < 4 * 1024 * 1024) {
      transport.write(chunk);
      await new Promise((r) => setImmediate(r));
    }
    transport.close();
    const exc = await withTimeout(c.protocol.waitLost(), T, 'lost');
    expect(exc).toMatchObject({
      name: 'TimeoutError',
      code: 'ETIMEDOUT',
      message: 'SSL shutdown timed out',
    });
    expect(c.protocol.count('connectionLost')).toBe(1);
    expect(c.reports).toEqual([]);
  });
});
