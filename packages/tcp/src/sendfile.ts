import { read as fsRead } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import {
  type AbstractEventLoop,
  describeType,
  type SendfileSource,
  type Transport,
  TransportBase,
} from '@x/transport-core';
import { closedByPeer, SendfileFallbackProtocol } from './sendfile-fallback-protocol.js';
import { SocketTransport } from './socket-transport.js';

/** Bytes read from the file per chunk. */
const CHUNK = 256 * 1024;

function validateSource(file: unknown): void {
  if (typeof file === 'number') {
    if (!Number.isInteger(file) || file < 0)
      throw new RangeError(`file descriptor must be a non-negative integer, got ${file}`);
    return;
  }
  const fh = file as Partial<FileHandle> | null;
  if (
    fh === null ||
    typeof fh !== 'object' ||
    typeof fh.read !== 'function' ||
    typeof fh.fd !== 'number'
  ) {
    throw new TypeError(
      `file must be a FileHandle (node:fs/promises) or a file descriptor, not '${describeType(file)}'`,
    );
  }
}

function validateOffset(offset: unknown): number {
  if (offset === undefined || offset === null) return 0;
  if (typeof offset !== 'number' || !Number.isInteger(offset)) {
    throw new TypeError(`offset must be a non-negative integer (got ${describeType(offset)})`);
  }
  if (offset < 0) throw new RangeError(`offset must be a non-negative integer (got ${offset})`);
  return offset;
}

function validateCount(count: unknown): number | null {
  if (count === undefined || count === null) return null;
  if (typeof count !== 'number' || !Number.isInteger(count)) {
    throw new TypeError(`count must be a positive integer (got ${describeType(count)})`);
  }
  if (count <= 0) throw new RangeError(`count must be a positive integer (got ${count})`);
  return count;
}

/** Reads up to `length` bytes at `position` into a fresh buffer (never reused: the socket keeps it). */
function readChunk(file: SendfileSource, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  if (typeof file === 'number') {
    return new Promise((resolve, reject) => {
      fsRead(file, buf, 0, length, position, (err, n) =>
        err ? reject(err) : resolve(buf.subarray(0, n)),
      );
    });
  }
  return file.read(buf, 0, length, position).then(({ bytesRead }) => buf.subarray(0, bytesRead));
}

/** Our own transport: chunks go straight to its socket, one in flight, with `write()` locked meanwhile. */
async function sendOnSocket(
  transport: SocketTransport,
  file: SendfileSource,
  offset: number,
  count: number | null,
): Promise<number> {
  const socket = transport._socket;
  transport._beginSendfile();
  let sent = 0;
  try {
    while (count === null || sent < count) {
      const want = count === null ? CHUNK : Math.min(CHUNK, count - sent);
      const chunk = await readChunk(file, offset + sent, want);
      if (chunk.byteLength === 0) break;
      if (transport.isClosing() || socket.destroyed) throw closedByPeer();
      await new Promise<void>((resolve, reject) => {
        socket.write(chunk, (err) => (err ? reject(closedByPeer(err)) : resolve()));
      });
      sent += chunk.byteLength;
    }
  } finally {
    transport._endSendfile();
  }
  return sent;
}

/**
 * Any other transport (TLS, ...): chunks through `transport.write()` with its flow
 * control, while a {@link SendfileFallbackProtocol} stands in for the protocol (reading
 * paused, the original protocol restored after; asyncio `_sendfile_fallback`). Other
 * writes on a transport built on `TransportBase` throw meanwhile (SPEC §6.9).
 */
async function sendThroughWrite(
  transport: Transport,
  file: SendfileSource,
  offset: number,
  count: number | null,
): Promise<number> {
  const guarded = transport instanceof TransportBase ? transport : null;
  guarded?._beginSendfile();
  const write = (chunk: Buffer): void => {
    if (guarded === null) transport.write(chunk);
    else guarded._sendfileWrite(() => transport.write(chunk));
  };
  let fallback: SendfileFallbackProtocol | null = null;
  let sent = 0;
  try {
    fallback = SendfileFallbackProtocol.install(transport);
    while (count === null || sent < count) {
      const want = count === null ? CHUNK : Math.min(CHUNK, count - sent);
      const chunk = await readChunk(file, offset + sent, want);
      if (chunk.byteLength === 0) break;
      await fallback.drain();
      write(chunk);
      sent += chunk.byteLength;
    }
    await fallback.settle();
  } finally {
    guarded?._endSendfile();
    fallback?.restore();
  }
  return sent;
}

/**
 * `loop.sendfile` (asyncio `sendfile`): sends exactly `count` bytes (default: to the end
 * of the file) of `file` from `offset` over `transport`; resolves with the bytes sent.
 * The file is read with positional reads (its position is not used or changed). While
 * it runs, `write()`/`writelines()`/`writeEof()` on the transport throw (SPEC §6.9).
 * @throws TypeError / RangeError for a bad file, offset or count; Error('Transport is
 * closing') when the transport is closing; Error when another sendfile runs on it.
 */
export async function sendfile(
  _loop: AbstractEventLoop,
  transport: Transport,
  file: SendfileSource,
  offset?: number,
  count?: number | null,
): Promise<number> {
  if (
    transport === null ||
    typeof transport !== 'object' ||
    typeof transport.write !== 'function'
  ) {
    throw new TypeError(`transport must be a stream Transport, not '${describeType(transport)}'`);
  }
  validateSource(file);
  const start = validateOffset(offset);
  const total = validateCount(count);
  if (transport.isClosing()) throw new Error('Transport is closing');
  // A second sendfile on the same transport is refused by its _beginSendfile().
  if (transport instanceof SocketTransport) return sendOnSocket(transport, file, start, total);
  return sendThroughWrite(transport, file, start, total);
}
