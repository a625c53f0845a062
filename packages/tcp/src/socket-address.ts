import type { Socket } from 'node:net';
import type { Address } from '@x/transport-core';

/** The address of a socket as asyncio reports it: `[host, port]`, or a Unix path. */
export function socketAddress(socket: Socket, which: 'local' | 'remote'): Address | undefined {
  const host = which === 'local' ? socket.localAddress : socket.remoteAddress;
  const port = which === 'local' ? socket.localPort : socket.remotePort;
  if (host !== undefined && port !== undefined) return [host, port];
  // A Unix socket: Node reports no address; the path is known to whoever made it.
  return undefined;
}
