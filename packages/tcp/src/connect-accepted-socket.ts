import type { Socket } from 'node:net';
import type {
  AbstractEventLoop,
  ConnectAcceptedSocketOptions,
  StreamProtocol,
  Transport,
} from '@x/transport-core';
import { startTransport } from './start-transport.js';
import { resolveTls } from './tls-options.js';
import { validateConnectedSocket, validateFactory, validateOptions } from './validate.js';

/**
 * `loop.connectAcceptedSocket` (asyncio `connect_accepted_socket`): a transport over a
 * socket accepted outside the loop (server side; with `ssl`, a TLS server connection).
 */
export async function connectAcceptedSocket<P extends StreamProtocol>(
  loop: AbstractEventLoop,
  protocolFactory: () => P,
  sock: Socket,
  rawOptions?: ConnectAcceptedSocketOptions,
): Promise<[Transport, P]> {
  validateFactory(protocolFactory);
  const options = validateOptions<ConnectAcceptedSocketOptions>(
    rawOptions,
    'connectAcceptedSocket',
  );
  validateConnectedSocket(sock);
  const tls = resolveTls(loop, options, true);
  return startTransport(loop, protocolFactory, sock, { tls, serverSide: true });
}
