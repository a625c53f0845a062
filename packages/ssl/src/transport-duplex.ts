import { Duplex } from 'node:stream';
import type { Protocol, Transport } from '@x/transport-core';

type WriteCallback = (error?: Error | null) => void;

/**
 * The protocol a {@link TransportDuplex} installs on the transport below it: it moves
 * what the transport receives into the Duplex, and the transport's flow-control
 * signals into the Duplex's write callbacks.
 */
class DuplexFeeder implements Protocol {
  readonly #duplex: TransportDuplex;

  constructor(duplex: TransportDuplex) {
    this.#duplex = duplex;
  }

  dataReceived(data: Uint8Array): void {
    this.#duplex._feed(data);
  }

  eofReceived(): boolean {
    this.#duplex.push(null);
    // Keep the write side open: TLS still has to send its close_notify (half-close).
    return true;
  }

  connectionLost(exc: Error | null): void {
    this.#duplex._lost(exc);
  }

  pauseWriting(): void {
    this.#duplex._writePaused = true;
  }

  resumeWriting(): void {
    this.#duplex._writePaused = false;
    this.#duplex._releaseWrite();
  }
}

/**
 * A Node `Duplex` over any stream {@link Transport}: the generic path of `@x/ssl`, so
 * that `tls.TLSSocket` can run on top of a transport that is not a Node socket (a pipe
 * pair, a Unix socket transport, another TLS transport).
 *
 * Reading: the transport's data is pushed into the Duplex; when the Duplex's reader
 * falls behind, the transport's reading is paused (real backpressure). Writing: each
 * chunk goes to `transport.write()`; while the transport has paused writing, the
 * Duplex's write callback is held, so Node's stream buffer fills up behind it.
 */
export class TransportDuplex extends Duplex {
  readonly transport: Transport;
  /** The transport asked us to stop writing (its buffer is above its high watermark). */
  _writePaused = false;
  #heldCallback: WriteCallback | null = null;
  #readPaused = false;

  constructor(transport: Transport) {
    super({ allowHalfOpen: true, decodeStrings: false });
    this.transport = transport;
    transport.setProtocol(new DuplexFeeder(this));
    // As asyncio's start_tls: the TLS layer reads, whatever the old protocol had paused.
    transport.resumeReading();
  }

  /** Data from the transport. */
  _feed(data: Uint8Array): void {
    if (!this.push(data) && !this.#readPaused) {
      this.#readPaused = true;
      this.transport.pauseReading();
    }
  }

  /** The transport is gone: end the readable side (an error destroys the Duplex). */
  _lost(exc: Error | null): void {
    if (exc !== null) {
      this.destroy(exc);
      return;
    }
    this.push(null);
    this._releaseWrite();
    if (!this.destroyed) this.destroy();
  }

  /** Runs a write callback held while the transport was paused. */
  _releaseWrite(): void {
    const cb = this.#heldCallback;
    if (cb === null) return;
    this.#heldCallback = null;
    cb();
  }

  override _read(): void {
    if (this.#readPaused) {
      this.#readPaused = false;
      this.transport.resumeReading();
    }
  }

  override _write(chunk: Uint8Array, _encoding: BufferEncoding, callback: WriteCallback): void {
    this.transport.write(chunk);
    if (this._writePaused) this.#heldCallback = callback;
    else callback();
  }

  override _writev(chunks: { chunk: Uint8Array }[], callback: WriteCallback): void {
    const list: Uint8Array[] = new Array(chunks.length);
    for (let i = 0; i < chunks.length; i++) list[i] = (chunks[i] as { chunk: Uint8Array }).chunk;
    this.transport.writelines(list);
    if (this._writePaused) this.#heldCallback = callback;
    else callback();
  }

  override _final(callback: WriteCallback): void {
    if (this.transport.canWriteEof() && !this.transport.isClosing()) this.transport.writeEof();
    callback();
  }

  override _destroy(error: Error | null, callback: WriteCallback): void {
    const cb = this.#heldCallback;
    this.#heldCallback = null;
    // An error from TLS ends the transport below at once; a normal end closes it cleanly.
    if (error !== null) this.transport.abort();
    else this.transport.close();
    cb?.(error);
    callback(error);
  }
}
