import type { BufferedProtocol as BufferedProtocolContract, Transport } from '@x/transport-core';

/**
 * Base class for stream protocols that own their receive buffer (asyncio
 * `BufferedProtocol`). Subclasses must override `getBuffer` and `bufferUpdated`; the
 * other callbacks are no-ops.
 */
export abstract class BufferedProtocol implements BufferedProtocolContract {
  connectionMade(_transport: Transport): void {}
  connectionLost(_exc: Error | null): void {}
  pauseWriting(): void {}
  resumeWriting(): void {}
  /** Returns the buffer the next bytes go into (`sizehint` -1: any size; never empty). */
  abstract getBuffer(sizehint: number): Uint8Array;
  /** `nbytes` bytes were written at the start of the last buffer. */
  abstract bufferUpdated(nbytes: number): void;
  eofReceived(): unknown {
    return undefined;
  }
}
