import type { Socket } from 'node:net';
import { createOnreadSocket } from './onread-socket.js';

/**
 * Gives an accepted connection the onread read path.
 *
 * Node 20's `net.Server` does not pass an `onread` option to the sockets it accepts
 * (lib/net.js `onconnection()` builds `new Socket({ handle, ... })` without it). The
 * work-around: accept with `pauseOnConnect: true` (so the accepted socket never starts
 * reading and no byte can be lost), take its libuv handle and wrap that handle in a new
 * `net.Socket` made with `onread`. `socket._handle` and the `handle` constructor option
 * are internal, so when they are not there (another Node version) the accepted socket
 * is returned as it is and the transport uses the plain stream path.
 */
export function adoptAcceptedSocket(accepted: Socket): Socket {
  const internal = accepted as Socket & { _handle?: unknown };
  const handle = internal._handle;
  if (handle === null || typeof handle !== 'object' || accepted.destroyed) return accepted;
  let socket: Socket;
  try {
    socket = createOnreadSocket({
      handle: handle as never,
      readable: true,
      writable: true,
      pauseOnCreate: true,
    } as never);
  } catch {
    return accepted;
  }
  // The original socket must neither read from nor close the handle it gave away.
  internal._handle = null;
  accepted.destroy();
  return socket;
}
