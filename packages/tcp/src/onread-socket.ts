import { Socket, type SocketConstructorOpts } from 'node:net';

/**
 * The read side of Node's user-buffer path (`net.Socket` `onread: { buffer, callback }`):
 * libuv reads straight into the buffer we supply, bypassing the Readable stream and
 * Node's per-read allocation. That is how `BufferedProtocol` gets true zero-copy
 * receive (bytes land in the buffer its `getBuffer()` returned) and how plain
 * protocols read into a slab.
 */

/** What a transport implements to take part in the onread path. */
export interface OnreadTarget {
  /** Returns the buffer the next read lands in (called by Node after every read). */
  _nextReadBuffer(): Uint8Array;
  /** `nread` bytes landed in `buf`; returns false to stop reading. */
  _onReadBytes(nread: number, buf: Uint8Array): boolean;
}

/** The per-socket link from Node's onread callbacks to the transport (set once it exists). */
interface Link {
  target: OnreadTarget | null;
}

const kLink = Symbol('tcp.onreadLink');

type LinkedSocket = Socket & { [kLink]?: Link };

/**
 * Where a read lands before a transport exists. Node asks for the first buffer when the
 * socket gets its handle, i.e. before `connectionMade`, when calling `getBuffer()`
 * would break the callback grammar. Reading only starts after `connectionMade`, and a
 * read that lands here is consumed (copied out) synchronously inside its callback, so
 * one buffer shared by every socket is safe.
 */
export const SCRATCH: Buffer = Buffer.allocUnsafe(64 * 1024);

function nextBuffer(link: Link): Uint8Array {
  const target = link.target;
  return target === null ? SCRATCH : target._nextReadBuffer();
}

// Node calls the callback as a method of the socket: `this` is the socket, so one
// module-level function serves every connection (no closure per chunk).
function onReadBytes(this: LinkedSocket, nread: number, buf: Uint8Array): boolean {
  const target = this[kLink]?.target;
  if (target == null) return false;
  return target._onReadBytes(nread, buf);
}

/**
 * A new `net.Socket` (not yet connected, or wrapping `handle`) that reads through the
 * onread path. `bind()` makes the one closure per connection that Node needs (its
 * buffer function is called without `this`).
 */
export function createOnreadSocket(
  options: SocketConstructorOpts & { pauseOnCreate?: boolean } = {},
): Socket {
  const link: Link = { target: null };
  // `onread` is missing from @types/node's SocketConstructorOpts (it is in net.connect's).
  const socket: LinkedSocket = new Socket({
    ...options,
    allowHalfOpen: true,
    onread: { buffer: nextBuffer.bind(null, link), callback: onReadBytes },
  } as SocketConstructorOpts);
  socket[kLink] = link;
  return socket;
}

/** True if `socket` was made by {@link createOnreadSocket}. */
export function usesOnread(socket: Socket): boolean {
  return (socket as LinkedSocket)[kLink] !== undefined;
}

/** Routes the socket's reads to `target` (or nowhere: `null`). */
export function linkOnread(socket: Socket, target: OnreadTarget | null): void {
  const link = (socket as LinkedSocket)[kLink];
  if (link !== undefined) link.target = target;
}
