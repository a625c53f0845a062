import type { Socket } from 'node:net';
import {
  type AbstractEventLoop,
  type BaseProtocol,
  type BufferedProtocol,
  type BytesLike,
  type ConnectionTracker,
  DETACH_SOCKET,
  type ExtraInfo,
  type Protocol,
  type SocketDetachable,
  type Transport,
  TransportBase,
  toBytes,
  toBytesList,
} from '@x/transport-core';
import { linkOnread, type OnreadTarget, SCRATCH, usesOnread } from './onread-socket.js';
import { ReadSlab } from './read-slab.js';
import { socketAddress } from './socket-address.js';
import { attachSocketEvents, detachSocketEvents, type SocketEventTarget } from './socket-events.js';
import {
  lastWriteWasAsync,
  newWriteRequest,
  type StreamHandle,
  streamHandle,
  type WriteRequest,
  writableIdle,
  writeError,
} from './stream-handle-write.js';
import { writeBufferSize, writeBufferSizeWithQueue } from './write-buffer-size.js';

/** A protocol that owns its receive buffer (duck-typed, as uvloop: it has `getBuffer`). */
function asBuffered(protocol: BaseProtocol): BufferedProtocol | null {
  return typeof (protocol as Partial<BufferedProtocol>).getBuffer === 'function'
    ? (protocol as BufferedProtocol)
    : null;
}

function onWritten(this: SocketTransport): void {
  this._afterWrite();
}

function deliverLeftover(transport: SocketTransport): void {
  transport._deliverLeftover();
}

/** The transport that issued a direct write request, and the bytes libuv still holds. */
const kOwner = Symbol('tcp.writeOwner');
const kData = Symbol('tcp.writeData');

function onDirectWriteComplete(this: WriteRequest, status: number): void {
  const transport = this[kOwner] as SocketTransport;
  this[kData] = undefined;
  transport._afterDirectWrite(status);
}

/** Where the transport's socket came from, for extra info and the read path. */
export interface SocketTransportOptions {
  /** The server that accepted the connection. */
  tracker?: ConnectionTracker | null;
  /** Extra info values known to the creator (e.g. a Unix path as `peername`). */
  extra?: Partial<ExtraInfo>;
}

/**
 * A stream transport over a connected `net.Socket`: TCP or Unix (asyncio
 * `_SelectorSocketTransport`).
 *
 * Callback grammar: `start -> connectionMade -> (dataReceived | getBuffer -> bufferUpdated?)*
 * -> eofReceived? -> connectionLost -> end`.
 *
 * Reading goes through Node's onread user-buffer path when the socket was made for it
 * (`BufferedProtocol`: bytes land in the buffer `getBuffer(-1)` returned; `Protocol`: a
 * view of a per-connection slab), else through `'data'` events. Writes go to the
 * socket, which keeps a reference to each buffer until it is sent.
 */
export class SocketTransport
  extends TransportBase
  implements Transport, SocketDetachable, OnreadTarget, SocketEventTarget
{
  readonly _socket: Socket;
  /** Reads use onread (else `'data'` events). */
  readonly #onread: boolean;
  /** Made once: the callback of every write (re-checks the watermarks). */
  readonly _onWritten: () => void;
  /** The current protocol when it is buffered. */
  #buffered: BufferedProtocol | null;
  /** The buffer of the last `getBuffer()` call and the protocol that gave it. */
  #userBuf: Uint8Array | null = null;
  #userBufOwner: BufferedProtocol | null = null;
  #slab: ReadSlab | null = null;
  /** Reading started (after `connectionMade` returned). */
  #started = false;
  #paused = false;
  #eof = false;
  #writeEof = false;
  #detached = false;
  /** Bytes already read that a paused buffered protocol has not taken yet (delivered on resume). */
  #leftover: Uint8Array | null = null;
  /** The libuv handle for direct writes (null: every write goes through `socket.write()`). */
  readonly #handle: StreamHandle | null;
  /** A write request no write is using (one the kernel completed at once), for reuse. */
  #req: WriteRequest | null = null;
  /** Direct writes libuv still holds bytes of (their `oncomplete` has not fired yet). */
  #directPending = 0;

  constructor(
    loop: AbstractEventLoop,
    protocol: BaseProtocol,
    socket: Socket,
    options: SocketTransportOptions = {},
  ) {
    const extra: Partial<ExtraInfo> = { socket, ...options.extra };
    const peer = socketAddress(socket, 'remote');
    const local = socketAddress(socket, 'local');
    if (extra.peername === undefined && peer !== undefined) extra.peername = peer;
    if (extra.sockname === undefined && local !== undefined) extra.sockname = local;
    super(loop, protocol, extra, options.tracker ?? null);
    this._socket = socket;
    this.#buffered = asBuffered(protocol);
    this._onWritten = onWritten.bind(this);
    this.#onread = usesOnread(socket);
    this.#handle = streamHandle(socket);
    // Reading starts in _startReading(), after connectionMade returned.
    socket.pause();
    // eofReceived() returning true keeps the write side open: Node must not end it.
    socket.allowHalfOpen = true;
    if (socket.remotePort !== undefined) socket.setNoDelay(true);
    attachSocketEvents(socket, this, !this.#onread);
    if (this.#onread) linkOnread(socket, this);
  }

  // ---- lifecycle --------------------------------------------------------------------

  /** Starts reading once `connectionMade` returned (unless it paused or closed). */
  _startReading(): void {
    this.#started = true;
    if (!this._closing && !this.#paused) this._socket.resume();
  }

  close(): void {
    if (this._closing) return;
    this._closing = true;
    this._socket.pause();
    const socket = this._socket;
    if (
      socket.destroyed ||
      (socket.writableLength === 0 &&
        this.#directPending === 0 &&
        (socket.writableFinished || !socket.writableEnded))
    ) {
      this._scheduleConnectionLost(null);
    } else if (!socket.writableEnded) {
      // Flush, then FIN; 'finish' schedules connectionLost(null), an error connectionLost(err).
      socket.end();
    }
  }

  abort(): void {
    this._forceClose(null);
  }

  _forceClose(exc: Error | null): void {
    if (this._connectionLost) return;
    this._closing = true;
    if (!this.#detached) this._socket.destroy();
    this._scheduleConnectionLost(exc);
  }

  protected _release(): void {
    this.#leftover = null;
    if (!this.#detached && !this._socket.destroyed) this._socket.destroy();
    linkOnread(this._socket, null);
    this.#userBuf = null;
    this.#userBufOwner = null;
  }

  override setProtocol(protocol: BaseProtocol): void {
    super.setProtocol(protocol);
    this.#buffered = asBuffered(protocol);
  }

  // ---- reading ----------------------------------------------------------------------

  isReading(): boolean {
    return !this._closing && !this.#paused && !this.#eof;
  }

  pauseReading(): void {
    if (this._closing || this.#paused) return;
    this.#paused = true;
    if (this.#started) this._socket.pause();
  }

  resumeReading(): void {
    if (this._closing || !this.#paused) return;
    this.#paused = false;
    if (this.#leftover !== null) this._defer(deliverLeftover);
    else if (this.#started && !this.#eof) this._socket.resume();
  }

  /** Feeds what a pause left over, then reads from the OS again (unless paused again). */
  _deliverLeftover(): void {
    const leftover = this.#leftover;
    if (leftover === null || this._closing || this.#paused) return;
    this.#leftover = null;
    const buffered = this.#buffered;
    if (buffered !== null) this.#feedBuffered(buffered, leftover, false);
    else this.#dataReceived(Buffer.from(leftover));
    if (this.#leftover === null && !this._closing && !this.#paused && this.#started && !this.#eof) {
      this._socket.resume();
    }
  }

  _nextReadBuffer(): Uint8Array {
    const buffered = this.#buffered;
    // With bytes left over from a pause, resuming feeds them first through getBuffer();
    // a buffer asked for now would be stale by then (and could overlap what the protocol
    // is given next), so the next OS read goes to scratch and is copied in.
    if (this._closing || this.#leftover !== null) return SCRATCH;
    if (buffered === null) {
      if (this.#slab === null) this.#slab = new ReadSlab();
      return this.#slab.next();
    }
    const buf = this.#callGetBuffer(buffered, -1);
    if (buf === null) return SCRATCH;
    this.#userBuf = buf;
    this.#userBufOwner = buffered;
    return buf;
  }

  _onReadBytes(nread: number, buf: Uint8Array): boolean {
    if (this._closing) return false;
    const buffered = this.#buffered;
    if (buffered !== null) {
      if (buf === this.#userBuf && buffered === this.#userBufOwner) {
        this.#userBuf = null;
        try {
          buffered.bufferUpdated(nread);
        } catch (err) {
          this._callbackFailed(err, 'bufferUpdated');
        }
      } else {
        // The bytes landed elsewhere (first read, or the protocol was switched): copy them in.
        this.#feedBuffered(buffered, buf.subarray(0, nread), true);
      }
    } else {
      const slab = this.#slab;
      // A slab region can be handed over as it is; anything else (the shared scratch
      // buffer, a previous buffered protocol's buffer) is copied, as it will be reused.
      const data = slab?.owns(buf) ? slab.take(nread) : Buffer.from(buf.subarray(0, nread));
      this.#dataReceived(data);
    }
    return !this._closing;
  }

  _onStreamData(chunk: Buffer): void {
    if (this._closing) return;
    const buffered = this.#buffered;
    if (buffered !== null) this.#feedBuffered(buffered, chunk, false);
    else this.#dataReceived(chunk);
  }

  #dataReceived(data: Buffer): void {
    const protocol = this._protocol as Protocol;
    try {
      protocol.dataReceived?.(data);
    } catch (err) {
      this._callbackFailed(err, 'dataReceived');
    }
  }

  /** `getBuffer(sizehint)`, checked: throwing or an empty/non-bytes result is fatal. */
  #callGetBuffer(protocol: BufferedProtocol, sizehint: number): Uint8Array | null {
    let buf: unknown;
    try {
      buf = protocol.getBuffer(sizehint);
    } catch (err) {
      this._callbackFailed(err, 'getBuffer');
      return null;
    }
    if (!(buf instanceof Uint8Array) || buf.byteLength === 0) {
      const what =
        buf instanceof Uint8Array ? 'an empty buffer' : 'a value that is not a Uint8Array';
      this._callbackFailed(new Error(`getBuffer() returned ${what}`), 'getBuffer');
      return null;
    }
    return buf;
  }

  /**
   * Copies `data` into the protocol's buffers, as many `getBuffer`/`bufferUpdated`
   * rounds as needed. A `pauseReading()` in between keeps the rest for `resumeReading()`
   * (copied when `data` is memory that will be reused: `transient`).
   */
  #feedBuffered(protocol: BufferedProtocol, data: Uint8Array, transient: boolean): void {
    let offset = 0;
    while (offset < data.byteLength && !this._closing) {
      if (this.#paused) {
        const rest = data.subarray(offset);
        this.#leftover = transient ? Buffer.from(rest) : rest;
        return;
      }
      const buf = this.#callGetBuffer(protocol, data.byteLength - offset);
      if (buf === null) return;
      const n = Math.min(buf.byteLength, data.byteLength - offset);
      buf.set(data.subarray(offset, offset + n));
      offset += n;
      try {
        protocol.bufferUpdated(n);
      } catch (err) {
        this._callbackFailed(err, 'bufferUpdated');
        return;
      }
    }
  }

  _onEnd(): void {
    if (this._closing || this.#eof) return;
    this.#eof = true;
    let keepOpen: unknown;
    try {
      keepOpen = (this._protocol as Protocol).eofReceived?.();
    } catch (err) {
      this._callbackFailed(err, 'eofReceived');
      return;
    }
    if (!keepOpen) this.close();
  }

  _onError(err: Error): void {
    if (this.#detached) return;
    this._fatalError(err, 'Fatal error on socket transport');
  }

  _onFinish(): void {
    if (this._closing) this._scheduleConnectionLost(null);
  }

  _onClose(): void {
    // Both directions ended (or the socket was destroyed under us): the connection is over.
    this._scheduleConnectionLost(null);
  }

  // ---- writing ----------------------------------------------------------------------

  getWriteBufferSize(): number {
    if (this._connectionLost) return 0;
    const handle = this.#handle;
    return this.#directPending > 0 && handle !== null
      ? writeBufferSizeWithQueue(this._socket, handle.writeQueueSize)
      : writeBufferSize(this._socket);
  }

  write(data: BytesLike): void {
    const bytes = toBytes(data);
    if (bytes.byteLength === 0) return;
    if (!this.#checkWritable('write')) return;
    const handle = this.#handle;
    if (handle !== null && this.#directPending === 0 && writableIdle(this._socket, handle)) {
      // Nothing queued anywhere: hand the bytes to libuv as Node's writeGeneric does,
      // without the Writable bookkeeping and completion callback of socket.write(). While
      // libuv still holds a direct write, later writes queue in the socket instead (after
      // it in libuv's queue), so that Node gathers them into one writev as before.
      const req = this.#req ?? newWriteRequest(onDirectWriteComplete, kOwner, this);
      this.#afterDirectDispatch(req, handle.writeBuffer(req, bytes), bytes);
    } else {
      this._socket.write(bytes, this._onWritten);
      this._maybePauseProtocol();
    }
  }

  writelines(listOfData: Iterable<BytesLike>): void {
    const list = toBytesList(listOfData);
    if (list.length === 0) return;
    if (!this.#checkWritable('writelines')) return;
    const socket = this._socket;
    // cork/uncork: Node hands the chunks to the OS as one vectored write (_writev).
    socket.cork();
    for (const bytes of list) socket.write(bytes, this._onWritten);
    socket.uncork();
    this._maybePauseProtocol();
  }

  /** False (data dropped) after close/loss; throws after writeEof or while sendfile runs. */
  #checkWritable(method: string): boolean {
    if (this._closing) {
      this._dropWrite();
      return false;
    }
    if (this.#writeEof) throw new Error(`Cannot call ${method}() after writeEof()`);
    this._checkNoSendfile(method);
    return true;
  }

  /** A write completed: the buffer shrank, maybe to the low watermark. */
  _afterWrite(): void {
    if (this._flow.paused) this._maybeResumeProtocol();
  }

  /**
   * After a direct write was handed to libuv: a write the kernel took at once needs
   * nothing more (the buffer size stayed 0) and its request is reused; a partial one is
   * tracked until its `oncomplete`; an error goes the way Node's own would
   * (`socket.destroy(err)` -> `'error'` -> the fatal-error funnel, never synchronously).
   */
  #afterDirectDispatch(req: WriteRequest, err: number, data: unknown): void {
    if (err !== 0) {
      this.#req = null;
      this._socket.destroy(writeError(err));
      return;
    }
    if (!lastWriteWasAsync()) {
      this.#req = req;
      return;
    }
    this.#req = null;
    // libuv points into these bytes until the write completes: keep them alive.
    req[kData] = data;
    this.#directPending++;
    this._maybePauseProtocol();
  }

  /** A direct write that libuv had queued completed (`status` < 0: it failed). */
  _afterDirectWrite(status: number): void {
    this.#directPending--;
    const socket = this._socket;
    if (this.#detached || socket.destroyed) return;
    if (status < 0) socket.destroy(writeError(status));
    else this._afterWrite();
  }

  /** Flushes, then shuts the write side (FIN). @throws Error while a sendfile runs (SPEC §6.9). */
  writeEof(): void {
    if (this._closing || this.#writeEof) return;
    this._checkNoSendfile('writeEof');
    this.#writeEof = true;
    this._socket.end();
  }

  canWriteEof(): boolean {
    return true;
  }

  // ---- hand-over --------------------------------------------------------------------

  /**
   * Hands the socket to another layer (`loop.startTls`'s fast path): reading stops,
   * this transport calls its protocol no more and leaves the socket open. Writes already
   * accepted stay queued in the socket and are sent. Returns `null` once closing, or
   * while a sendfile runs.
   */
  [DETACH_SOCKET](): Socket | null {
    if (this._closing || this._sendfileActive) return null;
    this.#detached = true;
    this._socket.pause();
    detachSocketEvents(this._socket);
    linkOnread(this._socket, null);
    this._closing = true;
    this._connectionLost = true;
    this._lostCalled = true;
    const tracker = this._tracker;
    this._tracker = null;
    tracker?.detach(this);
    return this._socket;
  }
}
