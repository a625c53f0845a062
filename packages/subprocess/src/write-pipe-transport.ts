import type { Socket } from 'node:net';
import type {
  AbstractEventLoop,
  BaseProtocol,
  BytesLike,
  ExtraInfo,
  WriteTransport,
} from '@x/transport-core';
import { socketWriteBufferSize, TransportBase, toBytes, toBytesList } from '@x/transport-core';

const kOwner = Symbol('WritePipeTransport');
type OwnedSocket = Socket & { [kOwner]?: WritePipeTransport };

function onError(this: OwnedSocket, err: Error): void {
  this[kOwner]?._onError(err);
}

function onClose(this: OwnedSocket): void {
  this[kOwner]?._onClose();
}

function finishClose(self: WritePipeTransport): void {
  self._finishClose();
}

/** The error of data that could not be written because the reader went away. */
function brokenPipe(): Error {
  return Object.assign(new Error('Broken pipe: the reading end of the pipe was closed'), {
    code: 'EPIPE',
    errno: -32,
    syscall: 'write',
  });
}

/**
 * The write end of a pipe (asyncio `_UnixWritePipeTransport`): a child's stdin, or a
 * pipe/FIFO given to `loop.connectWritePipe`.
 *
 * `write()` hands data to the OS at once when it can and buffers the rest (the
 * transport keeps a reference to the buffer until it is written: do not change it
 * afterwards). Write flow control as SPEC §4.6. As in asyncio, `close()` and
 * `writeEof()` are the same thing: flush, then close the pipe (the reader sees EOF).
 * A reader that went away ends the transport with `connectionLost(err)` where `err`
 * has `code: 'EPIPE'` (or `connectionLost(null)` when nothing was left unwritten).
 */
export class WritePipeTransport extends TransportBase implements WriteTransport {
  readonly #socket: OwnedSocket;
  /** Writes handed to the socket whose callback has not run yet. */
  #inflight = 0;
  /** A write was lost (errored, or the socket was destroyed underneath it). */
  #lostWrite = false;
  /** Called by the socket once per write; one bound function per transport. */
  readonly #afterWrite: (err?: Error | null) => void;

  /** @internal Made by the loop methods; users never construct transports. */
  constructor(
    loop: AbstractEventLoop,
    protocol: BaseProtocol,
    socket: Socket,
    extra: Partial<ExtraInfo> = {},
  ) {
    super(loop, protocol, extra);
    const s = socket as OwnedSocket;
    this.#socket = s;
    s[kOwner] = this;
    s.on('error', onError);
    s.on('close', onClose);
    this.#afterWrite = this.#onWritten.bind(this);
  }

  getWriteBufferSize(): number {
    return this._connectionLost ? 0 : socketWriteBufferSize(this.#socket);
  }

  canWriteEof(): boolean {
    return true;
  }

  /**
   * Writes `data` (any `ArrayBufferView`) without blocking. Dropped after close or
   * loss (a warning from the fifth such call on).
   * @throws TypeError when `data` is not bytes-like (SPEC §6.7).
   */
  write(data: BytesLike): void {
    const bytes = toBytes(data);
    if (this._closing) {
      this._dropWrite();
      return;
    }
    if (bytes.byteLength === 0) return;
    this.#inflight++;
    this.#socket.write(bytes, this.#afterWrite);
    this._maybePauseProtocol();
  }

  /** Writes every item as one vectored write (`writev`). */
  writelines(listOfData: Iterable<BytesLike>): void {
    const items = toBytesList(listOfData);
    if (this._closing) {
      this._dropWrite();
      return;
    }
    if (items.length === 0) return;
    const socket = this.#socket;
    socket.cork();
    for (const item of items) {
      this.#inflight++;
      socket.write(item, this.#afterWrite);
    }
    socket.uncork();
    this._maybePauseProtocol();
  }

  /** Flushes, then closes the pipe. Idempotent. */
  writeEof(): void {
    this.close();
  }

  close(): void {
    if (this._closing) return;
    this._closing = true;
    if (this.#inflight === 0) this._defer(finishClose);
  }

  abort(): void {
    this._forceClose(null);
  }

  _forceClose(exc: Error | null): void {
    if (this._connectionLost) return;
    this._closing = true;
    this.#socket.destroy();
    this._scheduleConnectionLost(exc);
  }

  protected _release(): void {
    this.#socket.destroy();
  }

  /** @internal Everything buffered was written after close(): close the pipe. */
  _finishClose(): void {
    if (this._connectionLost) return;
    this.#socket.destroy();
    this._scheduleConnectionLost(null);
  }

  #onWritten(err?: Error | null): void {
    this.#inflight--;
    if (this._connectionLost) return;
    if (err || this.#socket.destroyed) {
      // The 'error' / 'close' handler ends the transport.
      this.#lostWrite = true;
      return;
    }
    this._maybeResumeProtocol();
    // resumeWriting() may have written more: close only once everything is out.
    if (this._closing && this.#inflight === 0) this._finishClose();
  }

  /** @internal */
  _onError(err: Error): void {
    if (this._connectionLost) return;
    this._fatalError(err, 'Fatal write error on pipe transport');
  }

  /** @internal */
  _onClose(): void {
    if (this._connectionLost) return;
    // Destroyed underneath us: Node does this to a child's stdin when the child exits.
    const lost = this.#lostWrite || this.#inflight > 0;
    this._forceClose(lost ? brokenPipe() : null);
  }
}
