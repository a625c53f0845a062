import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { TLSSocket, connect as tlsConnect } from 'node:tls';
import { EventLoop } from '@x/loop';
import { tcp } from '@x/tcp';
import type { Transport } from '@x/transport-core';
import { RecordingProtocol, withTimeout } from '@x/transport-core/testing';
import { describe, expect, it } from 'vitest';
import { ssl } from './ssl.js';
import { createSSLContext } from './ssl-context.js';
import { rawUnixListener } from './test-support/raw-peer.js';
import { TappedStream } from './test-support/tapped-stream.js';
import { tlsSuite } from './test-support/tls-suite.js';
import { until } from './test-support/until.js';

const suite = tlsSuite();
const { cleanups } = suite;
const T = 5000;

/** A fresh Unix socket path in a temp directory removed after the test. */
function socketPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'x-ssl-generic-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'peer.sock');
}

/**
 * Our TLS client on the generic path: a plain Unix transport to `path`, with TLS run over
 * the transport (not its socket) by the engine.
 */
async function genericClient(path: string) {
  const loop = new EventLoop({ transports: [tcp(), ssl()] });
  loop.setExceptionHandler(() => {});
  cleanups.push(() => loop.close());
  const [plain] = await loop.createUnixConnection(() => ({}), path);
  cleanups.push(() => plain.abort());
  const protocol = new RecordingProtocol();
  const wrap = loop.getTlsEngine().wrap(loop, { kind: 'transport', transport: plain }, protocol, {
    ssl: createSSLContext({ ca: suite.certs.caCert }),
    serverSide: false,
    serverHostname: 'localhost',
  });
  return { loop, plain, protocol, wrap };
}

/** Resolves with the first socket the listener accepts. */
function firstAccepted(onSocket: (s: Socket) => void = () => {}) {
  let accept!: (s: Socket) => void;
  const accepted = new Promise<Socket>((resolve) => {
    accept = resolve;
  });
  return {
    accepted,
    onSocket(s: Socket) {
      onSocket(s);
      accept(s);
    },
  };
}

/** Server-side Node TLS over `stream`, as the peer of our generic-path client. */
function nodeTlsServer(stream: Duplex): TLSSocket {
  const tls = new TLSSocket(stream, {
    isServer: true,
    cert: suite.certs.cert,
    key: suite.certs.key,
  });
  tls.on('error', () => {});
  cleanups.push(() => tls.destroy());
  return tls;
}

describe('TLS handshake failures on the generic path (TLS over a Unix transport)', () => {
  it('peer closing mid-handshake: rejects with ECONNRESET, protocol sees nothing, the transport below is closed', async () => {
    const path = socketPath();
    const listener = await rawUnixListener(path, (s) => s.once('data', () => s.destroy()));
    cleanups.push(() => listener.close());
    const c = await genericClient(path);
    await expect(withTimeout(c.wrap, T, 'wrap')).rejects.toMatchObject({
      name: 'ConnectionResetError',
      code: 'ECONNRESET',
    });
    expect(c.protocol.events).toEqual([]);
    expect(c.plain.isClosing()).toBe(true);
  });

  it('garbage instead of a handshake: rejects with the TLS error, protocol sees nothing, the peer sees the close', async () => {
    const path = socketPath();
    const peer = firstAccepted((s) =>
      s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\n\r\n')),
    );
    const listener = await rawUnixListener(path, peer.onSocket);
    cleanups.push(() => listener.close());
    const c = await genericClient(path);
    const peerSocket = await withTimeout(peer.accepted, T, 'accepted');
    const peerClosed = once(peerSocket, 'close');
    const err = await withTimeout(c.wrap, T, 'wrap').catch((e: Error) => e);
    expect(String((err as { code?: string }).code)).toMatch(/^ERR_SSL_/);
    expect(c.protocol.events).toEqual([]);
    expect(c.plain.isClosing()).toBe(true);
    // The peer half-closed (allowHalfOpen): it sees 'close' only because we closed too.
    await withTimeout(peerClosed, T, 'peer socket closed');
  });
});

describe('client certificates on the generic path', () => {
  it('a server asking for client certificates refuses one the CA did not sign; the transport below is closed', async () => {
    const path = socketPath();
    const loop = new EventLoop({ transports: [tcp(), ssl()] });
    loop.setExceptionHandler(() => {});
    cleanups.push(() => loop.close());
    let accepted!: (t: Transport) => void;
    const plainAccepted = new Promise<Transport>((resolve) => {
      accepted = resolve;
    });
    // Reading paused until TLS takes the transport over: the ClientHello waits for it.
    const server = await loop.createUnixServer(
      () => ({
        connectionMade(t: Transport) {
          t.pauseReading();
          accepted(t);
        },
      }),
      path,
    );
    cleanups.push(() => server.close());
    const client = tlsConnect({
      path,
      ca: suite.certs.caCert,
      cert: suite.certs.selfSignedCert,
      key: suite.certs.selfSignedKey,
      servername: 'localhost',
    });
    client.on('error', () => {});
    cleanups.push(() => client.destroy());
    const plain = await withTimeout(plainAccepted, T, 'accepted');
    const protocol = new RecordingProtocol();
    const ctx = createSSLContext({
      cert: suite.certs.cert,
      key: suite.certs.key,
      ca: suite.certs.caCert,
      requestCert: true,
    });
    const err = await withTimeout(
      loop.getTlsEngine().wrap(loop, { kind: 'transport', transport: plain }, protocol, {
        ssl: ctx,
        serverSide: true,
      }),
      T,
      'wrap',
    ).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(protocol.events).toEqual([]);
    expect(plain.isClosing()).toBe(true);
  });
});

describe('TLS failures after the handshake on the generic path', () => {
  it('a corrupted record mid-stream: connectionLost with the TLS error, once; the transport below is closed', async () => {
    const path = socketPath();
    const peer = firstAccepted();
    const listener = await rawUnixListener(path, peer.onSocket);
    cleanups.push(() => listener.close());
    const c = await genericClient(path);
    // The peer's records pass through a tap that can rewrite one of them.
    const tapped = new TappedStream(await withTimeout(peer.accepted, T, 'accepted'));
    const server = nodeTlsServer(tapped);
    const client = await withTimeout(c.wrap, T, 'wrap');
    server.write('ok');
    await withTimeout(c.protocol.waitBytes(2), T, 'first data');
    // Flip a byte of the next record's authentication tag on its way out.
    tapped.rewriteNextWrite((record) => {
      const copy = Buffer.from(record);
      copy[copy.length - 3] = (copy[copy.length - 3] ?? 0) ^ 0xff;
      return copy;
    });
    server.write(Buffer.alloc(1000, 1));
    const exc = await withTimeout(c.protocol.waitLost(), T, 'client lost');
    expect(String((exc as { code?: string } | null)?.code)).toMatch(/^ERR_SSL_/);
    expect(c.protocol.count('connectionLost')).toBe(1);
    expect(c.protocol.receivedLength).toBe(2);
    c.protocol.assertGrammar({ complete: true });
    expect(client.isClosing()).toBe(true);
    expect(c.plain.isClosing()).toBe(true);
  });

  it('read backpressure: a paused application reader makes the transport duplex pause the transport below; resuming delivers everything', async () => {
    const path = socketPath();
    const peer = firstAccepted();
    const listener = await rawUnixListener(path, peer.onSocket);
    cleanups.push(() => listener.close());
    const c = await genericClient(path);
    const server = nodeTlsServer(await withTimeout(peer.accepted, T, 'accepted'));
    const client = await withTimeout(c.wrap, T, 'wrap');
    client.pauseReading();
    expect(c.plain.isReading()).toBe(true);
    const chunk = Buffer.alloc(64 * 1024, 5);
    let total = 0;
    // The peer writes until the buffers between it and the paused reader fill up to the
    // transport below: TransportDuplex must then pause its reading.
    await until(
      () => {
        if (!c.plain.isReading()) return true;
        if (server.writableLength < 1024 * 1024) {
          server.write(chunk);
          total += chunk.length;
        }
        return false;
      },
      'the transport below paused',
      T,
    );
    expect(c.protocol.receivedLength).toBe(0);
    expect(total).toBeGreaterThan(0);
    client.resumeReading();
    await withTimeout(c.protocol.waitBytes(total), T, 'all bytes');
    expect(c.protocol.receivedLength).toBe(total);
    expect(c.plain.isReading()).toBe(true);
  });
});
