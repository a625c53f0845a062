import type { Socket as NetSocket } from 'node:net';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import {
  type AbstractEventLoop,
  type BaseProtocol,
  type BufferedProtocol,
  type BytesLike,
  type ConnectionTracker,
  type ExtraInfo,
  type Protocol,
  type TimerHandle,
  type Transport,
  TransportBase,
  toBytes,
  toBytesList,
} from '@x/transport-core';
import { cipherBits } from './cipher-bits.js';
import { ConnectionResetError, shutdownTimeoutError } from './tls-errors.js';
import type { TlsSettings } from './tls-settings.js';

/**
 * Life of a TLS transport after its handshake:
 * ```
 * open -> shutdown (close(): flushing, then close_notify and FIN) -> closed
 * open -> closed (abort(), a TLS/socket error, the peer closing, a throwing callback)
 * ```
 * `writeEof()` and the peer's EOF are half-closes inside `open`.
 */
export type TlsTransportState = 'open' | 'shutdown' | 'closed';

const kOwner = Symbol('TlsTransport');

interface OwnedTlsSocket extends TLSSocket {
  [kOwner]: TlsTransport;
}

/** Where a TLS transport runs: the raw Node socket (fast path) and/or the transport below (generic path). */
export interface TlsUnderlying {
  /** The raw `net.Socket` under the TLS socket, when there is one. */
  readonly socket: NetSocket | null;
  /** The transport under the TLS socket (generic path), for its extra info. */
  readonly transport: Transport | null;
}

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
export class TlsTransport extends TransportBase implements Transport {
  readonly #tls: OwnedTlsSocket;
  readonly #settings: TlsSettings;
  #state: TlsTransportState = 'open';
  #buffered: boolean;
  #made = false;
  #paused = false;
  #eofReceived = false;
  #eofSent = false;
  #shutdownTimer: TimerHandle | null = null;
  #waiter: { resolve(t: Transport): void; reject(e: Error): void } | null;
  readonly #afterWrite = (): void => this._afterWrite();
  /** The OS socket handle under Node's TLS wrap (fast path), for its write queue size. */
  readonly #osHandle: { readonly writeQueueSize: number } | null;

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
    this.#tls = tls as OwnedTlsSocket;
    this.#tls[kOwner] = this;
    this.#settings = settings;
    this.#buffered = isBuffered(protocol);
    this.#waiter = waiter;
    this.#osHandle = under.socket === null ? null : osHandleOf(tls);
    // We decide when the write side ends (writeEof/close), not Node's half-open default.
    tls.allowHalfOpen = true;
    tls.pause();
    tls.on('error', onTlsError);
    tls.on('end', onTlsEnd);
    tls.on('close', onTlsClose);
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
    this.#tls.on('data', onTlsData);
    if (!this.#paused && !this._closing) this.#tls.resume();
    this.#settle(null);
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
  }

  // ---- writing ----------------------------------------------------------------------

  write(data: BytesLike): void {
    const bytes = toBytes(data);
    if (this._closing || this.#state !== 'open') {
      this._dropWrite();
      return;
    }
    if (this.#eofSent) throw new Error('Cannot call write() after writeEof()');
    if (bytes.byteLength === 0) return;
    this.#tls.write(bytes, this.#afterWrite);
    this._maybePauseProtocol();
  }

  writelines(listOfData: Iterable<BytesLike>): void {
    const list = toBytesList(listOfData);
    if (this._closing || this.#state !== 'open') {
      this._dropWrite();
      return;
    }
    if (this.#eofSent) throw new Error('Cannot call writelines() after writeEof()');
    if (list.length === 0) return;
    const tls = this.#tls;
    // One vectored write: the TLS socket gets every chunk in one _writev.
    tls.cork();
    for (const bytes of list) tls.write(bytes, this.#afterWrite);
    tls.uncork();
    this._maybePauseProtocol();
  }

  /** A write reached the layer below: maybe resume a paused writer. */
  _afterWrite(): void {
    if (this._flow.paused) this._maybeResumeProtocol();
  }

  /**
   * App bytes accepted and not yet handed to the OS. Node completes a TLS write one tick
   * after the OS took its records; when the socket below has nothing queued, the write
   * in flight is already out and is not counted.
   */
  getWriteBufferSize(): number {
    if (this._connectionLost) return 0;
    const tls = this.#tls;
    const size = tls.writableLength;
    const osHandle = this.#osHandle;
    if (size === 0 || osHandle === null || osHandle.writeQueueSize > 0) return size;
    const inFlight = (tls as unknown as { _writableState?: { writelen?: unknown } })._writableState?.writelen;
    return typeof inFlight === 'number' ? size - inFlight : size;
  }

  /** Sends close_notify after the buffered data; reading goes on (TLS half-close). */
  writeEof(): void {
    if (this._closing || this.#eofSent) return;
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
    this.#destroyWhenFlushed();
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
    this.#cancelShutdownTimer();
    if (!this._connectionLost) this._scheduleConnectionLost(null);
  }

  _onError(err: Error): void {
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
    this.#cancelShutdownTimer();
    if (!this.#tls.destroyed) this.#tls.destroy();
  }
}

/** Node's TLS wrap keeps the socket's libuv handle as `_parent` (internal, hence the checks). */
function osHandleOf(tls: TLSSocket): { readonly writeQueueSize: number } | null {
  const parent = (tls as unknown as { _handle?: { _parent?: { writeQueueSize?: unknown } } | null })._handle?._parent;
  return parent !== undefined && typeof parent.writeQueueSize === 'number'
    ? (parent as { readonly writeQueueSize: number })
    : null;
}

function toBufferView(value: unknown): Uint8Array {
  let buf: Uint8Array | null = null;
  if (value instanceof Uint8Array) buf = value;
  else if (ArrayBuffer.isView(value))
    buf = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (buf === null || buf.byteLength === 0) throw new Error('getBuffer() returned an empty buffer');
  return buf;
}

function tlsExtraInfo(
  tls: TLSSocket,
  settings: TlsSettings,
  under: TlsUnderlying,
): Partial<ExtraInfo> {
  const extra: Partial<Record<keyof ExtraInfo, unknown>> = { ...settings.extra };
  const lower = under.transport;
  const raw = under.socket;
  if (lower !== null) {
    for (const key of ['peername', 'sockname', 'socket'] as const) {
      const value = lower.getExtraInfo(key);
      if (value !== null) extra[key] ??= value;
    }
  }
  if (raw !== null) {
    extra.socket ??= raw;
    const peer = socketAddress(raw.remoteAddress, raw.remotePort);
    const local = socketAddress(raw.localAddress, raw.localPort);
    if (peer !== null) extra.peername ??= peer;
    if (local !== null) extra.sockname ??= local;
  }
  const cipher = tls.getCipher();
  if (cipher)
    extra.cipher = Object.freeze([
      cipher.name,
      tls.getProtocol() ?? cipher.version,
      cipherBits(cipher.name),
    ]);
  const cert: PeerCertificate | Record<string, never> = tls.getPeerCertificate();
  extra.peercert = cert && Object.keys(cert).length > 0 ? cert : null;
  extra.sslcontext = settings.context;
  extra.ssl_object = tls;
  extra.compression = null;
  return extra as Partial<ExtraInfo>;
}

function socketAddress(
  host: string | undefined,
  port: number | undefined,
): readonly [string, number] | null {
  if (host === undefined || port === undefined) return null;
  return Object.freeze([host, port] as const);
}

function onTlsData(this: OwnedTlsSocket, chunk: Buffer): void {
  this[kOwner]._onData(chunk);
}

function onTlsEnd(this: OwnedTlsSocket): void {
  this[kOwner]._onEnd();
}

function onTlsClose(this: OwnedTlsSocket): void {
  this[kOwner]._onClose();
}

function onTlsError(this: OwnedTlsSocket, err: Error): void {
  this[kOwner]._onError(err);
}

function destroyAfterFinish(this: TLSSocket): void {
  this.destroy();
}

function onShutdownTimeout(transport: TlsTransport): void {
  transport._shutdownTimedOut();
}
