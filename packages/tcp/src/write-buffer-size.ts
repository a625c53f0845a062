import type { Socket } from 'node:net';

interface WritableInternals {
  _writableState?: { writing?: boolean; writelen?: number };
  _handle?: { writeQueueSize?: number } | null;
}

/**
 * Bytes accepted by `socket.write()` and not yet handed to the OS: exact, unlike
 * `writableLength`, which keeps counting a chunk that libuv is partly through until
 * the whole chunk is written. While a write is in flight the in-flight part is
 * replaced by what libuv still holds (`writeQueueSize`). Falls back to
 * `writableLength` when those internals are missing.
 */
export function writeBufferSize(socket: Socket): number {
  const total = socket.writableLength;
  if (total === 0) return 0;
  const internals = socket as unknown as WritableInternals;
  const state = internals._writableState;
  const queued = internals._handle?.writeQueueSize;
  if (state?.writing !== true || typeof state.writelen !== 'number' || typeof queued !== 'number')
    return total;
  const size = total - state.writelen + queued;
  return Math.max(0, Math.min(size, total));
}

/**
 * {@link writeBufferSize} while libuv also holds bytes written straight to the handle
 * (`queued`, its `writeQueueSize`, which counts every byte libuv holds, including the
 * unsent part of a `socket.write()` in flight): the socket's own queue minus its chunk
 * in flight, plus what libuv holds.
 */
export function writeBufferSizeWithQueue(socket: Socket, queued: number): number {
  const total = socket.writableLength;
  const state = (socket as unknown as WritableInternals)._writableState;
  const inFlight =
    state?.writing === true && typeof state.writelen === 'number' ? state.writelen : 0;
  return Math.max(0, total - inFlight) + queued;
}
