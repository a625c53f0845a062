import { toBytes, toBytesList } from '../bytes.js';
import type { AbstractEventLoop } from '../event-loop.js';
import type { ExtraInfo } from '../extra-info.js';
import { feedBuffered } from '../feed-buffered.js';
import type { BufferedProtocol, Protocol, StreamProtocol } from '../protocols.js';
import { TransportBase } from '../transport-base.js';
import type { Transport } from '../transports.js';
import { connectMemoryTransport } from './memory-connect.js';

/** Options of {@link MemoryTransport} / {@link createMemoryTransport}. */
export interface MemoryTransportOptions {
  /** What `getExtraInfo` returns (e.g. `{ peername: ['127.0.0.1', 4000] }`). Default none. */
  extra?: Partial<ExtraInfo>;
  /** Whether `writeEof()` is supported (`canWriteEof()`). Default true. */
  canWriteEof?: boolean;
  /**
   * Hand written bytes to the simulated OS at once (default `true`: `write()` never
   * buffers, like a socket whose kernel buffer has room). `false`: written bytes stay in
   * the write buffer until {@link MemoryTransport.drain}, so flow control can be
   * exercised exactly.
   */
  autoDrain?: boolean;
}

/** Options of {@link MemoryTransport.feed}. */
export interface FeedOptions {
  /** Deliver in pieces of at most this many bytes (`1`: byte by byte). Default: one piece. */
  chunkSize?: number;
}

/** Told when bytes reach the simulated OS, and when the write side ends (for a peer). */
export interface MemoryOutputListener {
  /** Bytes were handed to the simulated OS: read them with `takeWritten()`. */
  onWritten(transport: MemoryTransport): void;
  /** The write side ended (`writeEof()` flushed, `close()` flushed, `abort()`, or lost). */
  onWriteEnd(transport: MemoryTransport): void;
}

/** A marker in the input queue: the peer's EOF. */
const EOF = Symbol('EOF');
type Input = Uint8Array | typeof EOF;

function isBuffered(protocol: unknown): protocol is BufferedProtocol {
  return typeof (protocol as { getBuffer?: unknown }).getBuffer === 'function';
}

function runDeliver(self: MemoryTransport): void {
  self._deliver();
}

/** An `ECONNRESET` error as Node reports one, the default of `simulateError()`. */
function connectionReset(): Error {
  return Object.assign(new Error('read ECONNRESET'), {
    code: 'ECONNRESET',
    errno: -104,
    syscall: 'read',
  });
}

/**
 * A stream transport in memory (Twisted's `StringTransport` idea), for testing
 * protocols without sockets. It honours the transport contract of SPEC §4 like the
 * real transports (callback order, close flushes, abort drops, watermarks, read
 * pausing, half-close, writes after close dropped with a warning, throwing callbacks
 * fatal), and gives the test the other end:
 *
 * - what the protocol wrote: {@link MemoryTransport.written}, {@link MemoryTransport.takeWritten};
 * - input in any chunking: {@link MemoryTransport.feed} (also through
 *   `getBuffer`/`bufferUpdated` for a `BufferedProtocol`), {@link MemoryTransport.feedEof},
 *   {@link MemoryTransport.simulateError};
 * - the OS send side: with `autoDrain: false` written bytes wait in the write buffer
 *   until {@link MemoryTransport.drain}.
 *
 * Make one with {@link createMemoryTransport}, which calls `connectionMade` as a loop
 * method would. Input fed while reading is paused is queued and delivered after
 * `resumeReading()`; input fed after `close()` is discarded.
 */
export class MemoryTransport extends TransportBase implements Transport {
  #canWriteEof: boolean;
  #autoDrain: boolean;
  /** Written, not yet handed to the simulated OS. */
  #pending: Uint8Array[] = [];
  #pendingSize = 0;
  /** Handed to the simulated OS, not yet taken by the test. */
  #sent: Uint8Array[] = [];
  #sentSize = 0;
  #eofRequested = false;
  #writeEnded = false;
  /** Input not yet delivered (while paused, before `connectionMade`, or mid-delivery). */
  #inbox: Input[] = [];
  #started = false;
  #starting = false;
  #readPaused = false;
  #readEof = false;
  /** `feedEof()` was called (the EOF may still wait in the inbox). */
  #eofFed = false;
  #delivering = false;
  #released = false;
  #listener: MemoryOutputListener | null = null;
  /** Asked by `feedBuffered` after each `bufferUpdated` (made once, not per chunk). */
  readonly #stopFeeding = (): boolean => this._closing || this.#readPaused;
  readonly #onMade = (): void => {
    this.#started = true;
    if (this.#inbox.length > 0) this._defer(runDeliver);
  };

  constructor(
    loop: AbstractEventLoop,
    protocol: StreamProtocol,
    options: MemoryTransportOptions = {},
  ) {
    super(loop, protocol, options.extra ?? {});
    this.#canWriteEof = options.canWriteEof ?? true;
    this.#autoDrain = options.autoDrain ?? true;
  }

  // ---- Transport ----------------------------------------------------------------

  write(data: ArrayBufferView): void {
    this.#accept([toBytes(data)], 'write');
  }

  writelines(listOfData: Iterable<ArrayBufferView>): void {
    this.#accept(toBytesList(listOfData), 'writelines');
  }

  writeEof(): void {
    if (!this.#canWriteEof)
      throw new Error('this MemoryTransport cannot write EOF (canWriteEof: false)');
    if (this._closing || this.#eofRequested) return;
    this._checkNoSendfile('writeEof');
    this.#eofRequested = true;
    if (this.#pendingSize === 0) this.#endWrite();
  }

  canWriteEof(): boolean {
    return this.#canWriteEof;
  }

  close(): void {
    if (this._closing) return;
    this._closing = true;
    // No data is received after close(): forget what was not delivered yet.
    this.#inbox.length = 0;
    if (this.#pendingSize === 0) {
      this.#endWrite();
      this._scheduleConnectionLost(null);
    }
  }

  abort(): void {
    this._forceClose(null);
  }

  isReading(): boolean {
    return !this._closing && !this.#readPaused && !this.#readEof;
  }

  pauseReading(): void {
    if (this._closing || this.#readEof) return;
    this.#readPaused = true;
  }

  resumeReading(): void {
    if (this._closing || !this.#readPaused) return;
    this.#readPaused = false;
    // Never deliver inside the user's call: later, through the loop.
    if (this.#inbox.length > 0 && this.#started) this._defer(runDeliver);
  }

  getWriteBufferSize(): number {
    return this.#pendingSize;
  }

  // ---- the test's side ------------------------------------------------------------

  /**
   * Delivers `data` to the protocol as the peer sending it, in pieces of at most
   * `chunkSize` bytes: `dataReceived` per piece, or `getBuffer`/`bufferUpdated` for a
   * buffered protocol (as many rounds as its buffer needs). Delivery is synchronous
   * unless reading is paused (then it waits for `resumeReading()`) or the transport is
   * not yet connected. The bytes are copied first, so the caller may reuse `data`.
   * @throws TypeError for non-bytes; RangeError for a bad `chunkSize`; Error after `feedEof()`.
   */
  feed(data: ArrayBufferView, options: FeedOptions = {}): void {
    const bytes = toBytes(data);
    const chunkSize = options.chunkSize ?? Math.max(1, bytes.byteLength);
    if (!Number.isInteger(chunkSize) || chunkSize < 1) {
      throw new RangeError(`chunkSize must be an integer >= 1, got ${chunkSize}`);
    }
    if (this.#eofFed) throw new Error('feed() after feedEof()');
    if (this._closing || bytes.byteLength === 0) return;
    const copy = Buffer.from(bytes);
    for (let offset = 0; offset < copy.byteLength; offset += chunkSize) {
      this.#inbox.push(copy.subarray(offset, offset + chunkSize));
    }
    this._deliver();
  }

  /** Delivers the peer's EOF (after any queued data): `eofReceived()`, then close unless it returned truthy. */
  feedEof(): void {
    if (this._closing || this.#eofFed) return;
    this.#eofFed = true;
    this.#inbox.push(EOF);
    this._deliver();
  }

  /**
   * Simulates the connection failing (default: a peer reset, `ECONNRESET`): buffered
   * data is dropped and `connectionLost(err)` follows, as for an OS error.
   */
  simulateError(err: Error = connectionReset()): void {
    if (this._connectionLost) return;
    this._fatalError(err, 'Fatal read error on memory transport');
  }

  /**
   * Hands up to `maxBytes` (default: all) buffered bytes to the simulated OS, then does
   * what a real transport does after a send: `resumeWriting()` when the buffer fell to
   * or below the low watermark, and once empty the pending half-close or close.
   * Returns how many bytes moved.
   */
  drain(maxBytes: number = Number.POSITIVE_INFINITY): number {
    if (this._connectionLost || this.#pendingSize === 0) return 0;
    let moved = 0;
    while (this.#pending.length > 0 && moved < maxBytes) {
      const chunk = this.#pending[0] as Uint8Array;
      const take = Math.min(chunk.byteLength, maxBytes - moved);
      if (take === chunk.byteLength) this.#pending.shift();
      else this.#pending[0] = chunk.subarray(take);
      this.#sent.push(take === chunk.byteLength ? chunk : chunk.subarray(0, take));
      moved += take;
    }
    this.#pendingSize -= moved;
    this.#sentSize += moved;
    this.#listener?.onWritten(this);
    this._maybeResumeProtocol();
    if (this.#pendingSize === 0) {
      if (this._closing) {
        this.#endWrite();
        this._scheduleConnectionLost(null);
      } else if (this.#eofRequested) {
        this.#endWrite();
      }
    }
    return moved;
  }

  /** Turns automatic draining on (draining what is buffered now) or off. */
  setAutoDrain(on: boolean): void {
    this.#autoDrain = on;
    if (on) this.drain();
  }

  /** The bytes handed to the simulated OS and not yet taken, in one buffer (a copy). */
  written(): Buffer {
    return Buffer.concat(this.#sent, this.#sentSize);
  }

  /** Like {@link MemoryTransport.written}, and forgets them. */
  takeWritten(): Buffer {
    const out = this.written();
    this.#sent = [];
    this.#sentSize = 0;
    return out;
  }

  /** True once the peer would see the end of the stream (half-close flushed, close flushed, abort, loss). */
  get writeEnded(): boolean {
    return this.#writeEnded;
  }

  /** True once `connectionLost` ran and the transport let go of everything. */
  get released(): boolean {
    return this.#released;
  }

  /** Sets who is told about output (the memory peer of the conformance kit uses it). */
  setOutputListener(listener: MemoryOutputListener | null): void {
    this.#listener = listener;
  }

  // ---- internals --------------------------------------------------------------------

  /**
   * Connects: calls `connectionMade` on a later loop iteration (as a loop method would)
   * and resolves after it returned; input may flow from then on. If it throws, the
   * transport is aborted, the exception handler is told and this rejects with the
   * error. {@link createMemoryTransport} calls it; call it yourself only for a
   * transport you constructed (e.g. a subclass).
   * @throws Error (rejects) when called twice.
   */
  start(): Promise<void> {
    if (this.#started || this.#starting)
      return Promise.reject(new Error('MemoryTransport.start() called twice'));
    this.#starting = true;
    return connectMemoryTransport(this, this.#onMade);
  }

  /** Delivers queued input while reading is allowed. */
  _deliver(): void {
    if (this.#delivering || !this.#started) return;
    this.#delivering = true;
    try {
      while (this.#inbox.length > 0 && !this.#readPaused && !this._closing) {
        const item = this.#inbox.shift() as Input;
        if (item === EOF) this.#deliverEof();
        else this.#deliverData(item);
      }
    } finally {
      this.#delivering = false;
    }
  }

  #deliverData(data: Uint8Array): void {
    const protocol = this._protocol;
    if (!isBuffered(protocol)) {
      try {
        (protocol as Protocol).dataReceived?.(data);
      } catch (err) {
        this._callbackFailed(err, 'dataReceived');
      }
      return;
    }
    const fed = feedBuffered(protocol, data, this.#stopFeeding);
    if (typeof fed !== 'number') this._callbackFailed(fed.error, fed.callbackName);
    // Paused inside bufferUpdated: the rest of this chunk waits for resumeReading().
    else if (fed < data.byteLength && !this._closing) this.#inbox.unshift(data.subarray(fed));
  }

  #deliverEof(): void {
    this.#readEof = true;
    let keepOpen: unknown;
    try {
      keepOpen = (this._protocol as Protocol).eofReceived?.();
    } catch (err) {
      this._callbackFailed(err, 'eofReceived');
      return;
    }
    if (!keepOpen) this.close();
  }

  #accept(chunks: Uint8Array[], method: string): void {
    if (this.#eofRequested && !this._closing)
      throw new Error(`Cannot call ${method}() after writeEof()`);
    let size = 0;
    for (const chunk of chunks) size += chunk.byteLength;
    if (size === 0) return;
    if (this._closing) {
      this._dropWrite();
      return;
    }
    this._checkNoSendfile(method);
    for (const chunk of chunks) if (chunk.byteLength > 0) this.#pending.push(chunk);
    this.#pendingSize += size;
    // A socket with room sends at once, without flow-control callbacks.
    if (this.#autoDrain) this.drain();
    else this._maybePauseProtocol();
  }

  #endWrite(): void {
    if (this.#writeEnded) return;
    this.#writeEnded = true;
    this.#listener?.onWriteEnd(this);
  }

  _forceClose(exc: Error | null): void {
    if (this._connectionLost) return;
    this._closing = true;
    this.#pending = [];
    this.#pendingSize = 0;
    this.#inbox.length = 0;
    this.#endWrite();
    this._scheduleConnectionLost(exc);
  }

  protected _release(): void {
    this.#released = true;
    this.#listener = null;
  }
}
