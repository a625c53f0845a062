import type { ConformancePeer } from './conformance-types.js';
import type { MemoryOutputListener, MemoryTransport } from './memory-transport.js';
import { PeerInbox } from './peer-inbox.js';

/**
 * The other end of a {@link MemoryTransport}, as a {@link ConformancePeer}: what the
 * peer writes is fed to the transport, what the transport writes lands here.
 * `pauseReading()` turns the transport's automatic draining off, so its write buffer
 * grows exactly as a socket's does against a peer that does not read.
 */
export class MemoryPeer implements ConformancePeer, MemoryOutputListener {
  readonly transport: MemoryTransport;
  readonly #inbox = new PeerInbox();
  #reading = true;

  constructor(transport: MemoryTransport) {
    this.transport = transport;
    transport.setOutputListener(this);
    if (transport.writeEnded) this.onWriteEnd(transport);
  }

  onWritten(transport: MemoryTransport): void {
    if (this.#reading) this.#inbox.push(transport.takeWritten());
  }

  onWriteEnd(transport: MemoryTransport): void {
    this.#inbox.push(transport.takeWritten());
    this.#inbox.end();
  }

  async write(data: Uint8Array): Promise<void> {
    this.transport.feed(data);
  }

  async end(): Promise<void> {
    this.transport.feedEof();
  }

  reset(): void {
    this.transport.simulateError();
  }

  readExactly(n: number): Promise<Uint8Array> {
    return this.#inbox.readExactly(n);
  }

  readUntilEnd(): Promise<Uint8Array> {
    return this.#inbox.readUntilEnd();
  }

  pauseReading(): void {
    this.#reading = false;
    this.transport.setAutoDrain(false);
  }

  resumeReading(): void {
    this.#reading = true;
    this.#inbox.push(this.transport.takeWritten());
    this.transport.setAutoDrain(true);
  }
}
