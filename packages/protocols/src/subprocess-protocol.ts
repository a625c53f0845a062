import type {
  StdioFd,
  SubprocessProtocol as SubprocessProtocolContract,
  SubprocessTransport,
} from '@x/transport-core';

/** Base class for subprocess protocols (asyncio `SubprocessProtocol`): every callback is a no-op. */
export class SubprocessProtocol implements SubprocessProtocolContract {
  connectionMade(_transport: SubprocessTransport): void {}
  connectionLost(_exc: Error | null): void {}
  pauseWriting(): void {}
  resumeWriting(): void {}
  pipeDataReceived(_fd: 1 | 2, _data: Uint8Array): void {}
  pipeConnectionLost(_fd: StdioFd, _exc: Error | null): void {}
  processExited(): void {}
}
