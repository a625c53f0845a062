interface InboxWaiter {
  /** Bytes wanted; `-1`: everything up to the end. */
  readonly n: number;
  readonly resolve: (bytes: Buffer) => void;
  readonly reject: (err: Error) => void;
}

/**
 * The bytes a conformance peer has received and not yet read, with the waits of
 * `readExactly(n)` and `readUntilEnd()`. Shared by {@link MemoryPeer} and {@link DuplexPeer}.
 */
export class PeerInbox {
  #chunks: Buffer[] = [];
  #size = 0;
  #ended = false;
  #error: Error | null = null;
  #waiters: InboxWaiter[] = [];

  /** Bytes received and not yet read. */
  get size(): number {
    return this.#size;
  }

  /** True once the stream ended (EOF, close or error). */
  get ended(): boolean {
    return this.#ended;
  }

  /** Adds received bytes (copied: the sender may reuse its buffer). */
  push(data: Uint8Array): void {
    if (data.byteLength === 0) return;
    this.#chunks.push(Buffer.from(data));
    this.#size += data.byteLength;
    this.#settle();
  }

  /** The stream ended; `error` when it failed. Waits that cannot be met reject. */
  end(error: Error | null = null): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    this.#settle();
  }

  /** Resolves with exactly the next `n` bytes; rejects when the stream ends first. */
  readExactly(n: number): Promise<Buffer> {
    if (!Number.isInteger(n) || n < 0)
      return Promise.reject(new RangeError(`n must be an integer >= 0, got ${n}`));
    return this.#wait(n);
  }

  /** Resolves with every remaining byte once the stream ended. */
  readUntilEnd(): Promise<Buffer> {
    return this.#wait(-1);
  }

  #wait(n: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.#waiters.push({ n, resolve, reject });
      this.#settle();
    });
  }

  #take(n: number): Buffer {
    const all = Buffer.concat(this.#chunks, this.#size);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.#chunks = rest.byteLength > 0 ? [rest] : [];
    this.#size = rest.byteLength;
    return out;
  }

  #settle(): void {
    // Waiters are served in order: a later readExactly must not overtake an earlier one.
    while (this.#waiters.length > 0) {
      const waiter = this.#waiters[0] as InboxWaiter;
      if (waiter.n >= 0 && this.#size >= waiter.n) {
        this.#waiters.shift();
        waiter.resolve(this.#take(waiter.n));
      } else if (this.#ended && waiter.n < 0) {
        this.#waiters.shift();
        waiter.resolve(this.#take(this.#size));
      } else if (this.#ended) {
        this.#waiters.shift();
        const why = this.#error ? `failed (${this.#error.message})` : 'ended';
        waiter.reject(
          new Error(`the stream ${why} after ${this.#size} of ${waiter.n} bytes`, {
            cause: this.#error,
          }),
        );
      } else {
        return;
      }
    }
  }
}
