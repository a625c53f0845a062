/**
 * The transport conformance kit (`@x/transport-core/testing`) run against the real TCP
 * and Unix socket transports: client side over 127.0.0.1 (and ::1 when the host has
 * it), server side (`createServer`), `connectAcceptedSocket`, and Unix sockets in a temp
 * dir (client and server side), plus refused connections. The peer is a raw
 * `net.Socket`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventLoop } from '@x/loop';
import type { Address, Server, Transport } from '@x/transport-core';
import {
  type ConformanceContext,
  type ConformancePair,
  DuplexPeer,
  defineTransportConformance,
  type RecordingProtocol,
  serverSideFactory,
} from '@x/transport-core/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { usesOnread } from './onread-socket.js';
import { setStreamWriteFastPath, streamHandle } from './stream-handle-write.js';
import { tcp } from './tcp.js';

const t = { describe, it, skip: it.skip };

function makeLoop(ctx: ConformanceContext): EventLoop {
  const loop = new EventLoop({ transports: [tcp()], logger: ctx.logger });
  loop.setExceptionHandler(ctx.exceptionHandler);
  ctx.addCleanup(() => loop.close());
  return loop;
}

/** A raw server (half-open allowed, so the peer keeps reading after the transport's EOF). */
async function rawServer(
  ctx: ConformanceContext,
  listen: (server: net.Server, done: () => void) => void,
) {
  const server = net.createServer({ allowHalfOpen: true });
  const sockets = new Set<net.Socket>();
  let onAccept: ((socket: net.Socket) => void) | null = null;
  server.on('connection', (socket) => {
    sockets.add(socket);
    onAccept?.(socket);
  });
  ctx.addCleanup(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    listen(server, resolve);
  });
  const accepted = new Promise<net.Socket>((resolve) => {
    onAccept = resolve;
  });
  return { server, accepted };
}

function pairOf(
  loop: EventLoop,
  transport: Transport,
  protocol: RecordingProtocol,
  socket: net.Socket,
  server?: Server,
): ConformancePair {
  const peer = new DuplexPeer(socket);
  return {
    loop,
    transport,
    protocol,
    peer,
    ...(server === undefined ? {} : { server }),
    close: async () => {
      transport.abort();
      peer.destroy();
    },
  };
}

/** Client side: loop.createConnection to a raw server on `host`. */
function tcpClient(host: string) {
  return async (ctx: ConformanceContext): Promise<ConformancePair> => {
    const loop = makeLoop(ctx);
    const { server, accepted } = await rawServer(ctx, (s, done) => s.listen(0, host, done));
    const { port } = server.address() as net.AddressInfo;
    const [transport, protocol] = await loop.createConnection(ctx.protocolFactory, host, port);
    return pairOf(loop, transport, protocol, await accepted);
  };
}

/**
 * Server side: the loop's server makes the transport for a raw client socket. `listen`
 * starts the server; `connect` opens the raw client to its address.
 */
function serverSide(
  listen: (
    loop: EventLoop,
    factory: () => RecordingProtocol,
    ctx: ConformanceContext,
  ) => Promise<Server>,
  connect: (address: Address) => net.Socket,
) {
  return async (ctx: ConformanceContext): Promise<ConformancePair> => {
    const loop = makeLoop(ctx);
    const { factory, first } = serverSideFactory(ctx);
    const server = await listen(loop, factory, ctx);
    ctx.addCleanup(async () => {
      server.abortClients();
      server.close();
      await server.waitClosed();
    });
    const socket = connect(server.sockets[0]?.getsockname() as Address);
    ctx.addCleanup(() => socket.destroy());
    const protocol = await first;
    const transport = await protocol.waitMade();
    return pairOf(loop, transport, protocol, socket, server);
  };
}

const tcpServerSide = serverSide(
  (loop, factory) => loop.createServer(factory, '127.0.0.1', 0),
  (address) => {
    const [host, port] = address as readonly [string, number];
    return net.connect({ host, port, allowHalfOpen: true });
  },
);

const unixServerSide = serverSide(
  (loop, factory, ctx) => loop.createUnixServer(factory, join(tempDir(ctx), 's.sock')),
  (address) => net.connect({ path: address as string, allowHalfOpen: true }),
);

/** A socket accepted by a raw server, handed to loop.connectAcceptedSocket. */
async function acceptedSocket(ctx: ConformanceContext): Promise<ConformancePair> {
  const loop = makeLoop(ctx);
  const { server, accepted } = await rawServer(ctx, (s, done) => s.listen(0, '127.0.0.1', done));
  const { port } = server.address() as net.AddressInfo;
  const client = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  ctx.addCleanup(() => client.destroy());
  const [transport, protocol] = await loop.connectAcceptedSocket(
    ctx.protocolFactory,
    await accepted,
  );
  return pairOf(loop, transport, protocol, client);
}

/**
 * A connected socket of the user's given as `sock`. Untouched, it is moved to the onread
 * path in place; one that has been flowing keeps reading through 'data' events (the
 * fallback path). The factory checks which path the transport got.
 */
function userSocket(flowing: boolean) {
  return async (ctx: ConformanceContext): Promise<ConformancePair> => {
    const loop = makeLoop(ctx);
    const { server, accepted } = await rawServer(ctx, (s, done) => s.listen(0, '127.0.0.1', done));
    const { port } = server.address() as net.AddressInfo;
    const sock = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    ctx.addCleanup(() => sock.destroy());
    await new Promise((resolve) => sock.once('connect', resolve));
    if (flowing) {
      const noop = (): void => {};
      sock.on('data', noop);
      sock.removeListener('data', noop);
    }
    const [transport, protocol] = await loop.createConnection(ctx.protocolFactory, null, null, {
      sock,
    });
    assert.equal(usesOnread(sock), !flowing, flowing ? 'the data path' : 'onread in place');
    return pairOf(loop, transport, protocol, await accepted);
  };
}

function tempDir(ctx: ConformanceContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'x-conformance-'));
  ctx.addCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Unix socket, client side: loop.createUnixConnection to a raw server in a temp dir. */
async function unixClient(ctx: ConformanceContext): Promise<ConformancePair> {
  const loop = makeLoop(ctx);
  const path = join(tempDir(ctx), 's.sock');
  const { accepted } = await rawServer(ctx, (s, done) => s.listen(path, done));
  const [transport, protocol] = await loop.createUnixConnection(ctx.protocolFactory, path);
  return pairOf(loop, transport, protocol, await accepted);
}

const hasIpv6Loopback = Object.values(networkInterfaces())
  .flat()
  .some((info) => info?.address === '::1');

/** A connection to a port nobody listens on (it was just closed): ECONNREFUSED. */
async function refusedConnect(ctx: ConformanceContext): Promise<unknown> {
  const loop = makeLoop(ctx);
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return loop.createConnection(ctx.protocolFactory, '127.0.0.1', port);
}

/** A Unix socket path nobody listens on: ENOENT. */
async function refusedUnixConnect(ctx: ConformanceContext): Promise<unknown> {
  const loop = makeLoop(ctx);
  return loop.createUnixConnection(ctx.protocolFactory, join(tempDir(ctx), 'nobody.sock'));
}

defineTransportConformance(t, 'TCP client 127.0.0.1', tcpClient('127.0.0.1'), {
  failingConnect: refusedConnect,
});
if (hasIpv6Loopback) defineTransportConformance(t, 'TCP client ::1', tcpClient('::1'));
defineTransportConformance(t, 'TCP server side', tcpServerSide, {
  capabilities: { connectRejects: false },
});
defineTransportConformance(t, 'TCP connectAcceptedSocket', acceptedSocket, {
  capabilities: { connectRejects: true },
});
defineTransportConformance(t, 'TCP sock, untouched (onread in place)', userSocket(false));
defineTransportConformance(t, "TCP sock, flowing before ('data' path)", userSocket(true));
// A Unix socket has no RST: destroying the peer is an orderly close.
defineTransportConformance(t, 'Unix socket client', unixClient, {
  capabilities: { reset: false },
  failingConnect: refusedUnixConnect,
});
defineTransportConformance(t, 'Unix socket server side', unixServerSide, {
  capabilities: { reset: false, connectRejects: false },
});

// The same suite with the direct write fast path off: every write goes through
// socket.write() (the fallback used when Node's internals are missing).
describe('write fast path off', () => {
  beforeAll(() => setStreamWriteFastPath(false));
  afterAll(() => setStreamWriteFastPath(true));
  it('transports made here get no libuv handle for direct writes', async () => {
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const client = net.connect({ host: '127.0.0.1', port });
    try {
      await new Promise((resolve) => client.once('connect', resolve));
      assert.equal(streamHandle(client), null);
      setStreamWriteFastPath(true);
      assert.notEqual(streamHandle(client), null, 'the fast path exists on this Node');
    } finally {
      setStreamWriteFastPath(false);
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
  defineTransportConformance(t, 'TCP client 127.0.0.1 (no fast path)', tcpClient('127.0.0.1'));
  defineTransportConformance(t, 'TCP server side (no fast path)', tcpServerSide, {
    capabilities: { connectRejects: false },
  });
  defineTransportConformance(t, 'Unix socket client (no fast path)', unixClient, {
    capabilities: { reset: false },
  });
});
