import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { CreateServerOptions, Server, StreamProtocol, Transport } from '@x/transport-core';
import { RecordingProtocol, withTimeout } from '@x/transport-core/testing';
import { describe, expect, it } from 'vitest';
import { createSSLContext } from './ssl-context.js';
import { Echo, loopFixture, portOf, T, track as trackServer } from './test-support/loop-fixture.js';
import { rawConnect } from './test-support/raw-peer.js';
import { tlsSuite } from './test-support/tls-suite.js';

const suite = tlsSuite();
const { cleanups } = suite;

const setup = () => loopFixture(suite.certs, cleanups);
const track = (server: Server) => trackServer(server, cleanups);

/** A server on 127.0.0.1 whose protocols, made by `make`, are collected in order. */
async function collectingServer<P extends StreamProtocol>(
  loop: ReturnType<typeof setup>['loop'],
  make: () => P,
  options: CreateServerOptions,
): Promise<{ server: Server; protocols: P[] }> {
  const protocols: P[] = [];
  const server = track(
    await loop.createServer(
      () => {
        const p = make();
        protocols.push(p);
        return p;
      },
      '127.0.0.1',
      0,
      options,
    ),
  );
  return { server, protocols };
}

describe('the ssl option of the loop methods (through @x/tcp)', () => {
  it('createServer + createConnection with ssl: echo over TCP, serverHostname defaults to the host', async () => {
    const { loop, serverContext, clientContext } = setup();
    const { server, protocols } = await collectingServer(loop, () => new Echo(), {
      ssl: serverContext,
    });
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

  it('sslHandshakeTimeout through createConnection: a silent server makes it reject with ConnectionAbortedError', async () => {
    const { loop, clientContext } = setup();
    const silent = createNetServer((s) => s.on('error', () => {}));
    const sockets: Socket[] = [];
    silent.on('connection', (s) => sockets.push(s));
    cleanups.push(() => {
      for (const s of sockets) s.destroy();
      silent.close();
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const protocol = new RecordingProtocol();
    await expect(
      withTimeout(
        loop.createConnection(() => protocol, '127.0.0.1', port, {
          ssl: clientContext,
          sslHandshakeTimeout: 100,
        }),
        T,
        'connect',
      ),
    ).rejects.toMatchObject({
      name: 'ConnectionAbortedError',
      message: /taking longer than 100 ms/,
    });
    expect(protocol.events).toEqual([]);
  });

  it('sslHandshakeTimeout through createServer: a silent client is dropped after the timeout, its protocol hears nothing', async () => {
    const { loop, serverContext } = setup();
    const { server, protocols } = await collectingServer(loop, () => new RecordingProtocol(), {
      ssl: serverContext,
      sslHandshakeTimeout: 100,
    });
    const silent = await rawConnect(portOf(server));
    cleanups.push(() => silent.destroy());
    const dropped = once(silent, 'end');
    silent.resume();
    // The default (60 s) would outlast the wait: the EOF comes from the 100 ms option.
    await withTimeout(dropped, T, 'server dropped the silent client');
    expect(protocols.length).toBe(1);
    expect(protocols[0]?.events).toEqual([]);
  });

  it('sslShutdownTimeout through createConnection: after close(), the socket lingers for a silent peer at most that long', async () => {
    const { loop, clientContext } = setup();
    // A peer that never answers close_notify nor closes its side (allowHalfOpen).
    const peers: TLSSocket[] = [];
    const peer = createTlsServer(
      { cert: suite.certs.cert, key: suite.certs.key, allowHalfOpen: true },
      (s) => {
        s.on('error', () => {});
        peers.push(s);
      },
    );
    cleanups.push(() => {
      for (const s of peers) s.destroy();
      peer.close();
    });
    await new Promise<void>((r) => peer.listen(0, '127.0.0.1', r));
    const port = (peer.address() as { port: number }).port;
    const [transport, protocol] = await withTimeout(
      loop.createConnection(() => new RecordingProtocol(), '127.0.0.1', port, {
        ssl: clientContext,
        sslShutdownTimeout: 100,
      }),
      T,
      'connect',
    );
    const raw = transport.getExtraInfo('socket') as Socket;
    const rawClosed = once(raw, 'close');
    transport.close();
    expect(await withTimeout(protocol.waitLost(), T, 'lost')).toBeNull();
    // The default (30 s) would outlast the wait: the linger ends by the 100 ms option.
    await withTimeout(rawClosed, T, 'socket closed after the linger');
    expect(peers.length).toBe(1);
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

  it('TLS settings the TLS layer refuses are refused at the call, before any I/O', async () => {
    const { loop } = setup();
    // Made by hand: createSSLContext itself refuses a host name check without verification.
    const claimsCheck = { ...createSSLContext({ rejectUnauthorized: false }), checkHostname: true };
    const refused = /checkHostname: true needs certificate verification/;
    // Port 1 has no listener: a check made after connecting would give ECONNREFUSED instead.
    await expect(
      loop.createConnection(() => ({}), '127.0.0.1', 1, { ssl: claimsCheck }),
    ).rejects.toThrow(refused);
    await expect(
      loop.createServer(() => ({}), '127.0.0.1', 0, { ssl: claimsCheck }),
    ).rejects.toThrow(refused);
  });

  it('TLS 1.2: a greeting written in connectionMade is answered from dataReceived, and cipher names TLSv1.2', async () => {
    const { loop, clientContext } = setup();
    const serverContext = createSSLContext({
      cert: suite.certs.cert,
      key: suite.certs.key,
      maxVersion: 'TLSv1.2',
    });
    class Greeter extends RecordingProtocol {
      override connectionMade(transport: Transport): void {
        super.connectionMade(transport);
        transport.write(Buffer.from('220 hello\r\n'));
      }
    }
    class Answerer extends RecordingProtocol {
      override dataReceived(data: Uint8Array): void {
        super.dataReceived(data);
        if (this.text().endsWith('\r\n')) this.transport?.write(Buffer.from('EHLO x\r\n'));
      }
    }
    const { server, protocols: greeters } = await collectingServer(loop, () => new Greeter(), {
      ssl: serverContext,
    });
    const [transport, client] = await withTimeout(
      loop.createConnection(() => new Answerer(), '127.0.0.1', portOf(server), {
        ssl: clientContext,
      }),
      T,
      'connect',
    );
    expect((transport.getExtraInfo('cipher') as readonly unknown[])[1]).toBe('TLSv1.2');
    await withTimeout(greeters[0]!.waitBytes(8), T, 'the answer');
    expect(greeters[0]!.text()).toBe('EHLO x\r\n');
    expect(client.text()).toBe('220 hello\r\n');
    transport.close();
    expect(await withTimeout(client.waitLost(), T, 'lost')).toBeNull();
  });

  it('createUnixServer + createUnixConnection with ssl', async () => {
    const { loop, serverContext, clientContext } = setup();
    const dir = mkdtempSync(join(tmpdir(), 'x-ssl-unix-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 's.sock');
    track(await loop.createUnixServer(() => new Echo(), path, { ssl: serverContext }));
    const [transport, protocol] = await withTimeout(
      loop.createUnixConnection(() => new RecordingProtocol(), path, {
        ssl: clientContext,
        serverHostname: 'localhost',
      }),
      T,
      'connect',
    );
    // @x/tcp hands the Unix peer's path to TLS through TlsWrapOptions.extra.
    expect(transport.getExtraInfo('peername')).toBe(path);
    expect(transport.getExtraInfo('ssl_object')).not.toBeNull();
    transport.write(Buffer.from('unix'));
    await withTimeout(protocol.waitBytes(4), T, 'echo');
    transport.close();
    await withTimeout(protocol.waitLost(), T, 'lost');
  });

  it('connectAcceptedSocket with ssl: server-side TLS on a socket accepted elsewhere', async () => {
    const { loop, serverContext, clientContext } = setup();
    const listener = createNetServer({ pauseOnConnect: true });
    cleanups.push(() => listener.close());
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    const accepted = new Promise<Socket>((r) => listener.once('connection', r));
    const port = (listener.address() as { port: number }).port;
    const connecting = loop.createConnection(() => new RecordingProtocol(), '127.0.0.1', port, {
      ssl: clientContext,
    });
    const sock = await withTimeout(accepted, T, 'accepted');
    const [serverTransport, serverProtocol] = await withTimeout(
      loop.connectAcceptedSocket(() => new Echo(), sock, { ssl: serverContext }),
      T,
      'connectAcceptedSocket',
    );
    const [transport, protocol] = await withTimeout(connecting, T, 'connect');
    expect(serverTransport.getExtraInfo('socket')).toBe(sock);
    transport.write(Buffer.from('accepted'));
    await withTimeout(protocol.waitBytes(8), T, 'echo');
    transport.close();
    await withTimeout(serverProtocol.waitLost(), T, 'server lost');
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
