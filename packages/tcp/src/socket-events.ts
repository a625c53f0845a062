import type { Socket } from 'node:net';

/**
 * The Node socket events a stream transport listens to, as module-level handlers that
 * reach their transport through a symbol back-pointer on the socket (no closure per
 * connection, chunk or write).
 */

/** What the handlers call on the transport. */
export interface SocketEventTarget {
  /** A chunk from the plain stream path (`'data'`): a fresh Buffer the protocol may keep. */
  _onStreamData(chunk: Buffer): void;
  /** The peer sent EOF. */
  _onEnd(): void;
  /** An I/O error (reset, broken pipe, ...). */
  _onError(err: Error): void;
  /** Everything written before `end()` was flushed and the write side shut down. */
  _onFinish(): void;
  /** The socket is closed. */
  _onClose(): void;
}

const kTarget = Symbol('tcp.transport');

type TargetSocket = Socket & { [kTarget]?: SocketEventTarget | null };

function onData(this: TargetSocket, chunk: Buffer): void {
  this[kTarget]?._onStreamData(chunk);
}
function onEnd(this: TargetSocket): void {
  this[kTarget]?._onEnd();
}
function onError(this: TargetSocket, err: Error): void {
  this[kTarget]?._onError(err);
}
function onFinish(this: TargetSocket): void {
  this[kTarget]?._onFinish();
}
function onClose(this: TargetSocket): void {
  this[kTarget]?._onClose();
}

/** Wires `socket`'s events to `target`; with `streamData`, also `'data'` (plain stream path). */
export function attachSocketEvents(
  socket: Socket,
  target: SocketEventTarget,
  streamData: boolean,
): void {
  (socket as TargetSocket)[kTarget] = target;
  if (streamData) socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('error', onError);
  socket.on('finish', onFinish);
  socket.on('close', onClose);
}

/**
 * Unwires what {@link attachSocketEvents} wired. An `'error'` listener that ignores
 * errors stays until the socket is handed over, so a late error cannot crash the process.
 */
export function detachSocketEvents(socket: Socket): void {
  (socket as TargetSocket)[kTarget] = null;
  socket.removeListener('data', onData);
  socket.removeListener('end', onEnd);
  socket.removeListener('finish', onFinish);
  socket.removeListener('close', onClose);
}

/** Removes the error listener too (the socket's new owner handles errors). */
export function releaseSocketErrors(socket: Socket): void {
  socket.removeListener('error', onError);
}
