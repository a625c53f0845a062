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

/** Node's private onread slots of a `net.Socket` (lib/net.js `kBuffer`, `kBufferGen`, `kBufferCb`). */
interface OnreadSlots {
  readonly buffer: symbol;
  readonly gen: symbol;
  readonly callback: symbol;
}

/** The slots, found once: they are lib/net.js module symbols, the same for every socket. */
let slotsFound: OnreadSlots | null | undefined;

function onreadSlots(socket: Socket): OnreadSlots | null {
  if (slotsFound !== undefined) return slotsFound;
  const found = new Map<string | undefined, symbol>();
  for (const key of Object.getOwnPropertySymbols(socket)) found.set(key.description, key);
  const buffer = found.get('kBuffer');
  const gen = found.get('kBufferGen');
  const callback = found.get('kBufferCb');
  slotsFound =
    buffer === undefined || gen === undefined || callback === undefined
      ? null
      : { buffer, gen, callback };
  return slotsFound;
}

interface UserBufferHandle {
  useUserBuffer(buf: Uint8Array): void;
}

/**
 * Moves a socket someone else made (`sock` options, `connectAcceptedSocket`, a user's
 * `net.Server`) to the onread path in place, as if it had been made with `onread`: the
 * same slots Node's constructor fills, then `handle.useUserBuffer()` as Node's
 * `initSocketHandle()` calls it. The socket stays the caller's object (no handle swap).
 *
 * Only a pristine socket is moved: nothing buffered or delivered yet, no `'data'`
 * listener, not flowing, not ended, not made with `onread` already. The handle may
 * already be reading (a new socket starts at once); libuv reads in the poll phase, so
 * no byte arrives between this call and the first onread callback. When a piece is
 * missing (internals of another Node version) or the socket is not pristine, nothing
 * changes and false is returned: the transport reads with `'data'` events.
 */
export function enableOnread(socket: Socket): boolean {
  if (usesOnread(socket)) return true;
  if (
    socket.destroyed ||
    socket.connecting ||
    socket.readableLength > 0 ||
    socket.readableEnded ||
    socket.readableFlowing === true ||
    socket.listenerCount('data') > 0
  ) {
    return false;
  }
  const handle = (socket as Socket & { _handle?: Partial<UserBufferHandle> | null })._handle;
  if (handle == null || typeof handle.useUserBuffer !== 'function') return false;
  const slots = onreadSlots(socket);
  const slotted = socket as unknown as Record<symbol, unknown>;
  if (slots === null || slotted[slots.buffer] != null) return false;
  const link: Link = { target: null };
  const gen = nextBuffer.bind(null, link);
  const first = gen();
  slotted[slots.buffer] = first;
  slotted[slots.gen] = gen;
  slotted[slots.callback] = onReadBytes;
  try {
    (handle as UserBufferHandle).useUserBuffer(first);
  } catch {
    slotted[slots.buffer] = null;
    slotted[slots.gen] = null;
    slotted[slots.callback] = null;
    return false;
  }
  (socket as LinkedSocket)[kLink] = link;
  return true;
}

/** True if `socket` reads through onread ({@link createOnreadSocket} or {@link enableOnread}). */
export function usesOnread(socket: Socket): boolean {
  return (socket as LinkedSocket)[kLink] !== undefined;
}

/** Routes the socket's reads to `target` (or nowhere: `null`). */
export function linkOnread(socket: Socket, target: OnreadTarget | null): void {
  const link = (socket as LinkedSocket)[kLink];
  if (link !== undefined) link.target = target;
}
