import type { Socket } from 'node:net';

interface WritableInternals {
  _writableState?: { writing?: boolean; writelen?: number };
  _handle?: { writeQueueSize?: number } | null;
}

/**
 * Bytes accepted by `socket.write()` and not yet handed to the OS (what
 * `getWriteBufferSize()` must report, SPEC §4.6): exact, unlike `writableLength`,
 * which keeps counting a chunk that libuv is partly through until the whole chunk is
 * written. While a write is in flight its part is replaced by what libuv still holds
 * (`writeQueueSize`). Falls back to `writableLength` when those internals are missing.
 * For every transport over a `net.Socket` (TCP, Unix sockets, pipes).
 */
export function socketWriteBufferSize(socket: Socket): number {
  const total = socket.writableLength;
  if (total === 0) return 0;
  const internals = socket as unknown as WritableInternals;
  const state = internals._writableState;
  const queued = internals._handle?.writeQueueSize;
  if (state?.writing !== true || typeof state.writelen !== 'number' || typeof queued !== 'number') {
    return total;
  }
  const size = total - state.writelen + queued;
  return Math.max(0, Math.min(size, total));
}
