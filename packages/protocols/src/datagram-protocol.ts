import type {
  Address,
  DatagramProtocol as DatagramProtocolContract,
  DatagramTransport,
} from '@x/transport-core';

/** Base class for datagram protocols (asyncio `DatagramProtocol`): every callback is a no-op. */
export class DatagramProtocol implements DatagramProtocolContract {
  connectionMade(_transport: DatagramTransport): void {}
  connectionLost(_exc: Error | null): void {}
  pauseWriting(): void {}
  resumeWriting(): void {}
  datagramReceived(_data: Uint8Array, _addr: Address | null): void {}
  errorReceived(_exc: Error): void {}
}
