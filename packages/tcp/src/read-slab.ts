/**
 * Receive memory for `Protocol` (not buffered) connections: reads land in a large
 * preallocated slab and `dataReceived` gets a view of exactly the bytes read. The
 * offset only moves forward, so a view handed to the protocol is never overwritten
 * (protocols may keep data); when too little is left a fresh slab is allocated and the
 * old one lives as long as some view of it does.
 *
 * Why a slab and not a fresh Buffer per read (Node's default) or one static buffer:
 * one allocation serves many small reads, no byte is copied, and kept data stays valid.
 * The slab size adapts: a connection of small messages keeps a small slab (idle
 * connections cost little), one that reads big chunks grows it so that reads stay large
 * and allocations rare (measured: at 128 KiB messages a 1 MiB slab cut user CPU per
 * message by a third against a fixed 256 KiB one).
 */

/** Smallest and largest slab (bytes). */
export const SLAB_MIN_SIZE = 64 * 1024;
export const SLAB_MAX_SIZE = 1024 * 1024;
/** A new slab is started when less than this fraction of it is left. */
const MIN_READ_FRACTION = 8;

/** The slab of one connection. */
export class ReadSlab {
  #slab: Buffer = Buffer.allocUnsafe(SLAB_MIN_SIZE);
  #offset = 0;
  /** The largest read since the current slab was allocated. */
  #largest = 0;
  /** The region the next read goes into (what `onread.buffer` returns). */
  #pending: Buffer | null = null;

  /** Returns the free rest of the slab for the next read. */
  next(): Buffer {
    const size = this.#slab.length;
    if (size - this.#offset < size / MIN_READ_FRACTION) {
      // Reads that filled a good part of the offered room ask for a bigger slab.
      const wanted = Math.min(SLAB_MAX_SIZE, Math.max(SLAB_MIN_SIZE, 8 * this.#largest));
      this.#slab = Buffer.allocUnsafe(wanted);
      this.#offset = 0;
      this.#largest = 0;
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
    if (n > this.#largest) this.#largest = n;
    return pending.subarray(0, n);
  }
}
