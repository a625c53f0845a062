import type { RemoteInfo, Socket } from 'node:dgram';
import { type SendRequest, type UdpHandle, uvError } from './dgram-internals.js';
import type { UdpTransport } from './udp-transport.js';

/**
 * The module-level handlers through which a socket, its libuv handle and its send
 * requests reach their `UdpTransport` (one set for all transports: no closure per
 * transport or per datagram), via the {@link kTransport} back-pointer.
 */

/** Back-pointer from a socket, handle or send request to its transport. */
export const kTransport = Symbol('UdpTransport');

/** A `dgram.Socket` that knows its transport. */
export type OwnedSocket = Socket & { [kTransport]?: UdpTransport };

/** `'message'` on the public-API path. */
export function onMessage(this: OwnedSocket, data: Buffer, rinfo: RemoteInfo): void {
  this[kTransport]?._datagramReceived(data, rinfo);
}

/** `handle.onmessage` on the fast path: a datagram, or a receive error (negative `nread`). */
export function onHandleMessage(
  nread: number,
  handle: UdpHandle,
  buf: Buffer,
  rinfo: RemoteInfo,
): void {
  const transport = handle[kTransport] as UdpTransport | undefined;
  if (transport === undefined) return;
  if (nread < 0) transport._receiveError(uvError(nread, 'recvmsg'));
  else transport._datagramReceived(buf, rinfo);
}

/** A send that libuv queued has completed (`status` < 0: an errno). */
export function onSendComplete(this: SendRequest, status: number): void {
  (this[kTransport] as UdpTransport)._sendComplete(status);
}

/** `'error'` on the socket: a receive-side OS error. */
export function onSocketError(this: OwnedSocket, err: Error): void {
  this[kTransport]?._receiveError(err);
}

/** Loop callback: deliver datagrams held while reading was paused. */
export function flushHeld(transport: UdpTransport): void {
  transport._flushHeld();
}

/** `'close'` on the socket, when someone else closed it. */
export function onSocketClose(this: OwnedSocket): void {
  this[kTransport]?._socketClosed();
}

/** Loop callback: report a send error found inside `sendto()`, outside it. */
export function reportError(transport: UdpTransport, err: Error): void {
  transport._errorReceived(err);
}

/** Loop timer: send again what `ENOBUFS`/`EAGAIN` held back. */
export function retrySends(transport: UdpTransport): void {
  transport._retryBacklog();
}
