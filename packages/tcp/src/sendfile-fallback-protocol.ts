import { type BaseProtocol, type Protocol, type Transport, TransportBase } from '@x/transport-core';

/** The error a sendfile ends with when the connection goes away under it. */
export function closedByPeer(cause?: unknown): Error {
  return Object.assign(
    new Error('Connection is closed by peer', cause === undefined ? {} : { cause }),
    { code: 'ECONNRESET' },
  );
}

/**
 * The protocol a transport talks to while the generic `sendfile` path (any transport
 * but our own sockets: TLS, ...) writes the file through `transport.write()` (asyncio
 * `_SendfileFallbackProtocol`). Made with {@link SendfileFallbackProtocol.install}, which
 * remembers whether the transport was reading and whether flow control had paused the
 * original protocol, pauses reading (no data may reach the original protocol in the
 * middle of the file, and none is dropped: it waits in the transport) and swaps itself
 * in. {@link SendfileFallbackProtocol.restore} swaps the original back, resumes reading
 * if it was reading, and tells the original protocol the flow-control state it missed.
 * `connectionLost` goes on to the original protocol.
 */
export class SendfileFallbackProtocol implements Protocol {
  readonly #transport: Transport;
  readonly #original: BaseProtocol;
  readonly #wasReading: boolean;
  /** The original protocol was paused by flow control (it waits for `resumeWriting`). */
  readonly #originalPaused: boolean;
  #paused: boolean;
  #lost: Error | null = null;
  #wake: ((err: Error | null) => void) | null = null;

  private constructor(transport: Transport) {
    this.#transport = transport;
    this.#original = transport.getProtocol();
    this.#wasReading = transport.isReading();
    this.#originalPaused = writingPaused(transport);
    this.#paused = this.#originalPaused;
  }

  /** Pauses reading and swaps the fallback protocol in (see the class doc). */
  static install(transport: Transport): SendfileFallbackProtocol {
    const fallback = new SendfileFallbackProtocol(transport);
    transport.pauseReading();
    transport.setProtocol(fallback);
    return fallback;
  }

  /**
   * Resolves when a write may follow: at once unless flow control paused the transport,
   * else at `resumeWriting`.
   * @throws the connection's error (or ECONNRESET) once it is closing or lost.
   */
  async drain(): Promise<void> {
    for (;;) {
      if (this.#lost !== null) throw this.#lost;
      if (this.#transport.isClosing()) throw closedByPeer();
      if (!this.#paused) return;
      await this.#nextFlowEvent();
    }
  }

  /**
   * After the last write: resolves once the transport is no longer paused (so the
   * original protocol gets it back below its high watermark), or is closing or lost
   * (every byte was already accepted by `write()`; what happens to them is the
   * connection's business, as for any write).
   */
  async settle(): Promise<void> {
    while (this.#paused && this.#lost === null && !this.#transport.isClosing()) {
      await this.#nextFlowEvent().catch(() => {});
    }
  }

  /** Waits for `resumeWriting` or `connectionLost`. */
  async #nextFlowEvent(): Promise<void> {
    const err = await new Promise<Error | null>((resolve) => {
      this.#wake = resolve;
    });
    this.#wake = null;
    if (err !== null) throw err;
  }

  /**
   * Puts the original protocol back, resumes reading if the transport was reading when
   * the sendfile started, and reconciles write flow control: the original protocol gets
   * `resumeWriting()` if it was paused and the transport no longer is (asyncio calls it
   * whenever it was paused; we skip it while the transport is still paused, as its own
   * `resumeWriting` will come) and `pauseWriting()` if the transport paused meanwhile.
   * Nothing is called on a transport that is closing.
   */
  restore(): void {
    const transport = this.#transport;
    if (transport.getProtocol() === this) transport.setProtocol(this.#original);
    if (transport.isClosing()) return;
    if (this.#wasReading) transport.resumeReading();
    const pausedNow = writingPaused(transport);
    if (this.#originalPaused && !pausedNow) this.#callOriginal('resumeWriting');
    else if (!this.#originalPaused && pausedNow) this.#callOriginal('pauseWriting');
  }

  #callOriginal(name: 'pauseWriting' | 'resumeWriting'): void {
    try {
      this.#original[name]?.();
    } catch (err) {
      // Fatal like any throwing callback (SPEC §4.9), when the transport has that funnel.
      if (this.#transport instanceof TransportBase) this.#transport._callbackFailed(err, name);
      else throw err;
    }
  }

  connectionMade(): void {
    throw new Error('Invalid state: connection should have been established already.');
  }

  dataReceived(): void {
    throw new Error('Invalid state: reading should be paused');
  }

  eofReceived(): undefined {
    throw new Error('Invalid state: reading should be paused');
  }

  pauseWriting(): void {
    this.#paused = true;
  }

  resumeWriting(): void {
    this.#paused = false;
    this.#wake?.(null);
  }

  connectionLost(exc: Error | null): void {
    this.#lost = exc ?? closedByPeer();
    this.#wake?.(this.#lost);
    const transport = this.#transport;
    if (transport.getProtocol() === this) transport.setProtocol(this.#original);
    this.#original.connectionLost?.(exc);
  }
}

/** Flow control has paused the transport's protocol (approximated for foreign transports). */
function writingPaused(transport: Transport): boolean {
  if (transport instanceof TransportBase) return transport._protocolPaused;
  return transport.getWriteBufferSize() > transport.getWriteBufferLimits()[1];
}
