import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventLoop } from '@x/loop';
import { tcp } from '@x/tcp';
import type { Server, Transport } from '@x/transport-core';
import { RecordingProtocol, withTimeout } from '@x/transport-core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ssl } from './ssl.js';
import { createSSLContext } from './ssl-context.js';
import { makeTestCerts, type TestCerts } from './test-support/make-test-certs.js';

let certs: TestCerts;
const cleanups: (() => unknown)[] = [];
const T = 5000;

beforeAll(() => {
  certs = makeTestCerts();
});
afterAll(() => certs.cleanup());
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function setup() {
  const loop = new EventLoop({ transports: [tcp(), ssl()] });
  const serverContext = createSSLContext({ cert: certs.cert, key: certs.key });
  const clientContext = createSSLContext({ ca: certs.caCert });
  cleanups.push(() => loop.close());
  return { loop, serverContext, clientContext };
}

class Echo extends RecordingProtocol {
  override dataReceived(data: Uint8Array): void {
    super.dataReceived(data);
    this.transport?.write(data);
  }
}

function portOf(server: Server): number {
  const address = server.sockets[0]?.getsockname();
  if (!Array.isArray(address)) throw new Error('server has no TCP socket');
  return address[1] as number;
}

function track(server: Server): Server {
  cleanups.push(async () => {
    server.close();
    server.abortClients();
    await withTimeout(server.waitClosed(), T, 'server closed');
  });
  return server;
}

describe('the ssl option of the loop methods (through @x/tcp)', () => {
  it('createServer + createConnection with ssl: echo over TCP, serverHostname defaults to the host', async () => {
    const { loop, serverContext, clientContext } = setup();
    const protocols: Echo[] = [];
    const server = track(
      await loop.createServer(
        () => {
          const p = new Echo();
          protocols.push(p);
          return p;
        },
        '127.0.0.1',
        0,
        { ssl: serverContext },
      ),
    );
    const port = portOf(server);
    const [transport, protocol] = await withTimeout(
      loop.createConnection(() => new RecordingProtocol(), '127.0.0.1', port, {
        ssl: clientContext,
      }),
      T,
      'connect',
    );
    expect(protocol.names()).toEqual(['connectionMade']);
    expect(transport.getExtraInfo('ssl_object')).not.toBeNull();
    transport.write(Buffer.from('ping'));
    await withTimeout(protocol.waitBytes(4), T, 'echo');
    expect(protocol.text()).toBe('ping');
    transport.close();
    expect(await withTimeout(protocol.waitLost(), T, 'lost')).toBeNull();
    await withTimeout(protocols[0]!.waitLost(), T, 'server side lost');
  });

  it('a wrong serverHostname fails createConnection with ERR_TLS_CERT_ALTNAME_INVALID', async () => {
    const { loop, serverContext, clientContext } = setup();
    const server = track(
      await loop.createServer(() => new Echo(), '127.0.0.1', 0, { ssl: serverContext }),
    );
    const port = portOf(server);
    const protocol = new RecordingProtocol();
    await expect(
      loop.createConnection(() => protocol, '127.0.0.1', port, {
        ssl: clientContext,
        serverHostname: 'example.com',
      }),
    ).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(protocol.events).toEqual([]);
  });

  it('createUnixServer + createUnixConnection with ssl', async () => {
    const { loop, serverContext, clientContext } = setup();
    const dir = mkdtempSync(join(tmpdir(), 'x-ssl-unix-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 's.sock');
    track(await loop.createUnixServer(() => new Echo(), path, { ssl: serverContext }));
    // Needs @x/tcp to pass its extra info (the Unix path) in TlsWrapOptions.extra.
    const [transport, protocol] = await withTimeout(
      loop.createUnixConnection(() => new RecordingProtocol(), path, {
        ssl: clientContext,
        serverHostname: 'localhost',
      }),
      T,
      'connect',
    );
    expect(transport.getExtraInfo('peername')).toBe(path);
    transport.write(Buffer.from('unix'));
    await withTimeout(protocol.waitBytes(4), T, 'echo');
    transport.close();
    await withTimeout(protocol.waitLost(), T, 'lost');
  });

  it('server.closeClients() closes TLS connections (close_notify) and waitClosed() resolves', async () => {
    const { loop, serverContext, clientContext } = setup();
    const server = await loop.createServer(() => new Echo(), '127.0.0.1', 0, {
      ssl: serverContext,
    });
    const port = portOf(server);
    const [transport, protocol] = await loop.createConnection(
      () => new RecordingProtocol(),
      '127.0.0.1',
      port,
      {
        ssl: clientContext,
      },
    );
    // One round trip: the server side has finished its handshake too.
    transport.write(Buffer.from('x'));
    await withTimeout(protocol.waitBytes(1), T, 'echo');
    server.close();
    server.closeClients();
    expect(await withTimeout(protocol.waitLost(), T, 'client lost')).toBeNull();
    await withTimeout(server.waitClosed(), T, 'waitClosed');
  });
});

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

/** A line protocol that answers STARTTLS and then hands over to TLS (server side). */
class StartTlsServer extends RecordingProtocol {
  upgraded: Promise<Transport> | null = null;
  constructor(
    readonly loop: EventLoop,
    readonly ctx: ReturnType<typeof createSSLContext>,
    readonly app: UpgradedEcho,
  ) {
    super();
  }
  override dataReceived(data: Uint8Array): void {
    super.dataReceived(data);
    const text = Buffer.from(data).toString('latin1');
    const end = text.indexOf('\n');
    if (this.upgraded !== null || end < 0) return;
    const rest = Buffer.from(data).subarray(end + 1);
    const transport = this.transport as Transport;
    this.upgraded = this.loop.startTls(transport, this.app, this.ctx, {
      serverSide: true,
      initialData: rest,
    });
    this.upgraded.then(
      (t) => this.app.attach(t),
      () => {},
    );
  }
}

describe('server tracking during the handshake', () => {
  it('a connection still in its handshake counts for waitClosed() and is aborted by abortClients() (B-174)', async () => {
    const { loop, serverContext } = setup();
    let accepted!: () => void;
    const acceptedP = new Promise<void>((r) => {
      accepted = r;
    });
    const server = await loop.createServer(
      () => {
        accepted();
        return new Echo();
      },
      '127.0.0.1',
      0,
      { ssl: serverContext },
    );
    const port = portOf(server);
    const silent = connect({ port, host: '127.0.0.1' });
    silent.on('error', () => {});
    cleanups.push(() => silent.destroy());
    await withTimeout(acceptedP, T, 'accepted');
    server.close();
    let closed = false;
    const waiting = server.waitClosed().then(() => {
      closed = true;
    });
    // The client is silent, its handshake pending: the server must still wait for it.
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(closed).toBe(false);
    server.abortClients();
    await withTimeout(waiting, T, 'waitClosed');
    await withTimeout(new Promise((r) => silent.once('close', r)), T, 'client socket closed');
  });
});

describe('loop.startTls', () => {
  it('upgrades both sides of a plain TCP connection; the ClientHello sent with the STARTTLS line is not lost', async () => {
    const { loop, serverContext, clientContext } = setup();
    const serverApp = new UpgradedEcho();
    let starter: StartTlsServer | null = null;
    const server = track(
      await loop.createServer(
        () => {
          starter = new StartTlsServer(loop, serverContext, serverApp);
          return starter;
        },
        '127.0.0.1',
        0,
      ),
    );
    const port = portOf(server);
    const clientApp = new RecordingProtocol();
    const [plain] = await loop.createConnection(() => clientApp, '127.0.0.1', port);
    // The STARTTLS line and the ClientHello leave in the same write (corked).
    plain.write(Buffer.from('STARTTLS\n'));
    const upgrade = loop.startTls(plain, clientApp, clientContext, { serverHostname: 'localhost' });
    const tlsClient = await withTimeout(upgrade, T, 'client startTls');
    const tlsServer = await withTimeout(
      (starter as unknown as StartTlsServer).upgraded as Promise<Transport>,
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
  });

  it('TLS over TLS: startTls on a TLS transport uses the generic path (B-181)', async () => {
    const { loop, serverContext, clientContext } = setup();
    const serverApp = new UpgradedEcho();
    let starter: StartTlsServer | null = null;
    const server = track(
      await loop.createServer(
        () => {
          starter = new StartTlsServer(loop, serverContext, serverApp);
          return starter;
        },
        '127.0.0.1',
        0,
        { ssl: serverContext },
      ),
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
    await withTimeout(
      (starter as unknown as StartTlsServer).upgraded as Promise<Transport>,
      T,
      'server inner',
    );
    const big = Buffer.alloc(300_000, 'z');
    inner.write(big);
    await withTimeout(clientApp.waitBytes(big.length), 10_000, 'echo');
    expect(clientApp.received().equals(big)).toBe(true);
    inner.close();
    expect(await withTimeout(clientApp.waitLost(), T, 'lost')).toBeNull();
  });
});
