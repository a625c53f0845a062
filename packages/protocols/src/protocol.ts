import type { Protocol as ProtocolContract, Transport } from '@x/transport-core';

/**
 * Base class for stream protocols (asyncio `Protocol`): every callback is a no-op, so a
 * subclass overrides only what it needs. `eofReceived()` returns `undefined`, which
 * closes the transport.
 *
 * @example
 * class Echo extends Protocol {
 *   transport!: Transport;
 *   override connectionMade(t: Transport) { this.transport = t; }
 *   override dataReceived(data: Uint8Array) { this.transport.write(data); }
 * }
 */
export class Protocol implements ProtocolContract {
  connectionMade(_transport: Transport): void {}
  connectionLost(_exc: Error | null): void {}
  pauseWriting(): void {}
  resumeWriting(): void {}
  dataReceived(_data: Uint8Array): void {}
  eofReceived(): unknown {
    return undefined;
  }
}
