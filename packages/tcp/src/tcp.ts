import type { TransportProvider } from '@x/transport-core';
import { connectAcceptedSocket } from './connect-accepted-socket.js';
import { createConnection } from './create-connection.js';
import { createServer } from './create-server.js';
import { createUnixConnection, createUnixServer } from './create-unix.js';
import { sendfile } from './sendfile.js';

/** The package name `tcp()` registers under. */
export const PACKAGE_NAME = '@x/tcp';

/**
 * Stream transports over TCP and Unix domain sockets for an event loop: provides
 * `createConnection`, `createServer`, `createUnixConnection`, `createUnixServer`,
 * `connectAcceptedSocket` and `sendfile` (asyncio's selector socket transports).
 *
 * @example
 * const loop = new EventLoop({ transports: [tcp()] });
 * const server = await loop.createServer(() => new Echo(), '127.0.0.1', 8888);
 */
export function tcp(): TransportProvider {
  return {
    packageName: PACKAGE_NAME,
    methods: {
      createConnection,
      createServer,
      createUnixConnection,
      createUnixServer,
      connectAcceptedSocket,
      sendfile,
    },
  };
}
