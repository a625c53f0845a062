import type { TLSSocket } from 'node:tls';
import {
  type AbstractEventLoop,
  type BaseProtocol,
  type BufferedProtocol,
  type BytesLike,
  type ConnectionTracker,
  type Protocol,
  type TimerHandle,
  type Transport,
  TransportBase,
  toBytes,
  toBytesList,
} from '@x/transport-core';
import { ConnectionResetError, shutdownTimeoutError } from './tls-errors.js';
import { osHandleOf, type TlsUnderlying, tlsExtraInfo } from './tls-extra-info.js';
import type { TlsSettings } from './tls-settings.js';
import {
  attachTlsEvents,
  destroyAfterFinish,
  listenTlsData,
  onceTlsFlushed,
  type TlsSocketOwner,
} from './tls-socket-events.js';

/**
 * Life of a TLS transport after its handshake:
 * ```
 * open -> shutdown (close(): flushing, then close_notify and FIN) -> closed
 * open -> closed (abort(), a TLS/socket error, the peer closing, a throwing callback)
 * ```
 * `writeEof()` and the peer's EOF are half-closes inside `open`.
 */
export type TlsTransportState = 'open' | 'shutdown' | 'closed';

function isBuffered(protocol: BaseProtocol): protocol is BufferedProtocol {
  return typeof (protocol as Partial<BufferedProtocol>).getBuffer === 'function';
}

/**
 * The transport an application gets for a TLS connection (asyncio
 * `_SSLProtocolTransport`), over a `tls.TLSSocket` whose handshake succeeded.
 *
 * - Reading: decrypted data goes to `dataReceived`, or is copied into `getBuffer()`'s
 *   buffer for a `BufferedProtocol`. `pauseReading()` stops delivery at once, including
 *   data already decrypted, and the TLS socket stops reading the raw one (backpressure).
 * - Writing: `write()` hands data to TLS at once; the write buffer is the TLS socket's
 *   `writableLength`, with the usual watermarks.
 * - Half-close (TLS 1.3 and 1.2 both allow it): `writeEof()` sends close_notify and
 *   reading goes on; `eofReceived()` returning truthy keeps the write side open.
 * - `close()` flushes, sends close_notify and closes; if the flush takes longer than
 *   `sslShutdownTimeout`, `connectionLost(TimeoutError)`. No data is delivered after `close()`.
 * - Extra info (`peername`, `sockname`, `socket`, `cipher`, `peercert`, `sslcontext`,
 *   `ssl_object`, `compression`) is taken at creation and survives close.
 */
export class TlsTransport extends TransportBase implements Transport, TlsSocketOwner {
  readonly #tls: TLSSocket;
  readonly #settings: TlsSettings;
  #state: TlsTransportState = 'open';
  #buffered: boolean;
  #made = false;
  #paused = false;
  #eofReceived = false;
  /** The EOF came while delivery was not allowed (before connectionMade, or paused). */
  #endPending = false;
  #eofSent = false;
  /** Timer of the flush after close(), then of the linger (see {@link TlsTransport._flushed}). */
  #shutdownTimer: TimerHandle | null = null;
  #lingering = false;
  #waiter: { resolve(t: Transport): void; reject(e: Error): void } | null;
  /**
   * The callback writes carry to reach {@link TlsTransport._afterWrite}, or null when
   * they need none (see `#updateWriteCallbacks`): made only then, not per connection.
   */
  #afterWrite: (() => void) | null = null;
  /** The OS socket handle under Node's TLS wrap (fast path), for its write queue size. */
  readonly #osHandle: { readonly writeQueueSize: number } | null;
  /** The Duplex over the transport below (generic path), for what it still holds. */
  readonly #duplex: { readonly writableLength: number } | null;

  constructor(
    loop: AbstractEventLoop,
    tls: TLSSocket,
    protocol: BaseProtocol,
    settings: TlsSettings,
    under: TlsUnderlying,
    tracker: ConnectionTracker | null,
    waiter: { resolve(t: Transport): void; reject(e: Error): void },
  ) {
    super(loop, protocol, tlsExtraInfo(tls, settings, under), tracker);
    this.#tls = tls;
    this.#settings = settings;
    this.#buffered = isBuffered(protocol);
    this.#waiter = waiter;
    this.#osHandle = under.socket === null ? null : osHandleOf(tls);
    this.#duplex = under.duplex;
    // We decide when the write side ends (writeEof/close), not Node's half-open default.
    tls.allowHalfOpen = true;
    tls.pause();
    attachTlsEvents(tls, this);
    this.#updateWriteCallbacks();
  }

  /**
   * Calls `connectionMade` (unless `callConnectionMade` is false, as for `startTls`), then
   * starts reading and settles the waiter.
   */
  _start(callConnectionMade: boolean): void {
    if (this._connectionLost) return;
    if (callConnectionMade) {
      try {
        (this._protocol as Protocol).connectionMade?.(this);
      } catch (err) {
        this.#made = true;
        this.#settle(err instanceof Error ? err : new Error(String(err)));
        this._callbackFailed(err, 'connectionMade');
        return;
      }
    }
    this.#made = true;
    listenTlsData(this.#tls);
    if (!this.#paused && !this._closing) this.#tls.resume();
    this.#settle(null);
    this._deliverPendingEnd();
  }

  #settle(err: Error | null): void {
    const waiter = this.#waiter;
    if (waiter === null) return;
    this.#waiter = null;
    if (err === null) waiter.resolve(this);
    else waiter.reject(err);
  }

  override setProtocol(protocol: BaseProtocol): void {
    super.setProtocol(protocol);
    this.#buffered = isBuffered(protocol);
  }

  // ---- reading ----------------------------------------------------------------------

  /** Decrypted data from the TLS socket. */
  _onData(chunk: Buffer): void {
    // SPEC 4.5: nothing is delivered after close(); we still read to see the peer's close_notify.
    if (this._closing) return;
    if (!this.#buffered) {
      try {
        (this._protocol as Protocol).dataReceived?.(chunk);
      } catch (err) {
        this._callbackFailed(err, 'dataReceived');
      }
      return;
    }
    this.#feedBuffered(chunk);
  }

  /** Copies `chunk` into the protocol's buffers, as many rounds as it takes. */
  #feedBuffered(chunk: Buffer): void {
    const protocol = this._protocol as BufferedProtocol;
    const total = chunk.byteLength;
    let offset = 0;
    while (offset < total) {
      let buf: Uint8Array;
      try {
        const got: unknown = protocol.getBuffer(total - offset);
        buf = toBufferView(got);
      } catch (err) {
        this._callbackFailed(err, 'getBuffer');
        return;
      }
      const n = Math.min(buf.byteLength, total - offset);
      buf.set(chunk.subarray(offset, offset + n));
      offset += n;
      try {
        protocol.bufferUpdated(n);
      } catch (err) {
        this._callbackFailed(err, 'bufferUpdated');
        return;
      }
      if (this._closing) return;
      if (this.#paused && offset < total) {
        // Paused inside bufferUpdated: keep the rest for resumeReading(), first in line.
        this.#tls.unshift(chunk.subarray(offset));
        return;
      }
    }
  }

  /** The peer sent close_notify (or closed the raw connection). */
  _onEnd(): void {
    this.#eofReceived = true;
    if (!this.#made || this.#paused) {
      // Node can report the EOF of a paused socket (e.g. close_notify right after the
      // handshake, before connectionMade): hold it until reading is allowed.
      this.#endPending = true;
      return;
    }
    this.#endPending = false;
    if (this.#lingering) {
      this.#cancelShutdownTimer();
      this.#tls.destroy();
      return;
    }
    // After close() the transport ends by itself once flushed.
    if (this._connectionLost || this.#state !== 'open') return;
    let keepOpen: unknown = false;
    try {
      keepOpen = (this._protocol as Protocol).eofReceived?.();
    } catch (err) {
      this._callbackFailed(err, 'eofReceived');
      return;
    }
    if (!keepOpen) this.close();
    else if (this.#eofSent) this.#destroyWhenFlushed();
  }

  /** Delivers an EOF held by {@link TlsTransport._onEnd}, once reading is allowed. */
  _deliverPendingEnd(): void {
    if (this.#endPending && !this.#paused && !this._closing) this._onEnd();
  }

  #destroyWhenFlushed(): void {
    const tls = this.#tls;
    if (tls.writableFinished) tls.destroy();
    else tls.once('finish', destroyAfterFinish);
  }

  isReading(): boolean {
    return !this.#paused && !this._closing && !this.#eofReceived;
  }

  pauseReading(): void {
    if (this.#paused || this._closing) return;
    this.#paused = true;
    this.#tls.pause();
  }

  resumeReading(): void {
    if (!this.#paused || this._closing) return;
    this.#paused = false;
    // Readable.resume() delivers on a later tick, never inside this call.
    if (this.#made) this.#tls.resume();
    if (this.#endPending && this.#made) this._defer(deliverPendingEnd);
  }

  // ---- writing ----------------------------------------------------------------------

  write(data: BytesLike): void {
    const bytes = toBytes(data);
    if (this._closing || this.#state !== 'open') {
      this._dropWrite();
      return;
    }
    if (this.#eofSent) throw new Error('Cannot call write() after writeEof()');
    this._checkNoSendfile('write');
    if (bytes.byteLength === 0) return;
    const tls = this.#tls;
    if (this.#afterWrite !== null) tls.write(bytes, this.#afterWrite);
    else tls.write(bytes);
    // The exact size is never above what the TLS socket holds: skip it while that is low.
    if (tls.writableLength > this._flow.high) this._maybePauseProtocol();
  }

  writelines(listOfData: Iterable<BytesLike>): void {
    const list = toBytesList(listOfData);
    if (this._closing || this.#state !== 'open') {
      this._dropWrite();
      return;
    }
    if (this.#eofSent) throw new Error('Cannot call writelines() after writeEof()');
    this._checkNoSendfile('writelines');
    if (list.length === 0) return;
    const tls = this.#tls;
    // One vectored write: the TLS socket gets every chunk in one _writev.
    tls.cork();
    const afterWrite = this.#afterWrite;
    if (afterWrite !== null) for (const bytes of list) tls.write(bytes, afterWrite);
    else for (const bytes of list) tls.write(bytes);
    tls.uncork();
    if (tls.writableLength > this._flow.high) this._maybePauseProtocol();
  }

  /** A write reached the layer below, or the TLS socket drained: maybe resume a paused writer. */
  _afterWrite(): void {
    if (this._flow.paused) this._maybeResumeProtocol();
  }

  override setWriteBufferLimits(high?: number | null, low?: number | null): void {
    this._flow.setLimits(high, low);
    this.#updateWriteCallbacks();
    this._maybePauseProtocol();
  }

  /**
   * A pause above a high watermark of at least the TLS socket's own means a write
   * returned false, so its 'drain' event will come: that is when to resume, at no cost per
   * write. Below it, each write carries a callback to see the buffer fall.
   */
  #updateWriteCallbacks(): void {
    if (this._flow.high >= this.#tls.writableHighWaterMark) this.#afterWrite = null;
    else this.#afterWrite ??= () => this._afterWrite();
  }

  /**
   * App bytes accepted and not yet handed to the layer below (the OS on the fast path,
   * the transport below on the generic one, whose own buffer it does not count, as
   * asyncio). Node completes a TLS write one tick after its records went down; when the
   * layer below holds nothing, the write in flight is already out and is not counted.
   */
  getWriteBufferSize(): number {
    if (this._connectionLost) return 0;
    const tls = this.#tls;
    const size = tls.writableLength;
    if (size === 0) return 0;
    const osHandle = this.#osHandle;
    const duplex = this.#duplex;
    const heldBelow =
      osHandle !== null ? osHandle.writeQueueSize : duplex !== null ? duplex.writableLength : size;
    if (heldBelow > 0) return size;
    const inFlight = (tls as unknown as { _writableState?: { writelen?: unknown } })._writableState
      ?.writelen;
    return typeof inFlight === 'number' ? size - inFlight : size;
  }

  /** Sends close_notify after the buffered data; reading goes on (TLS half-close). */
  writeEof(): void {
    if (this._closing || this.#eofSent) return;
    this._checkNoSendfile('writeEof');
    this.#eofSent = true;
    this.#tls.end();
  }

  canWriteEof(): boolean {
    return true;
  }

  // ---- closing ----------------------------------------------------------------------

  /**
   * Flushes, sends close_notify (and FIN), then closes: `connectionLost(null)`. The
   * peer's close_notify is not waited for (RFC 8446 §6.1 allows it), so a peer that never
   * answers cannot keep the connection alive (asyncio bug 8.39). If the flush does not
   * finish within `sslShutdownTimeout` (the peer does not read), the connection is
   * aborted with `TimeoutError('SSL shutdown timed out')`. A second call is a no-op.
   */
  close(): void {
    if (this._closing) return;
    this._closing = true;
    this.#state = 'shutdown';
    if (!this.#made) {
      this._forceClose(null);
      return;
    }
    const tls = this.#tls;
    this.#shutdownTimer = this._loop.isClosed()
      ? null
      : this._loop.callLater(this.#settings.shutdownTimeout, onShutdownTimeout, this);
    if (!this.#eofSent) {
      this.#eofSent = true;
      tls.end();
    }
    // Keep reading (and dropping) meanwhile, so the peer's close_notify never backs up.
    tls.resume();
    if (tls.writableFinished) this._flushed();
    else onceTlsFlushed(tls);
  }

  /**
   * close() has sent everything and close_notify: the connection is done for the
   * application (`connectionLost(null)`). The socket lingers, reading and dropping,
   * until the peer's EOF (at most `sslShutdownTimeout`): closing it at once while the
   * peer still sends (a TLS 1.3 server sends its session tickets late) would answer
   * with a TCP RST, and an RST makes the peer's OS drop data it has not read yet.
   */
  _flushed(): void {
    if (this._connectionLost) return;
    this.#cancelShutdownTimer();
    this.#state = 'closed';
    if (this.#eofReceived || this._loop.isClosed()) {
      this.#tls.destroy();
    } else {
      this.#lingering = true;
      this.#shutdownTimer = this._loop.callLater(
        this.#settings.shutdownTimeout,
        onLingerTimeout,
        this.#tls,
      );
    }
    this._scheduleConnectionLost(null);
  }

  abort(): void {
    this._forceClose(null);
  }

  _forceClose(exc: Error | null): void {
    if (this._connectionLost) return;
    this._closing = true;
    this.#state = 'closed';
    this.#cancelShutdownTimer();
    this.#tls.destroy();
    this._scheduleConnectionLost(exc);
  }

  protected override _scheduleConnectionLost(exc: Error | null): void {
    if (!this.#made) {
      // Failed before connectionMade: the protocol hears nothing, the creator gets the error.
      if (this._connectionLost) return;
      this._connectionLost = true;
      this._lostCalled = true;
      this._closing = true;
      this.#settle(exc ?? new ConnectionResetError('Connection lost before connectionMade'));
      this._release();
      const tracker = this._tracker;
      this._tracker = null;
      tracker?.detach(this);
      return;
    }
    super._scheduleConnectionLost(exc);
  }

  /** The TLS socket closed (both sides done, or destroyed). */
  _onClose(): void {
    this.#state = 'closed';
    this.#lingering = false;
    this.#cancelShutdownTimer();
    if (!this._connectionLost) this._scheduleConnectionLost(null);
  }

  _onError(err: Error): void {
    if (this._connectionLost) {
      // Lingering after close(), or already lost: nobody to tell.
      this.#cancelShutdownTimer();
      this.#tls.destroy();
      return;
    }
    this._fatalError(err, 'Fatal error on SSL transport');
  }

  _shutdownTimedOut(): void {
    this.#shutdownTimer = null;
    this._forceClose(shutdownTimeoutError());
  }

  #cancelShutdownTimer(): void {
    this.#shutdownTimer?.cancel();
    this.#shutdownTimer = null;
  }

  protected _release(): void {
    if (this.#lingering) return;
    this.#cancelShutdownTimer();
    if (!this.#tls.destroyed) this.#tls.destroy();
  }
}

function toBufferView(value: unknown): Uint8Array {
  let buf: Uint8Array | null = null;
  if (value instanceof Uint8Array) buf = value;
  else if (ArrayBuffer.isView(value))
    buf = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (buf === null || buf.byteLength === 0) throw new Error('getBuffer() returned an empty buffer');
  return buf;
}

function onLingerTimeout(tls: TLSSocket): void {
  tls.destroy();
}

function onShutdownTimeout(transport: TlsTransport): void {
  transport._shutdownTimedOut();
}

function deliverPendingEnd(transport: TlsTransport): void {
  transport._deliverPendingEnd();
}
