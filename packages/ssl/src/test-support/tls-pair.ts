import { connect, createServer, type Server as NetServer, type Socket } from 'node:net';
import { EventLoop } from '@x/loop';
import type { SSLContext, StreamProtocol, TlsWrapOptions, Transport } from '@x/transport-core';
import { ssl } from '../ssl.js';

/** Two ends of a loopback TCP connection. */
export interface SocketPair {
  readonly client: Socket;
  readonly server: Socket;
  close(): void;
}

/** Opens a loopback TCP connection and returns both raw sockets. */
export async function socketPair(): Promise<SocketPair> {
  const listener: NetServer = createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as { port: number }).port;
  const accepted = new Promise<Socket>((resolve) => listener.once('connection', resolve));
  const client = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  const server = await accepted;
  listener.close();
  return {
    client,
    server,
    close() {
      client.destroy();
      server.destroy();
    },
  };
}

/** A loop with `ssl()` installed and both TLS ends of one loopback connection. */
export interface TlsPair<C extends StreamProtocol, S extends StreamProtocol> {
  readonly loop: EventLoop;
  readonly client: Transport;
  readonly server: Transport;
  readonly clientProtocol: C;
  readonly serverProtocol: S;
  readonly sockets: SocketPair;
  close(): void;
}

/** Options of {@link tlsPair}: the two contexts and per-side wrap options. */
export interface TlsPairOptions<C, S> {
  readonly clientContext: SSLContext | true;
  readonly serverContext: SSLContext;
  readonly clientProtocol: C;
  readonly serverProtocol: S;
  readonly client?: Partial<TlsWrapOptions>;
  readonly server?: Partial<TlsWrapOptions>;
  readonly loop?: EventLoop;
}

/** Runs TLS on both ends of a loopback TCP connection through the engine (fast path). */
export async function tlsPair<C extends StreamProtocol, S extends StreamProtocol>(
  options: TlsPairOptions<C, S>,
): Promise<TlsPair<C, S>> {
  const loop = options.loop ?? new EventLoop({ transports: [ssl()] });
  const sockets = await socketPair();
  const engine = loop.getTlsEngine();
  const [server, client] = await Promise.all([
    engine.wrap(loop, { kind: 'socket', socket: sockets.server }, options.serverProtocol, {
      ssl: options.serverContext,
      serverSide: true,
      ...options.server,
    }),
    engine.wrap(loop, { kind: 'socket', socket: sockets.client }, options.clientProtocol, {
      ssl: options.clientContext,
      serverSide: false,
      serverHostname: '127.0.0.1',
      ...options.client,
    }),
  ]);
  return {
    loop,
    client,
    server,
    clientProtocol: options.clientProtocol,
    serverProtocol: options.serverProtocol,
    sockets,
    close() {
      client.abort();
      server.abort();
      sockets.close();
    },
  };
}
