import { isOSError, toError } from './errors.js';
import type { AbstractEventLoop } from './event-loop.js';
import type { ExtraInfo, ExtraInfoKey } from './extra-info.js';
import type { BaseProtocol } from './protocols.js';
import type { ConnectionTracker } from './server.js';
import type { BaseTransport } from './transports.js';
import { WriteFlowControl } from './write-flow-control.js';

/** From this many writes after close/loss on, each one logs a warning (asyncio's threshold). */
export const DROPPED_WRITE_WARN_THRESHOLD = 5;

/** The message of a callback failure: "Fatal error: protocol.dataReceived() call failed.". */
export function callbackFailedMessage(callbackName: string): string {
  return `Fatal error: protocol.${callbackName}() call failed.`;
}

function runConnectionLost(transport: TransportBase, exc: Error | null): void {
  transport._callConnectionLost(exc);
}

/**
 * What every transport shares, written once (asyncio `_SelectorTransport` and
 * `_FlowControlMixin`): the protocol, extra info, the closing flag, the single
 * `connectionLost`, the fatal-error funnel, the write flow-control account and the
 * write-after-close warning.
 *
 * Subclasses implement the I/O: {@link TransportBase._forceClose} (drop everything,
 * schedule `connectionLost`), {@link TransportBase._release} (free the OS resource after
 * `connectionLost`) and {@link TransportBase.getWriteBufferSize}.
 */
export abstract class TransportBase implements BaseTransport {
  readonly _loop: AbstractEventLoop;
  _protocol: BaseProtocol;
  protected readonly _extra: Partial<Record<string, unknown>>;
  /** `close()`/`abort()`/a fatal error has begun. */
  protected _closing = false;
  /** `connectionLost` is scheduled or done: nothing more goes to the protocol after it. */
  protected _connectionLost = false;
  /** `connectionLost` has run. */
  protected _lostCalled = false;
  protected readonly _flow: WriteFlowControl;
  protected _tracker: ConnectionTracker | null;
  #droppedWrites = 0;
  /**
   * A `loop.sendfile()` on this transport (SPEC §6.9): `'running'` while it runs, so that
   * every other write throws; `'ownWrite'` while the sendfile itself writes a chunk.
   */
  #sendfile: 'idle' | 'running' | 'ownWrite' = 'idle';

  constructor(
    loop: AbstractEventLoop,
    protocol: BaseProtocol,
    extra: Partial<ExtraInfo> = {},
    tracker: ConnectionTracker | null = null,
  ) {
    this._loop = loop;
    this._protocol = protocol;
    this._extra = { ...extra };
    this._flow = new WriteFlowControl();
    this._tracker = tracker;
    tracker?.attach(this);
  }

  abstract close(): void;
  /** Bytes buffered and not yet handed to the OS. */
  abstract getWriteBufferSize(): number;
  /**
   * Closes at once with `exc` (or `null`): drops buffered data, stops I/O and schedules
   * `connectionLost(exc)` with {@link TransportBase._scheduleConnectionLost}. No-op when
   * `connectionLost` is already scheduled.
   */
  abstract _forceClose(exc: Error | null): void;
  /** Frees the OS resource (socket, fd) after `connectionLost` ran. */
  protected abstract _release(): void;

  isClosing(): boolean {
    return this._closing;
  }

  getExtraInfo<K extends ExtraInfoKey>(name: K): ExtraInfo[K] | null;
  getExtraInfo<K extends ExtraInfoKey, D>(name: K, defaultValue: D): ExtraInfo[K] | D;
  getExtraInfo(name: string, defaultValue?: unknown): unknown;
  getExtraInfo(name: string, defaultValue: unknown = null): unknown {
    const value = this._extra[name];
    return value === undefined ? defaultValue : value;
  }

  setProtocol(protocol: BaseProtocol): void {
    this._protocol = protocol;
  }

  getProtocol(): BaseProtocol {
    return this._protocol;
  }

  setWriteBufferLimits(high?: number | null, low?: number | null): void {
    this._flow.setLimits(high, low);
    this._maybePauseProtocol();
  }

  getWriteBufferLimits(): readonly [low: number, high: number] {
    return this._flow.limits();
  }

  /** Calls `pauseWriting()` if the buffer just went above the high watermark. */
  protected _maybePauseProtocol(): void {
    if (!this._flow.shouldPause(this.getWriteBufferSize())) return;
    const protocol = this._protocol;
    if (protocol.pauseWriting === undefined) return;
    try {
      protocol.pauseWriting();
    } catch (err) {
      this._callbackFailed(err, 'pauseWriting');
    }
  }

  /** Calls `resumeWriting()` if a paused buffer just fell to or below the low watermark. */
  protected _maybeResumeProtocol(): void {
    if (this._connectionLost || !this._flow.shouldResume(this.getWriteBufferSize())) return;
    const protocol = this._protocol;
    if (protocol.resumeWriting === undefined) return;
    try {
      protocol.resumeWriting();
    } catch (err) {
      this._callbackFailed(err, 'resumeWriting');
    }
  }

  /** True while the protocol is paused by write flow control (asyncio `_protocol_paused`). */
  get _protocolPaused(): boolean {
    return this._flow.paused;
  }

  // ---- sendfile -----------------------------------------------------------------------

  /** True while a `loop.sendfile()` runs on this transport. */
  get _sendfileActive(): boolean {
    return this.#sendfile !== 'idle';
  }

  /**
   * Marks the start of a `loop.sendfile()` on this transport: until
   * {@link TransportBase._endSendfile}, `write()`/`writelines()`/`writeEof()` throw
   * (the file's bytes must not interleave with others), except the sendfile's own
   * writes made through {@link TransportBase._sendfileWrite}.
   * @throws Error when a sendfile already runs on this transport.
   */
  _beginSendfile(): void {
    if (this.#sendfile !== 'idle')
      throw new Error('another sendfile is in progress on this transport');
    this.#sendfile = 'running';
  }

  /** Marks the end of the running `loop.sendfile()`: writes are allowed again. */
  _endSendfile(): void {
    this.#sendfile = 'idle';
  }

  /**
   * Runs `write` (a call of this transport's own `write()`) as a chunk of the running
   * sendfile: it passes the guard that stops everyone else's writes.
   */
  _sendfileWrite(write: () => void): void {
    if (this.#sendfile !== 'running') {
      throw new Error('_sendfileWrite() outside a running sendfile');
    }
    this.#sendfile = 'ownWrite';
    try {
      write();
    } finally {
      this.#sendfile = 'running';
    }
  }

  /**
   * The guard of `write()`/`writelines()`/`writeEof()` (SPEC §6.9): throws while a
   * sendfile runs, unless the call is the sendfile's own write.
   */
  protected _checkNoSendfile(method: string): void {
    if (this.#sendfile === 'running') {
      throw new Error(`unable to ${method}; sendfile is in progress`);
    }
  }

  /**
   * Counts a write made after close or loss (dropped, never thrown); from the fifth on
   * each one logs a warning.
   */
  protected _dropWrite(): void {
    this.#droppedWrites++;
    if (this.#droppedWrites >= DROPPED_WRITE_WARN_THRESHOLD) {
      this._loop.logger.warn(
        `${this.constructor.name}: write after the transport was closed or lost; ` +
          `data dropped (${this.#droppedWrites} such writes)`,
      );
    }
  }

  /**
   * A protocol callback threw (SPEC rule 9): report it to the exception handler with
   * "Fatal error: protocol.<name>() call failed." and close the transport with it.
   */
  _callbackFailed(err: unknown, callbackName: string): void {
    this._fatalError(toError(err), callbackFailedMessage(callbackName), true);
  }

  /**
   * The one funnel for every failure: report, then force-close with `exc`. OS and TLS
   * errors (peer reset, refused, ...) are expected: they are only logged in debug
   * mode, as asyncio does; anything else (or `alwaysReport`) goes to the handler.
   */
  _fatalError(exc: Error, message: string, alwaysReport = false): void {
    if (alwaysReport || !isOSError(exc)) {
      this._loop.callExceptionHandler({
        message,
        exception: exc,
        transport: this,
        protocol: this._protocol,
      });
    } else if (this._loop.getDebug()) {
      this._loop.logger.debug(`${this.constructor.name}: ${message}`, exc);
    }
    this._forceClose(exc);
  }

  /**
   * Runs `fn(this, ...args)` on a later loop iteration. Use it for anything an I/O event
   * can trigger: once the loop is closed (e.g. `run()` returned while a connection was
   * still open) `callSoon` throws, so this falls back to `setImmediate` rather than
   * crash inside a socket event.
   */
  protected _defer<A extends unknown[]>(fn: (self: this, ...args: A) => void, ...args: A): void {
    if (this._loop.isClosed()) setImmediate(fn, this, ...args);
    else this._loop.callSoon(fn, this, ...args);
  }

  /** Schedules `connectionLost(exc)` once, on a later loop iteration. */
  protected _scheduleConnectionLost(exc: Error | null): void {
    if (this._connectionLost) return;
    this._connectionLost = true;
    this._closing = true;
    this._flow.reset();
    this._defer(runConnectionLost, exc);
  }

  /**
   * Calls `connectionLost(exc)` exactly once, then frees the resource and detaches
   * from the server. A throwing `connectionLost` is reported; cleanup still happens.
   */
  _callConnectionLost(exc: Error | null): void {
    if (this._lostCalled) return;
    this._lostCalled = true;
    this._connectionLost = true;
    this._closing = true;
    try {
      this._protocol.connectionLost?.(exc);
    } catch (err) {
      this._loop.callExceptionHandler({
        message: `Exception in callback ${this.constructor.name}._callConnectionLost(): protocol.connectionLost() failed`,
        exception: toError(err),
        transport: this,
        protocol: this._protocol,
      });
    } finally {
      const tracker = this._tracker;
      this._tracker = null;
      try {
        this._release();
      } finally {
        // Even if freeing the resource failed, the server must stop counting it, or its
        // waitClosed() would never resolve.
        tracker?.detach(this);
      }
    }
  }
}
