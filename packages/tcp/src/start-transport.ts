import type { Socket } from 'node:net';
import {
  type AbstractEventLoop,
  type ConnectionTracker,
  describeType,
  type ExtraInfo,
  type StreamProtocol,
  type Transport,
} from '@x/transport-core';
import { enableOnread } from './onread-socket.js';
import { SocketTransport } from './socket-transport.js';
import { type ResolvedTls, wrapTls } from './tls-options.js';

/** How a connected socket becomes a transport. */
export interface StartOptions {
  readonly tls: ResolvedTls | null;
  readonly serverSide: boolean;
  readonly tracker?: ConnectionTracker | null;
  readonly extra?: Partial<ExtraInfo>;
}

function connectionMade(
  transport: SocketTransport,
  protocol: StreamProtocol,
  resolve: (value: [Transport, StreamProtocol]) => void,
  reject: (err: unknown) => void,
): void {
  try {
    protocol.connectionMade?.(transport);
  } catch (err) {
    // SPEC §6.3: a throwing connectionMade is fatal; the creating promise rejects with it.
    transport._callbackFailed(err, 'connectionMade');
    if (err !== null && typeof err === 'object') reported.add(err);
    reject(err);
    return;
  }
  transport._startReading();
  resolve([transport, protocol]);
}

/** Errors already given to the exception handler (a throwing `connectionMade`). */
const reported = new WeakSet<object>();

/** True if `err` was already reported to the loop's exception handler. */
export function wasReported(err: unknown): boolean {
  return err !== null && typeof err === 'object' && reported.has(err);
}

/** Calls the protocol factory; a factory that throws or returns a non-object leaves the socket closed. */
export function makeProtocol<P extends StreamProtocol>(
  protocolFactory: () => P,
  socket: Socket,
): P {
  let protocol: P;
  try {
    protocol = protocolFactory();
  } catch (err) {
    socket.destroy();
    throw err;
  }
  if (protocol === null || typeof protocol !== 'object') {
    socket.destroy();
    throw new TypeError(
      `protocolFactory must return a protocol object, not '${describeType(protocol)}'`,
    );
  }
  return protocol;
}

/**
 * Turns a connected socket into a transport with a new protocol: schedules
 * `connectionMade` (callSoon), starts reading after it returned (unless it paused),
 * then resolves. With TLS, the TLS layer does this after its handshake.
 */
export function startTransport<P extends StreamProtocol>(
  loop: AbstractEventLoop,
  protocolFactory: () => P,
  socket: Socket,
  options: StartOptions,
): Promise<[Transport, P]> {
  const protocol = makeProtocol(protocolFactory, socket);
  if (options.tls !== null) {
    return wrapTls(
      loop,
      socket,
      protocol,
      options.tls,
      options.serverSide,
      options.tracker ?? null,
      options.extra ?? null,
    ).then((transport): [Transport, P] => [transport, protocol]);
  }
  // A socket the user made gets the onread path too when it is still untouched.
  enableOnread(socket);
  const transport = new SocketTransport(loop, protocol, socket, {
    tracker: options.tracker ?? null,
    extra: options.extra ?? {},
  });
  return new Promise<[Transport, P]>((resolve, reject) => {
    loop.callSoon(
      connectionMade,
      transport,
      protocol,
      resolve as (value: [Transport, StreamProtocol]) => void,
      reject,
    );
  });
}
