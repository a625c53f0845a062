import type { BufferedProtocol } from '../protocols.js';
import { RecordingProtocol, type RecordingProtocolOptions } from './recording-protocol.js';

/** Options of {@link RecordingBufferedProtocol}. */
export interface RecordingBufferedProtocolOptions extends RecordingProtocolOptions {
  /**
   * Size of the buffer `getBuffer` returns, in bytes (small sizes make the transport
   * deliver in many small pieces). Default 65536. `0` returns a zero-length buffer,
   * which a transport must treat as a fatal error.
   */
  bufferSize?: number;
}

/**
 * The buffered variant of {@link RecordingProtocol} (asyncio `BufferedProtocol`):
 * records `['getBuffer', sizehint]` and `['bufferUpdated', nbytes]` and collects the
 * bytes the transport wrote into its buffer. One buffer is reused across reads, as a
 * real buffered protocol would.
 *
 * It still has a `dataReceived` (recorded, and a grammar error in buffered mode): a
 * transport that picks the wrong read path is caught instead of crashing.
 *
 * @example
 * const protocol = new RecordingBufferedProtocol({ bufferSize: 4 });
 * // 11 bytes then EOF arrive as bufferUpdated(4), (4), (3), then eofReceived
 */
export class RecordingBufferedProtocol extends RecordingProtocol implements BufferedProtocol {
  /** The buffer `getBuffer` returns. */
  readonly buffer: Uint8Array;
  /** `nbytes` values that were out of range (bigger than the buffer): a transport bug. */
  readonly overflows: number[] = [];

  constructor(options: RecordingBufferedProtocolOptions = {}) {
    super(options);
    const size = options.bufferSize ?? 65536;
    if (!Number.isInteger(size) || size < 0)
      throw new RangeError(`bufferSize must be an integer >= 0, got ${size}`);
    this.buffer = new Uint8Array(size);
  }

  override get buffered(): boolean {
    return true;
  }

  getBuffer(sizehint: number): Uint8Array {
    this._record(['getBuffer', sizehint]);
    return this.buffer;
  }

  bufferUpdated(nbytes: number): void {
    if (nbytes > this.buffer.byteLength) this.overflows.push(nbytes);
    // Copy out: the transport writes the next read into the same buffer.
    this._addBytes(this.buffer.slice(0, Math.max(0, Math.min(nbytes, this.buffer.byteLength))));
    this._record(['bufferUpdated', nbytes]);
  }
}
