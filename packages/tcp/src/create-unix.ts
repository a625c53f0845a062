import type {
  AbstractEventLoop,
  CreateUnixConnectionOptions,
  CreateUnixServerOptions,
  Server,
  StreamProtocol,
  Transport,
} from '@x/transport-core';
import { listenOne, serverAddress } from './listen.js';
import { openSocket } from './open-socket.js';
import { startTransport } from './start-transport.js';
import { TcpServer } from './tcp-server.js';
import { resolveTls } from './tls-options.js';
import { inodeOf, keepOrCleanUnixPath, prepareUnixPath, validateUnixPath } from './unix-path.js';
import {
  validateBacklog,
  validateConnectedSocket,
  validateFactory,
  validateFlag,
  validateOptions,
  validateUnixServer,
  validateUnixSocket,
} from './validate.js';

/**
 * `loop.createUnixConnection` (asyncio `create_unix_connection`): connects to the Unix
 * socket at `path` (or uses the connected `options.sock`).
 */
export async function createUnixConnection<P extends StreamProtocol>(
  loop: AbstractEventLoop,
  protocolFactory: () => P,
  path?: string | null,
  rawOptions?: CreateUnixConnectionOptions,
): Promise<[Transport, P]> {
  validateFactory(protocolFactory);
  const options = validateOptions<CreateUnixConnectionOptions>(rawOptions, 'createUnixConnection');
  const sock = options.sock ?? null;
  const hasPath = path !== undefined && path !== null;
  if (sock !== null && hasPath)
    throw new TypeError('path and sock can not be specified at the same time');
  if (sock === null && !hasPath) throw new TypeError('no path and sock were specified');
  const p = hasPath ? validateUnixPath(path) : null;
  if (sock !== null) validateUnixSocket(validateConnectedSocket(sock));
  if (options.ssl != null && options.serverHostname == null) {
    // asyncio: there is no host to default the TLS server name from.
    throw new TypeError('you have to pass serverHostname when using ssl');
  }
  const tls = resolveTls(loop, options, false);
  const socket = sock ?? (await openSocket({ path: p as string }, tls === null).done);
  const extra = p !== null ? { peername: p, sockname: '' } : {};
  return startTransport(loop, protocolFactory, socket, { tls, serverSide: false, extra });
}

/**
 * `loop.createUnixServer` (asyncio `create_unix_server`): listens on the Unix socket
 * `path`. A stale socket file is removed first; a live socket or another kind of file
 * there is an `EADDRINUSE` error. With `cleanupSocket` (default true) the file is
 * removed on close if it is still ours.
 */
export async function createUnixServer(
  loop: AbstractEventLoop,
  protocolFactory: () => StreamProtocol,
  path?: string | null,
  rawOptions?: CreateUnixServerOptions,
): Promise<Server> {
  validateFactory(protocolFactory);
  const options = validateOptions<CreateUnixServerOptions>(rawOptions, 'createUnixServer');
  const tls = resolveTls(loop, options, true);
  const backlog = validateBacklog(options.backlog);
  const startServing =
    options.startServing === undefined ? true : validateFlag(options.startServing, 'startServing');
  const cleanup =
    options.cleanupSocket === undefined
      ? true
      : validateFlag(options.cleanupSocket, 'cleanupSocket');
  const hasPath = path !== undefined && path !== null;
  const sock = options.sock ?? null;
  if (sock !== null && hasPath)
    throw new TypeError('path and sock can not be specified at the same time');
  if (sock === null && !hasPath)
    throw new TypeError('path was not specified, and no sock specified');
  let server: TcpServer;
  if (sock !== null) {
    const given = validateUnixServer(sock);
    const where = serverAddress(given);
    server = new TcpServer(loop, protocolFactory, {
      tls,
      keepAlive: false,
      adopt: false,
      addressOf: serverAddress,
      extraFor: () => ({ sockname: where, peername: '' }),
      listen: async (onConnection) => {
        given.on('connection', onConnection);
        return [given];
      },
    });
  } else {
    const p = validateUnixPath(path);
    let inode: number | null = null;
    server = new TcpServer(loop, protocolFactory, {
      tls,
      keepAlive: false,
      adopt: true,
      addressOf: () => p,
      extraFor: () => ({ sockname: p, peername: '' }),
      onClose: () => keepOrCleanUnixPath(p, inode, cleanup),
      listen: async (onConnection) => {
        await prepareUnixPath(p);
        const listening = await listenOne({ path: p, backlog }, onConnection);
        inode = inodeOf(p);
        return [listening];
      },
    });
  }
  if (startServing) await server.startServing();
  return server;
}
