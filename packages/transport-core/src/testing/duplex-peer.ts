import type { Duplex, Readable } from 'node:stream';
import type { ConformancePeer } from './conformance-types.js';
import { PeerInbox } from './peer-inbox.js';

const PEER = Symbol('DuplexPeer');

function onData(this: Readable & { [PEER]: DuplexPeer }, chunk: Buffer): void {
  this[PEER]._inbox.push(chunk);
}

function onEnd(this: Readable & { [PEER]: DuplexPeer }): void {
  this[PEER]._inbox.end();
}

function onError(this: Readable & { [PEER]: DuplexPeer }, err: Error): void {
  const peer = this[PEER];
  peer.errors.push(err);
  peer._inbox.end(err);
}

/**
 * A {@link ConformancePeer} over a Node stream: a `net.Socket` (the raw peer of a TCP or
 * Unix transport), a `tls.TLSSocket`, or any `Duplex`. It reads from the moment it is
 * made. Make the socket with `allowHalfOpen: true` (e.g. `net.createServer({ allowHalfOpen: true })`)
 * so that the transport's `writeEof()` does not end the peer's own side too.
 *
 * `pauseReading()` is `socket.pause()`, which stops reading at the OS level for
 * `net.Socket`: the transport feels real backpressure. `reset()` is
 * `socket.resetAndDestroy()` (a TCP RST) where possible, else `destroy()`.
 * Errors of the socket are collected in {@link DuplexPeer.errors}, never thrown.
 */
export class DuplexPeer implements ConformancePeer {
  /** Where the peer writes (and what it ends and resets). */
  readonly socket: Duplex;
  /** Where the peer reads: `socket` itself, or a second stream (e.g. the other pipe of a pair). */
  readonly readable: Readable;
  /** Errors the streams emitted (e.g. `ECONNRESET` after the transport aborted). */
  readonly errors: Error[] = [];
  /** @internal */
  readonly _inbox = new PeerInbox();

  /**
   * @param socket the stream the peer writes to (and reads from, unless `readFrom` is given).
   * @param readFrom where the peer reads what the transport wrote, when that is another
   *   stream (a transport made of two pipes). Default: `socket`.
   */
  constructor(socket: Duplex, readFrom: Readable = socket) {
    this.socket = socket;
    this.readable = readFrom;
    for (const stream of readFrom === socket ? [socket] : [socket, readFrom]) {
      Object.defineProperty(stream, PEER, { value: this, configurable: true });
      stream.on('error', onError);
    }
    readFrom.on('data', onData);
    readFrom.on('end', onEnd);
    readFrom.on('close', onEnd);
  }

  write(data: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(data, (err) => (err ? reject(err) : resolve()));
    });
  }

  end(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.end(() => resolve());
    });
  }

  reset(): void {
    const socket = this.socket as Duplex & { resetAndDestroy?: () => void };
    if (typeof socket.resetAndDestroy === 'function') {
      try {
        socket.resetAndDestroy();
        return;
      } catch {
        // Not a TCP handle (e.g. a Unix socket): there is no RST, destroy it plainly.
      }
    }
    socket.destroy();
    this.readable.destroy();
  }

  readExactly(n: number): Promise<Uint8Array> {
    return this._inbox.readExactly(n);
  }

  readUntilEnd(): Promise<Uint8Array> {
    return this._inbox.readUntilEnd();
  }

  pauseReading(): void {
    this.readable.pause();
  }

  resumeReading(): void {
    this.readable.resume();
  }

  /** Destroys the streams (idempotent). */
  destroy(): void {
    this.socket.destroy();
    this.readable.destroy();
  }
}
