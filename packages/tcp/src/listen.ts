import {
  createServer as createNetServer,
  type ListenOptions,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import type { Address } from '@x/transport-core';

/** Node ≥ 22.12 / 23.1 has `reusePort` in `server.listen()`; Node 20 does not. */
export function reusePortSupported(): boolean {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

/**
 * A `net.Server` listening with `options`, accepting connections paused (so that no
 * byte is read before the transport and its `connectionMade` exist).
 */
export function listenOne(
  options: ListenOptions,
  onConnection: (socket: Socket) => void,
): Promise<NetServer> {
  const server = createNetServer({ pauseOnConnect: true, allowHalfOpen: true }, onConnection);
  return new Promise<NetServer>((resolve, reject) => {
    const onError = (err: Error) => {
      server.removeListener('listening', onListening);
      server.close();
      reject(err);
    };
    const onListening = () => {
      server.removeListener('error', onError);
      // A late server error (e.g. EMFILE on accept) must not crash the process.
      server.on('error', ignoreServerError);
      resolve(server);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(options);
  });
}

function ignoreServerError(): void {}

/** The bound address of a listening server: `[host, port]` or its Unix path. */
export function serverAddress(server: NetServer): Address {
  const addr = server.address();
  if (addr === null) return '';
  if (typeof addr === 'string') return addr;
  return [addr.address, addr.port];
}
