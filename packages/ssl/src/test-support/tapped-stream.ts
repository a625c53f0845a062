import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

type Callback = (error?: Error | null) => void;

/**
 * A Duplex over a raw socket that lets a test rewrite one outgoing write: a Node TLS
 * socket run over it sends real records, and the test can put plaintext in front of the
 * ClientHello (STARTTLS in the same packet) or corrupt a record mid-stream. Everything
 * else passes through unchanged, with the socket's own backpressure.
 */
export class TappedStream extends Duplex {
  readonly socket: Socket;
  #rewrite: ((chunk: Buffer) => Buffer) | null = null;

  constructor(socket: Socket) {
    super({ allowHalfOpen: true });
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  /** `rewrite` replaces the next write (all the chunks of one TLS flush, as one buffer). */
  rewriteNextWrite(rewrite: (chunk: Buffer) => Buffer): void {
    this.#rewrite = rewrite;
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: Callback): void {
    this.#send(chunk, callback);
  }

  // TLS writes a flight corked: one _writev, so one socket write (one packet on loopback).
  override _writev(chunks: { chunk: Buffer }[], callback: Callback): void {
    this.#send(Buffer.concat(chunks.map((c) => c.chunk)), callback);
  }

  override _final(callback: Callback): void {
    this.socket.end(callback);
  }

  override _destroy(error: Error | null, callback: Callback): void {
    this.socket.destroy();
    callback(error);
  }

  #send(chunk: Buffer, callback: Callback): void {
    const rewrite = this.#rewrite;
    this.#rewrite = null;
    this.socket.write(rewrite === null ? chunk : rewrite(chunk), callback);
  }
}
