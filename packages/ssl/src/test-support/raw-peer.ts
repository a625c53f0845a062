import {
  connect,
  createServer,
  type NetConnectOpts,
  type Server as NetServer,
  type Socket,
} from 'node:net';

/** A plain TCP listener on 127.0.0.1 that hands every accepted socket to `onSocket`. */
export interface RawListener {
  readonly port: number;
  readonly accepted: Socket[];
  close(): void;
}

/** A plain listener on a Unix socket path (see {@link rawUnixListener}). */
export interface RawUnixListener {
  readonly path: string;
  readonly accepted: Socket[];
  close(): void;
}

async function listen(
  onSocket: (socket: Socket) => void,
  listenOn: (server: NetServer, ready: () => void) => void,
): Promise<{ server: NetServer; accepted: Socket[]; close(): void }> {
  const accepted: Socket[] = [];
  const server: NetServer = createServer({ allowHalfOpen: true }, (socket) => {
    accepted.push(socket);
    socket.on('error', () => {});
    onSocket(socket);
  });
  await new Promise<void>((resolve) => listenOn(server, resolve));
  return {
    server,
    accepted,
    close() {
      for (const s of accepted) s.destroy();
      server.close();
    },
  };
}

/** Listens on an ephemeral loopback port; `onSocket` decides what the "peer" does. */
export async function rawListener(
  onSocket: (socket: Socket) => void = () => {},
): Promise<RawListener> {
  const l = await listen(onSocket, (server, ready) => server.listen(0, '127.0.0.1', ready));
  return {
    port: (l.server.address() as { port: number }).port,
    accepted: l.accepted,
    close: l.close,
  };
}

/** Listens on the Unix socket `path`; `onSocket` decides what the "peer" does. */
export async function rawUnixListener(
  path: string,
  onSocket: (socket: Socket) => void = () => {},
): Promise<RawUnixListener> {
  const l = await listen(onSocket, (server, ready) => server.listen(path, ready));
  return { path, accepted: l.accepted, close: l.close };
}

/** Connects a plain socket to 127.0.0.1:`port`, or to a Unix socket `{ path }`. */
export function rawConnect(where: number | { readonly path: string }): Promise<Socket> {
  const options: NetConnectOpts =
    typeof where === 'number'
      ? { port: where, host: '127.0.0.1', allowHalfOpen: true }
      : { path: where.path, allowHalfOpen: true };
  return new Promise((resolve, reject) => {
    const socket = connect(options);
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}
