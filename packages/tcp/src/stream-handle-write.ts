import type { Socket } from 'node:net';
import { getSystemErrorName } from 'node:util';

/**
 * The write fast path under `net.Socket` (why: a public `socket.write()` goes through
 * the Writable state machine, allocates a request per write and, even when the kernel
 * took every byte at once, reports completion through a callback and a `nextTick`
 * `afterWrite`; at small messages that is a measurable share of the CPU per message).
 * Node's own `lib/internal/stream_base_commons.js` (`writeGeneric`)
 * talks to the libuv handle as below; this module does the same, and nothing else in
 * the package touches these internals:
 *
 * - `handle.writeBuffer(req, buf)` returns 0 or a
 *   negative errno; afterwards `streamBaseState[kLastWriteWasAsync]` says whether libuv
 *   kept part of the data queued. When it did not, the request object was never handed
 *   to libuv (no completion will fire) and can be reused; when it did, libuv calls
 *   `req.oncomplete(status)` once, in write order, and the bytes still queued are in
 *   `handle.writeQueueSize`;
 * - bytes handed to the handle are counted by `handle.bytesWritten`, which is what
 *   `socket.bytesWritten` reports, so that stays right.
 *
 * Everything is feature-checked once; when a piece is missing (another Node version) or
 * `process.binding` is the deprecation-warning wrapper (`--pending-deprecation`), the
 * transport uses the public `socket.write()`.
 */

/** A libuv write request (Node's `WriteWrap`). */
export interface WriteRequest {
  oncomplete: ((this: WriteRequest, status: number) => void) | undefined;
  [key: symbol]: unknown;
}

/** The libuv stream handle under a `net.Socket` (Node's `TCPWrap`/`PipeWrap`). */
export interface StreamHandle {
  writeBuffer(req: WriteRequest, data: Uint8Array): number;
  readonly writeQueueSize: number;
}

interface StreamWrapBinding {
  WriteWrap?: unknown;
  streamBaseState?: unknown;
  kLastWriteWasAsync?: unknown;
}

interface Internals {
  WriteWrap: new () => WriteRequest;
  state: Int32Array;
  lastWriteWasAsync: number;
}

let internals: Internals | null | undefined;
let enabled = true;

function loadInternals(): Internals | null {
  if (internals !== undefined) return internals;
  internals = null;
  const binding = (process as unknown as { binding?: (name: string) => StreamWrapBinding }).binding;
  // Under --pending-deprecation `process.binding` is wrapped to print DEP0111: not worth it.
  if (typeof binding !== 'function' || binding.name !== 'binding') return null;
  try {
    const b = binding('stream_wrap');
    if (
      typeof b.WriteWrap === 'function' &&
      b.streamBaseState instanceof Int32Array &&
      typeof b.kLastWriteWasAsync === 'number'
    ) {
      internals = {
        WriteWrap: b.WriteWrap as new () => WriteRequest,
        state: b.streamBaseState,
        lastWriteWasAsync: b.kLastWriteWasAsync,
      };
    }
  } catch {
    // process.binding() unavailable: the public API it is.
  }
  return internals;
}

/**
 * Turns the TCP/Unix write fast path off (or on again) for transports made from now on:
 * an escape hatch should a Node release change the internals in a way the feature checks
 * miss, and a way to compare. Default: on. Never throws. (No asyncio counterpart; the
 * twin of `@x/udp`'s `setDgramFastPath`.)
 *
 * @example
 * setStreamWriteFastPath(false); // every write goes through socket.write()
 */
export function setStreamWriteFastPath(on: boolean): void {
  enabled = on;
}

/** The libuv handle of a connected `net.Socket`, or null when the fast path is unavailable. */
export function streamHandle(socket: Socket): StreamHandle | null {
  if (!enabled || loadInternals() === null) return null;
  const handle = (socket as unknown as { _handle?: Partial<StreamHandle> | null })._handle;
  const state = (socket as unknown as { _writableState?: { length?: unknown; corked?: unknown } })
    ._writableState;
  if (
    handle == null ||
    typeof handle.writeBuffer !== 'function' ||
    typeof handle.writeQueueSize !== 'number' ||
    typeof state?.length !== 'number' ||
    typeof state.corked !== 'number'
  ) {
    return null;
  }
  return handle as StreamHandle;
}

/**
 * True if the socket's Writable holds nothing (queued, in flight or corked) and is open, so bytes
 * handed to the handle now cannot overtake bytes given to `socket.write()` before.
 */
export function writableIdle(socket: Socket, handle: StreamHandle): boolean {
  const state = (socket as unknown as { _writableState: { length: number; corked: number } })
    ._writableState;
  return (
    state.length === 0 &&
    state.corked === 0 &&
    (socket as unknown as { _handle: unknown })._handle === handle &&
    !socket.connecting &&
    !socket.writableEnded
  );
}

/** A new request whose completion calls `oncomplete` with `owner` reachable through `key`. */
export function newWriteRequest(
  oncomplete: (this: WriteRequest, status: number) => void,
  key: symbol,
  owner: unknown,
): WriteRequest {
  const WriteWrap = (internals as Internals).WriteWrap;
  const req = new WriteWrap();
  req.oncomplete = oncomplete;
  req[key] = owner;
  return req;
}

/** True if libuv kept part of the last write queued (its request's `oncomplete` will fire). */
export function lastWriteWasAsync(): boolean {
  const i = internals as Internals;
  return i.state[i.lastWriteWasAsync] !== 0;
}

/** A write errno as Node reports it (`write EPIPE`, with `code`, `errno`, `syscall`). */
export function writeError(status: number): NodeJS.ErrnoException {
  let code: string;
  try {
    code = getSystemErrorName(status);
  } catch {
    code = `Unknown system error ${status}`;
  }
  const err: NodeJS.ErrnoException = new Error(`write ${code}`);
  err.errno = status;
  err.code = code;
  err.syscall = 'write';
  return err;
}
