import type { Socket } from 'node:net';
import type {
  AbstractEventLoop,
  BaseProtocol,
  BufferedProtocol,
  ExtraInfo,
  Protocol,
  ReadTransport,
} from '@x/transport-core';
import { feedBuffered, TransportBase } from '@x/transport-core';

/** Back-pointer from the socket to its transport: handlers are module functions, not closures. */
const kOwner = Symbol('ReadPipeTransport');
type OwnedSocket = Socket & { [kOwner]?: ReadPipeTransport };

function onData(this: OwnedSocket, chunk: Buffer): void {
  this[kOwner]?._onData(chunk);
}

function onEnd(this: OwnedSocket): void {
  this[kOwner]?._onEnd();
}

function onError(this: OwnedSocket, err: Error): void {
  this[kOwner]?._onError(err);
}

function onClose(this: OwnedSocket): void {
  this[kOwner]?._onClose();
}

function flushHeld(self: ReadPipeTransport): void {
  self._flushHeld();
}

/**
 * The read end of a pipe (asyncio `_UnixReadPipeTransport`): a child's stdout or
 * stderr, or a pipe/FIFO given to `loop.connectReadPipe`. Reads with a Node socket
 * (libuv pipe) and hands each chunk to the protocol as it is (never reused).
 *
 * Grammar: `start -> connectionMade -> dataReceived* -> eofReceived? -> connectionLost -> end`.
 * As in asyncio, `eofReceived()`'s return value is ignored: a pipe has no write side,
 * so EOF always ends the transport. `pauseReading()` stops reading from the OS (the
 * writer blocks once the pipe is full). A throwing callback is fatal (SPEC rule 9).
 */
export class ReadPipeTransport extends TransportBase implements ReadTransport {
  readonly #socket: OwnedSocket;
  #paused = false;
  #started = false;
  #eof = false;
  /**
   * Chunks that arrived while they could not be delivered (before `_start()` or while
   * paused): someone else resumed the socket, e.g. `node:child_process` flushing a
   * child's stdio at exit. Normally empty.
   */
  #held: Buffer[] = [];
  /** The socket reported EOF ('end'); handled once the held chunks are delivered. */
  #endSeen = false;
  /** For feedBuffered: stop once the protocol paused reading or closed. */
  readonly #stopFeeding = (): boolean => this.#paused || this._closing;

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
    // Paused until _start(): the socket buffers (and stops reading once its buffer is
    // full), so nothing is delivered before connectionMade returned.
    s.pause();
    s.on('data', onData);
    s.on('end', onEnd);
    s.on('error', onError);
    s.on('close', onClose);
  }

  /** @internal Starts delivering data (after `connectionMade`), honouring a pause made in it. */
  _start(): void {
    if (this.#started || this._closing) return;
    this.#started = true;
    if (!this.#paused) this._flushHeld();
  }

  /** @internal Delivers held chunks, then lets the socket flow. */
  _flushHeld(): void {
    if (!this.#started || this.#paused || this._closing) return;
    const held = this.#held;
    while (held.length > 0 && !this.#paused && !this._closing) {
      this.#deliver(held.shift() as Buffer);
    }
    if (held.length > 0 || this.#paused || this._closing) return;
    if (this.#endSeen) this.#maybeEof();
    else this.#socket.resume();
  }

  isReading(): boolean {
    return !this.#paused && !this._closing && !this.#eof;
  }

  pauseReading(): void {
    if (this.#paused || this._closing) return;
    this.#paused = true;
    // A paused stream emits no more 'data'; once its buffer is full it stops reading
    // from the OS (readStop), so the writer feels backpressure.
    this.#socket.pause();
  }

  resumeReading(): void {
    if (!this.#paused || this._closing) return;
    this.#paused = false;
    // Data comes from a later loop turn, never inside this call.
    if (this.#started) this._defer(flushHeld);
  }

  close(): void {
    if (this._closing) return;
    this._closing = true;
    this.#socket.pause();
    this._scheduleConnectionLost(null);
  }

  getWriteBufferSize(): number {
    return 0;
  }

  _forceClose(exc: Error | null): void {
    if (this._connectionLost) return;
    this._closing = true;
    this.#socket.pause();
    this._scheduleConnectionLost(exc);
  }

  protected _release(): void {
    this.#socket.destroy();
  }

  /** @internal */
  _onData(chunk: Buffer): void {
    if (this._closing) return;
    if (!this.#started || this.#paused) {
      this.#held.push(chunk);
      this.#socket.pause();
      return;
    }
    this.#deliver(chunk);
  }

  #deliver(chunk: Buffer): void {
    const protocol = this._protocol as Protocol | BufferedProtocol;
    if (typeof (protocol as BufferedProtocol).getBuffer === 'function') {
      const fed = feedBuffered(protocol as BufferedProtocol, chunk, this.#stopFeeding);
      if (typeof fed !== 'number') this._callbackFailed(fed.error, fed.callbackName);
      else if (fed < chunk.length && !this._closing) this.#held.unshift(chunk.subarray(fed));
      return;
    }
    try {
      (protocol as Protocol).dataReceived?.(chunk);
    } catch (err) {
      this._callbackFailed(err, 'dataReceived');
    }
  }

  /** @internal */
  _onEnd(): void {
    this.#endSeen = true;
    this.#maybeEof();
  }

  /** EOF is handled once everything before it was delivered. */
  #maybeEof(): void {
    if (
      !this.#endSeen ||
      this._closing ||
      !this.#started ||
      this.#paused ||
      this.#held.length > 0
    ) {
      return;
    }
    this.#eof = true;
    try {
      (this._protocol as Protocol).eofReceived?.();
    } catch (err) {
      this._callbackFailed(err, 'eofReceived');
      return;
    }
    this._forceClose(null);
  }

  /** @internal */
  _onError(err: Error): void {
    if (this._connectionLost) return;
    this._fatalError(err, 'Fatal read error on pipe transport');
  }

  /** @internal */
  _onClose(): void {
    // After EOF Node destroys the socket by itself; held chunks and the EOF are still
    // to be delivered (on resumeReading), so only a close without EOF ends us here
    // (e.g. the socket was destroyed by its owner).
    if (this._connectionLost || this.#endSeen) return;
    this._forceClose(null);
  }
}
