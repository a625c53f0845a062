import { connect, createServer, type Server as NetServer, type Socket } from 'node:net';

/** A plain TCP listener on 127.0.0.1 that hands every accepted socket to `onSocket`. */
export interface RawListener {
  readonly port: number;
  readonly accepted: Socket[];
  close(): void;
}

/** Listens on an ephemeral loopback port; `onSocket` decides what the "peer" does. */
export async function rawListener(
  onSocket: (socket: Socket) => void = () => {},
): Promise<RawListener> {
  const accepted: Socket[] = [];
  const server: NetServer = createServer({ allowHalfOpen: true }, (socket) => {
    accepted.push(socket);
    socket.on('error', () => {});
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    accepted,
    close() {
      for (const s of accepted) s.destroy();
      server.close();
    },
  };
}

/** Connects a plain socket to 127.0.0.1:`port`. */
export function rawConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}
