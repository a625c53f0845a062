/**
 * Receive memory for `Protocol` (not buffered) connections: reads land in a large
 * preallocated slab and `dataReceived` gets a view of exactly the bytes read. The
 * offset only moves forward, so a view handed to the protocol is never overwritten
 * (protocols may keep data); when too little is left a fresh slab is allocated and the
 * old one lives as long as some view of it does.
 *
 * Why a slab and not a fresh Buffer per read (Node's default) or one static buffer:
 * one allocation serves many small reads, no byte is copied, and kept data stays valid.
 */

/** Size of one slab (bytes): a read can take at most what is left of it. */
export const SLAB_SIZE = 256 * 1024;
/** A new slab is started when less than this is left (so reads stay large). */
export const SLAB_MIN_READ = 32 * 1024;

/** The slab of one connection. */
export class ReadSlab {
  #slab: Buffer = Buffer.allocUnsafe(SLAB_SIZE);
  #offset = 0;
  /** The region the next read goes into (what `onread.buffer` returns). */
  #pending: Buffer | null = null;

  /** Returns the free rest of the slab for the next read. */
  next(): Buffer {
    if (this.#slab.length - this.#offset < SLAB_MIN_READ) {
      this.#slab = Buffer.allocUnsafe(SLAB_SIZE);
      this.#offset = 0;
    }
    const pending = this.#slab.subarray(this.#offset);
    this.#pending = pending;
    return pending;
  }

  /** True if `buf` is the region last returned by {@link ReadSlab.next}. */
  owns(buf: Uint8Array): boolean {
    return buf === this.#pending;
  }

  /** Claims the first `n` bytes of the pending region: they now belong to the protocol. */
  take(n: number): Buffer {
    const pending = this.#pending as Buffer;
    this.#pending = null;
    this.#offset += n;
    return pending.subarray(0, n);
  }
}
