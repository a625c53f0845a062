import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import type { EventLoop } from '@x/loop';
import type { Server, Transport } from '@x/transport-core';
import {
  RecordingBufferedProtocol,
  RecordingProtocol,
  withTimeout,
} from '@x/transport-core/testing';
import { describe, expect, it } from 'vitest';
import type { createSSLContext } from './ssl-context.js';
import { loopFixture, portOf, T, track as trackServer } from './test-support/loop-fixture.js';
import { rawConnect } from './test-support/raw-peer.js';
import { TappedStream } from './test-support/tapped-stream.js';
import { tlsSuite } from './test-support/tls-suite.js';

const suite = tlsSuite();
const { cleanups } = suite;

const setup = () => loopFixture(suite.certs, cleanups);
const track = (server: Server) => trackServer(server, cleanups);

/** An echo that learns its transport from startTls's result (no connectionMade after an upgrade). */
class UpgradedEcho extends RecordingProtocol {
  #pending: Uint8Array[] = [];
  attach(transport: Transport): void {
    this.transport = transport;
    for (const data of this.#pending.splice(0)) transport.write(data);
  }
  override dataReceived(data: Uint8Array): void {
    super.dataReceived(data);
    if (this.transport === null) this.#pending.push(data);
    else this.transport.write(data);
  }
}

/**
 * A line protocol that answers STARTTLS and then hands over to TLS (server side), through
 * `loop.startTls` (fast path on a TCP/Unix transport) or, with `generic`, through the
 * engine's generic path (TLS over the transport itself, not its socket).
 */
class StartTlsServer extends RecordingProtocol {
  upgraded: Promise<Transport> | null = null;
  /** What came after the STARTTLS line in the same chunk, handed to TLS. */
  initialData: Uint8Array | null = null;
  constructor(
    readonly loop: EventLoop,
    readonly ctx: ReturnType<typeof createSSLContext>,
    readonly app: UpgradedEcho,
    readonly generic = false,
  ) {
    super();
  }
  override dataReceived(data: Uint8Array): void {
    super.dataReceived(data);
    const text = Buffer.from(data).toString('latin1');
    const end = text.indexOf('\n');
    if (this.upgraded !== null || end < 0) return;
    const rest = Buffer.from(data).subarray(end + 1);
    this.initialData = rest;
    const transport = this.transport as Transport;
    const options = { serverSide: true, initialData: rest };
    const target = { kind: 'transport', transport } as const;
    this.upgraded = this.generic
      ? this.loop.getTlsEngine().wrap(this.loop, target, this.app, { ssl: this.ctx, ...options })
      : this.loop.startTls(transport, this.app, this.ctx, options);
    this.upgraded.then(
      (t) => this.app.attach(t),
      () => {},
    );
  }
}

/**
 * A Node TLS client over `raw` whose ClientHello leaves in the same socket write as the
 * plaintext line `STARTTLS\n` (one packet on loopback). Resolves once its handshake is done.
 */
async function startTlsInOneWrite(raw: Socket, cleanups: (() => unknown)[]) {
  const tapped = new TappedStream(raw);
  let firstWrite: Buffer | null = null;
  tapped.rewriteNextWrite((hello) => {
    firstWrite = Buffer.concat([Buffer.from('STARTTLS\n'), hello]);
    return firstWrite;
  });
  const client = tlsConnect({ socket: tapped, ca: suite.certs.caCert, servername: 'localhost' });
  client.on('error', () => {});
  cleanups.push(() => client.destroy());
  await withTimeout(once(client, 'secureConnect'), T, 'client handshake');
  return { client, firstWrite: firstWrite as Buffer | null };
}

/** Checks what the server saw: the line and the whole ClientHello in one dataReceived. */
function expectOneChunk(starter: StartTlsServer, firstWrite: Buffer | null): void {
  expect(firstWrite).not.toBeNull();
  expect(starter.count('dataReceived')).toBe(1);
  expect(starter.text()).toBe((firstWrite as Buffer).toString('utf8'));
  const initial = starter.initialData as Uint8Array;
  expect(initial.byteLength).toBeGreaterThan(0);
  expect(initial.byteLength).toBe((firstWrite as Buffer).length - 'STARTTLS\n'.length);
  // A TLS handshake record (content type 22): the ClientHello.
  expect(initial[0]).toBe(0x16);
}

/**
 * The protocol factory of a STARTTLS listener, and the last {@link StartTlsServer} it
 * made (each test accepts one connection).
 */
function startTlsFactory(
  loop: EventLoop,
  ctx: ReturnType<typeof createSSLContext>,
  app: UpgradedEcho,
  generic = false,
): { factory: () => StartTlsServer; accepted: () => StartTlsServer } {
  let last: StartTlsServer | null = null;
  return {
    factory: () => {
      last = new StartTlsServer(loop, ctx, app, generic);
      return last;
    },
    accepted: () => {
      if (last === null) throw new Error('no connection was accepted');
      return last;
    },
  };
}

describe('loop.startTls', () => {
  it('upgrades both sides of a plain TCP connection; the ClientHello sent with the STARTTLS line is not lost', async () => {
    const { loop, serverContext, clientContext } = setup();
    const serverApp = new UpgradedEcho();
    const starters = startTlsFactory(loop, serverContext, serverApp);
    const server = track(await loop.createServer(starters.factory, '127.0.0.1', 0));
    const port = portOf(server);
    const clientApp = new RecordingProtocol();
    const [plain] = await loop.createConnection(() => clientApp, '127.0.0.1', port);
    // The STARTTLS line and the ClientHello leave in the same write (corked).
    plain.write(Buffer.from('STARTTLS\n'));
    const upgrade = loop.startTls(plain, clientApp, clientContext, { serverHostname: 'localhost' });
    const tlsClient = await withTimeout(upgrade, T, 'client startTls');
    const tlsServer = await withTimeout(
      starters.accepted().upgraded as Promise<Transport>,
      T,
      'server',
    );
    expect(clientApp.count('connectionMade')).toBe(1);
    tlsClient.write(Buffer.from('secret'));
    await withTimeout(clientApp.waitBytes(6), T, 'echo over TLS');
    expect(clientApp.text()).toBe('secret');
    expect(tlsServer.getExtraInfo('cipher')).not.toBeNull();
    tlsClient.close();
    expect(await withTimeout(clientApp.waitLost(), T, 'client lost')).toBeNull();
    await withTimeout(serverApp.waitLost(), T, 'server lost');
    expect(serverApp.count('connectionMade')).toBe(0);
  });

  it('the STARTTLS line and the ClientHello in one write: the rest of the chunk goes to TLS as initialData and the handshake completes (fast path)', async () => {
    const { loop, serverContext } = setup();
    const serverApp = new UpgradedEcho();
    const starters = startTlsFactory(loop, serverContext, serverApp);
    const server = track(await loop.createServer(starters.factory, '127.0.0.1', 0));
    const raw = await rawConnect(portOf(server));
    cleanups.push(() => raw.destroy());
    const { client, firstWrite } = await startTlsInOneWrite(raw, cleanups);
    const s = starters.accepted();
    await withTimeout(s.upgraded as Promise<Transport>, T, 'server startTls');
    expectOneChunk(s, firstWrite);
    client.write('secret');
    const [echo] = (await withTimeout(once(client, 'data'), T, 'echo')) as [Buffer];
    expect(echo.toString()).toBe('secret');
    expect(serverApp.text()).toBe('secret');
  });

  it('the STARTTLS line and the ClientHello in one write, generic path over a Unix transport: initialData is fed to the transport duplex first', async () => {
    const { loop, serverContext } = setup();
    const dir = mkdtempSync(join(tmpdir(), 'x-ssl-starttls-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 's.sock');
    const serverApp = new UpgradedEcho();
    const starters = startTlsFactory(loop, serverContext, serverApp, true);
    track(await loop.createUnixServer(starters.factory, path));
    const raw = await rawConnect({ path });
    cleanups.push(() => raw.destroy());
    const { client, firstWrite } = await startTlsInOneWrite(raw, cleanups);
    const s = starters.accepted();
    const tlsServer = await withTimeout(s.upgraded as Promise<Transport>, T, 'server wrap');
    expectOneChunk(s, firstWrite);
    expect(tlsServer.getExtraInfo('peername')).toBe('');
    client.write('secret');
    const [echo] = (await withTimeout(once(client, 'data'), T, 'echo')) as [Buffer];
    expect(echo.toString()).toBe('secret');
    expect(serverApp.text()).toBe('secret');
  });

  it('client side with a BufferedProtocol: 100 KiB before the upgrade, TLS data after it, intact (B-178)', async () => {
    const { loop, serverContext, clientContext } = setup();
    const serverApp = new UpgradedEcho();
    const starters = startTlsFactory(loop, serverContext, serverApp);
    const server = track(await loop.createServer(starters.factory, '127.0.0.1', 0));
    const clientApp = new RecordingBufferedProtocol({ bufferSize: 1000 });
    const [plain] = await loop.createConnection(() => clientApp, '127.0.0.1', portOf(server));
    const before = Buffer.alloc(100 * 1024, 'p');
    plain.write(before);
    plain.write(Buffer.from('\n'));
    // The server sees the plaintext (no newline in it) and then STARTTLS's newline.
    const tlsClient = await withTimeout(
      loop.startTls(plain, clientApp, clientContext, { serverHostname: 'localhost' }),
      T,
      'client startTls',
    );
    await withTimeout(starters.accepted().upgraded as Promise<Transport>, T, 'server');
    expect(starters.accepted().receivedLength).toBeGreaterThanOrEqual(before.length);
    const after = Buffer.alloc(50_000, 'q');
    tlsClient.write(after);
    await withTimeout(clientApp.waitBytes(after.length), T, 'echo');
    expect(clientApp.received().equals(after)).toBe(true);
    expect(clientApp.count('connectionMade')).toBe(1);
    tlsClient.close();
    await withTimeout(clientApp.waitLost(), T, 'lost');
  });

  it('wrong arguments reject with TypeError before any I/O (B-179)', async () => {
    const { loop, clientContext } = setup();
    const p = new RecordingProtocol();
    await expect(loop.startTls(null as unknown as Transport, p, clientContext)).rejects.toThrow(
      /not supported/,
    );
    await expect(loop.startTls({} as Transport, p, clientContext)).rejects.toBeInstanceOf(
      TypeError,
    );
    const fake = {
      write() {},
      writelines() {},
      setProtocol() {},
      pauseReading() {},
      resumeReading() {},
      canWriteEof() {
        return true;
      },
      abort() {},
      isClosing() {
        return false;
      },
    };
    await expect(loop.startTls(fake as unknown as Transport, p, {} as never)).rejects.toThrow(
      /SSLContext/,
    );
    await expect(
      loop.startTls(fake as unknown as Transport, p, clientContext, {
        serverHostname: 'h',
        sslHandshakeTimeout: 0,
      }),
    ).rejects.toBeInstanceOf(RangeError);
    await expect(
      loop.startTls(fake as unknown as Transport, p, clientContext, {
        serverHostname: 'h',
        sslShutdownTimeout: -1,
      }),
    ).rejects.toBeInstanceOf(RangeError);
    await expect(
      loop.startTls(fake as unknown as Transport, p, clientContext, {
        server_side: true,
      } as never),
    ).rejects.toThrow(
      /startTls\(\) got an unknown option 'server_side' \(did you mean 'serverSide'\?\)/,
    );
    await expect(
      loop.startTls(fake as unknown as Transport, p, clientContext, 'fast' as never),
    ).rejects.toThrow(new TypeError("options must be an object, not 'string'"));
    const closing = { ...fake, isClosing: () => true };
    await expect(
      loop.startTls(closing as unknown as Transport, p, clientContext, { serverHostname: 'h' }),
    ).rejects.toThrow(new Error('startTls(): the transport is closing'));
  });

  it('TLS over TLS: startTls on a TLS transport uses the generic path (B-181)', async () => {
    const { loop, serverContext, clientContext } = setup();
    const serverApp = new UpgradedEcho();
    const starters = startTlsFactory(loop, serverContext, serverApp);
    const server = track(
      await loop.createServer(starters.factory, '127.0.0.1', 0, { ssl: serverContext }),
    );
    const port = portOf(server);
    const clientApp = new RecordingProtocol();
    const [outer] = await loop.createConnection(() => clientApp, '127.0.0.1', port, {
      ssl: clientContext,
    });
    outer.write(Buffer.from('STARTTLS\n'));
    const inner = await withTimeout(
      loop.startTls(outer, clientApp, clientContext, { serverHostname: 'localhost' }),
      T,
      'inner startTls',
    );
    await withTimeout(starters.accepted().upgraded as Promise<Transport>, T, 'server inner');
    const big = Buffer.alloc(300_000, 'z');
    inner.write(big);
    await withTimeout(clientApp.waitBytes(big.length), 10_000, 'echo');
    expect(clientApp.received().equals(big)).toBe(true);
    inner.close();
    expect(await withTimeout(clientApp.waitLost(), T, 'lost')).toBeNull();
  });
});
