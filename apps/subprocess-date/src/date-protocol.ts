import { SubprocessProtocol } from '@x/protocols';
import type { Future, StdioFd } from '@x/transport-core';

/**
 * The seed's `DateProtocol`: collects what the child writes to its stdout and
 * resolves `exitFuture` once the child exited **and** its stdout pipe closed
 * (`processExited()` may come before `pipeConnectionLost()`: wait for both).
 */
export class DateProtocol extends SubprocessProtocol {
  readonly #exitFuture: Future<boolean>;
  readonly #output: Uint8Array[] = [];
  #pipeClosed = false;
  #exited = false;

  constructor(exitFuture: Future<boolean>) {
    super();
    this.#exitFuture = exitFuture;
  }

  /** Everything the child wrote, in one buffer. */
  get output(): Buffer {
    return Buffer.concat(this.#output);
  }

  override pipeConnectionLost(_fd: StdioFd, _exc: Error | null): void {
    this.#pipeClosed = true;
    this.#checkForExit();
  }

  override pipeDataReceived(_fd: 1 | 2, data: Uint8Array): void {
    this.#output.push(data);
  }

  override processExited(): void {
    this.#exited = true;
    // processExited() can be called before pipeConnectionLost(): wait until both were.
    this.#checkForExit();
  }

  #checkForExit(): void {
    if (this.#pipeClosed && this.#exited && !this.#exitFuture.done()) {
      this.#exitFuture.setResult(true);
    }
  }
}
