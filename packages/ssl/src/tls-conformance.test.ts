import { mkdtempSync, rmSync } from 'node:fs';
import {
  createServer,
  type Server as NetServer,
  connect as netConnect,
  type Socket,
} from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket, connect as tlsConnect } from 'node:tls';
import { EventLoop } from '@x/loop';
import { tcp } from '@x/tcp';
import type { TlsWrapTarget } from '@x/transport-core';
import {
  type ConformanceContext,
  DuplexPeer,
  defineTransportConformance,
  serverSideFactory,
} from '@x/transport-core/testing';
import { describe, it } from 'vitest';
import { ssl } from './ssl.js';
import { createSSLContext } from './ssl-context.js';
import { portOf } from './test-support/loop-fixture.js';
import { tlsSuite } from './test-support/tls-suite.js';

const suite = tlsSuite();

/**
 * A listener whose accepted connections become server-side Node TLS sockets (the
 * conformance peer, given once its handshake is done): on TCP port 0, or on a Unix path.
 */
async function tlsPeerListener(ctx: ConformanceContext, path: string | null) {
  const server: NetServer = createServer({ allowHalfOpen: true });
  ctx.addCleanup(() => server.close());
  await new Promise<void>((resolve) => {
    if (path === null) server.listen(0, '127.0.0.1', resolve);
    else server.listen(path, resolve);
  });
  const peer = new Promise<TlsPeer>((resolve) => {
    server.once('connection', (raw: Socket) => {
      const tls = new TLSSocket(raw, {
        isServer: true,
        cert: suite.certs.cert,
        key: suite.certs.key,
      });
      tls.allowHalfOpen = true;
      tls.on('error', () => {});
      ctx.addCleanup(() => tls.destroy());
      // A connected pair: the peer's handshake is done too. Our side is done (and its
      // protocol may already run) before its Finished message has left; a peer that
      // resets before reading it would make that write, not a read, meet the RST.
      tls.once('secure', () => resolve(new TlsPeer(tls, raw)));
    });
  });
  return { server, peer };
}

function newLoop(ctx: ConformanceContext): EventLoop {
  const loop = new EventLoop({ transports: [tcp(), ssl()], logger: ctx.logger });
  loop.setExceptionHandler(ctx.exceptionHandler);
  ctx.addCleanup(() => loop.close());
  return loop;
}

const T = { describe, it, skip: it.skip };

/** A Unix socket has no RST: a peer "reset" is a plain close there. */
const UNIX_OPTIONS = { capabilities: { reset: false } };

defineTransportConformance(T, 'TLS (fast path over a TCP socket)', async (ctx) => {
  const loop = newLoop(ctx);
  const { server, peer } = await tlsPeerListener(ctx, null);
  const port = (server.address() as { port: number }).port;
  const [transport, protocol] = await loop.createConnection(
    ctx.protocolFactory,
    '127.0.0.1',
    port,
    {
      ssl: createSSLContext({ ca: suite.certs.caCert }),
    },
  );
  return { loop, transport, protocol, peer: await peer, close: async () => transport.abort() };
});

/** The conformance peer: the Node TLS socket, with a TCP reset done on the raw socket under it. */
class TlsPeer extends DuplexPeer {
  constructor(
    tls: TLSSocket,
    readonly raw: Socket,
  ) {
    super(tls);
  }
  override reset(): void {
    if (typeof this.raw.resetAndDestroy === 'function' && this.raw.remotePort !== undefined)
      this.raw.resetAndDestroy();
    else this.raw.destroy();
  }
}

/**
 * TLS server side: our `createServer` with `ssl`, a Node TLS client as the peer (given
 * once its handshake is done), and the server, so the kit also checks `waitClosed()`.
 */
defineTransportConformance(
  T,
  'TLS server side (fast path)',
  async (ctx) => {
    const loop = newLoop(ctx);
    const { factory, first } = serverSideFactory(ctx);
    const server = await loop.createServer(factory, '127.0.0.1', 0, {
      ssl: createSSLContext({ cert: suite.certs.cert, key: suite.certs.key }),
    });
    ctx.addCleanup(async () => {
      server.abortClients();
      server.close();
      await server.waitClosed();
    });
    // The raw socket first, so that a reset can be an RST from it.
    const raw = netConnect({ host: '127.0.0.1', port: portOf(server) });
    const client = tlsConnect({ socket: raw, ca: suite.certs.caCert, servername: 'localhost' });
    client.allowHalfOpen = true;
    client.on('error', () => {});
    ctx.addCleanup(() => client.destroy());
    // Connected = the server's session tickets (its last handshake write) have arrived:
    // a reset before them would meet that write instead of a read (see tlsPeerListener).
    // Handed over from the next turn: Node holds a write made within the client's
    // 'session' event until the socket's next read.
    const secure = new Promise<void>((resolve) => {
      client.once('session', () => setImmediate(resolve));
      // A check that fails the connection (a throwing connectionMade) gets it all the same.
      client.once('end', resolve);
      client.once('close', resolve);
    });
    const protocol = await first;
    const transport = await protocol.waitMade();
    await secure;
    return {
      loop,
      transport,
      protocol,
      peer: new TlsPeer(client, raw),
      server,
      close: async () => transport.abort(),
    };
  },
  { capabilities: { connectRejects: false } },
);

defineTransportConformance(T, 'TLS (generic path over a TCP transport)', async (ctx) => {
  const loop = newLoop(ctx);
  const { server, peer } = await tlsPeerListener(ctx, null);
  const port = (server.address() as { port: number }).port;
  const [plain] = await loop.createConnection(() => ({}), '127.0.0.1', port);
  ctx.addCleanup(() => plain.abort());
  const protocol = ctx.protocolFactory();
  const target: TlsWrapTarget = { kind: 'transport', transport: plain };
  const transport = await loop.getTlsEngine().wrap(loop, target, protocol, {
    ssl: createSSLContext({ ca: suite.certs.caCert }),
    serverSide: false,
    serverHostname: '127.0.0.1',
  });
  return { loop, transport, protocol, peer: await peer, close: async () => transport.abort() };
});

defineTransportConformance(
  T,
  'TLS (generic path over a Unix socket transport)',
  async (ctx) => {
    const loop = newLoop(ctx);
    const dir = mkdtempSync(join(tmpdir(), 'x-ssl-conf-'));
    ctx.addCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'peer.sock');
    const { peer } = await tlsPeerListener(ctx, path);
    // A plain Unix transport first; TLS then runs over it as over any Transport.
    const [plain] = await loop.createUnixConnection(() => ({}), path);
    ctx.addCleanup(() => plain.abort());
    const protocol = ctx.protocolFactory();
    const target: TlsWrapTarget = { kind: 'transport', transport: plain };
    const transport = await loop.getTlsEngine().wrap(loop, target, protocol, {
      ssl: createSSLContext({ ca: suite.certs.caCert }),
      serverSide: false,
      serverHostname: 'localhost',
    });
    return { loop, transport, protocol, peer: await peer, close: async () => transport.abort() };
  },
  UNIX_OPTIONS,
);
