import type { Protocol, StdioFd } from '@x/transport-core';

/** What the pipe protocols report to (the subprocess transport). */
export interface PipeEventSink {
  _pipeDataReceived(fd: 1 | 2, data: Uint8Array): void;
  _pipeConnectionLost(fd: StdioFd, exc: Error | null): void;
  _pipePauseWriting(): void;
  _pipeResumeWriting(): void;
}

/**
 * The protocol of a child's stdout/stderr pipe transport (asyncio
 * `ReadSubprocessPipeProto`): forwards to the subprocess transport with the fd.
 */
export class ReadSubprocessPipeProtocol implements Protocol {
  readonly #sink: PipeEventSink;
  readonly #fd: 1 | 2;

  constructor(sink: PipeEventSink, fd: 1 | 2) {
    this.#sink = sink;
    this.#fd = fd;
  }

  dataReceived(data: Uint8Array): void {
    this.#sink._pipeDataReceived(this.#fd, data);
  }

  connectionLost(exc: Error | null): void {
    this.#sink._pipeConnectionLost(this.#fd, exc);
  }
}

/**
 * The protocol of a child's stdin pipe transport (asyncio `WriteSubprocessPipeProto`):
 * reports its loss and forwards flow control to the subprocess protocol.
 */
export class WriteSubprocessPipeProtocol implements Protocol {
  readonly #sink: PipeEventSink;

  constructor(sink: PipeEventSink) {
    this.#sink = sink;
  }

  connectionLost(exc: Error | null): void {
    this.#sink._pipeConnectionLost(0, exc);
  }

  pauseWriting(): void {
    this.#sink._pipePauseWriting();
  }

  resumeWriting(): void {
    this.#sink._pipeResumeWriting();
  }
}
