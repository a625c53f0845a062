import { performance } from 'node:perf_hooks';
import { inspect } from 'node:util';
import type {
  AbstractEventLoop,
  ExceptionContext,
  ExceptionHandler,
  Future,
  Logger,
  ProviderMethodName,
  ProviderMethods,
  TlsEngine,
} from '@x/transport-core';
import {
  describeType,
  METHOD_PACKAGES,
  TransportNotInstalledError,
  toError,
} from '@x/transport-core';
import { consoleLogger } from './console-logger.js';
import { type EventLoopOptions, validateEventLoopOptions } from './event-loop-options.js';
import { LoopFuture } from './future.js';
import { type Callback, LoopHandle, LoopTimerHandle } from './handle.js';
import { enterDispatch, leaveDispatch } from './running-loop.js';
import { TimerQueue } from './timer-queue.js';

export type { EventLoopOptions };

/** The longest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days). */
const MAX_NODE_DELAY = 2_147_483_647;

// biome-ignore lint/suspicious/noExplicitAny: provider methods are checked by ProviderMethods
type AnyProviderMethod = (loop: AbstractEventLoop, ...args: any[]) => Promise<any>;

/**
 * The event loop (asyncio `BaseEventLoop`) on top of Node's own: `callSoon` callbacks go
 * to a FIFO ready queue that one `setImmediate` drains per batch (callbacks added while
 * draining run in the next batch, as in asyncio); timers live in one heap behind one
 * Node timer. Network and process methods come from the transport providers given in
 * `options.transports`.
 *
 * @example
 * const loop = new EventLoop({ transports: [tcp()] });
 * const [transport, protocol] = await loop.createConnection(() => new MyProtocol(), '127.0.0.1', 8888);
 */
export class EventLoop implements AbstractEventLoop {
  readonly logger: Logger;
  #debug: boolean;
  #closed = false;
  #slowCallbackDuration: number;
  #ready: LoopHandle[] = [];
  #immediate: NodeJS.Immediate | undefined;
  readonly #timers = new TimerQueue();
  #liveTimers = 0;
  #timerSeq = 0;
  #nodeTimer: NodeJS.Timeout | undefined;
  #nodeTimerDue = Number.POSITIVE_INFINITY;
  #exceptionHandler: ExceptionHandler | null = null;
  readonly #methods = new Map<ProviderMethodName, AnyProviderMethod>();
  readonly #tls: TlsEngine | undefined;
  readonly #drainReady = (): void => this.#runReady();
  readonly #fireTimers = (): void => this.#runTimers();
  readonly #timerCancelled = (): void => this.#onTimerCancelled();

  constructor(options: EventLoopOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`options must be an object, not '${describeType(options)}'`);
    }
    validateEventLoopOptions(options);
    this.#debug = options.debug ?? false;
    this.#slowCallbackDuration = options.slowCallbackDuration ?? 100;
    this.logger = options.logger ?? consoleLogger(() => this.#debug);
    let tls: TlsEngine | undefined;
    for (const provider of options.transports ?? []) {
      if (
        provider === null ||
        typeof provider !== 'object' ||
        typeof provider.packageName !== 'string'
      ) {
        throw new TypeError(
          `transports must hold TransportProviders (e.g. tcp()), got '${describeType(provider)}'`,
        );
      }
      for (const [name, method] of Object.entries(provider.methods as ProviderMethods)) {
        if (method === undefined) continue;
        if (this.#methods.has(name as ProviderMethodName)) {
          throw new Error(
            `two transports provide loop.${name}(); install each transport package once`,
          );
        }
        this.#methods.set(name as ProviderMethodName, method as AnyProviderMethod);
      }
      if (provider.tls !== undefined) {
        if (tls !== undefined)
          throw new Error('two transports provide the TLS engine; install @x/ssl once');
        tls = provider.tls;
      }
    }
    this.#tls = tls;
  }

  // ---- time and scheduling ----------------------------------------------------------

  time(): number {
    return performance.now();
  }

  callSoon<A extends unknown[]>(cb: (...args: A) => void, ...args: A): LoopHandle {
    this.#checkOpen();
    checkCallback(cb, 'callSoon');
    const handle = new LoopHandle(this, eraseArgs(cb), args, this.#debug);
    this.#ready.push(handle);
    this.#immediate ??= setImmediate(this.#drainReady);
    return handle;
  }

  callLater<A extends unknown[]>(
    delayMs: number,
    cb: (...args: A) => void,
    ...args: A
  ): LoopTimerHandle {
    if (typeof delayMs !== 'number' || Number.isNaN(delayMs)) {
      throw new TypeError(`delay must be a number of ms, not '${describeType(delayMs)}'`);
    }
    return this.callAt(this.time() + delayMs, cb, ...args);
  }

  callAt<A extends unknown[]>(
    whenMs: number,
    cb: (...args: A) => void,
    ...args: A
  ): LoopTimerHandle {
    this.#checkOpen();
    if (typeof whenMs !== 'number' || Number.isNaN(whenMs)) {
      throw new TypeError(`when must be a loop time in ms, not '${describeType(whenMs)}'`);
    }
    checkCallback(cb, 'callAt');
    const timer = new LoopTimerHandle(
      this,
      whenMs,
      this.#timerSeq++,
      eraseArgs(cb),
      args,
      this.#debug,
      this.#timerCancelled,
    );
    this.#timers.push(timer);
    this.#liveTimers++;
    this.#armNodeTimer();
    return timer;
  }

  createFuture<T>(): Future<T> {
    return new LoopFuture<T>(this);
  }

  isClosed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ready = [];
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#immediate = undefined;
    for (let timer = this.#timers.pop(); timer !== undefined; timer = this.#timers.pop())
      timer.scheduled = false;
    this.#liveTimers = 0;
    this.#clearNodeTimer();
  }

  getDebug(): boolean {
    return this.#debug;
  }

  setDebug(enabled: boolean): void {
    this.#debug = Boolean(enabled);
  }

  /** Resolves once the ready queue is empty (at most `maxIterations` batches). Used by `run()` before closing. */
  async drain(maxIterations = 100): Promise<void> {
    for (let i = 0; i < maxIterations && this.#ready.length > 0 && !this.#closed; i++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  // ---- errors -----------------------------------------------------------------------

  setExceptionHandler(handler: ExceptionHandler | null): void {
    if (handler !== null && typeof handler !== 'function') {
      throw new TypeError(`A function or null is expected, got '${describeType(handler)}'`);
    }
    this.#exceptionHandler = handler;
  }

  getExceptionHandler(): ExceptionHandler | null {
    return this.#exceptionHandler;
  }

  callExceptionHandler(context: ExceptionContext): void {
    const handler = this.#exceptionHandler;
    if (handler === null) {
      this.#safeDefault(context);
      return;
    }
    try {
      handler(this, context);
    } catch (err) {
      this.#safeDefault({
        message: 'Unhandled error in exception handler',
        exception: toError(err),
        context,
      });
    }
  }

  defaultExceptionHandler(context: ExceptionContext): void {
    const lines = [context.message || 'Unhandled exception in event loop'];
    for (const key of Object.keys(context).sort()) {
      if (key === 'message' || key === 'exception') continue;
      const value = context[key];
      lines.push(
        `${key}: ${typeof value === 'string' ? value : inspect(value, { depth: 0, breakLength: Infinity })}`,
      );
    }
    const exc = context.exception;
    if (exc !== undefined) {
      lines.push(exc instanceof Error && exc.stack ? exc.stack : `exception: ${inspect(exc)}`);
    }
    this.logger.error(lines.join('\n'));
  }

  // ---- transports -------------------------------------------------------------------

  getTlsEngine(): TlsEngine {
    if (this.#tls === undefined)
      throw new TransportNotInstalledError("the 'ssl' option", '@x/ssl', 'ssl');
    return this.#tls;
  }

  createConnection: AbstractEventLoop['createConnection'] = (...args) =>
    this.#call('createConnection', args);
  createServer: AbstractEventLoop['createServer'] = (...args) => this.#call('createServer', args);
  createUnixConnection: AbstractEventLoop['createUnixConnection'] = (...args) =>
    this.#call('createUnixConnection', args);
  createUnixServer: AbstractEventLoop['createUnixServer'] = (...args) =>
    this.#call('createUnixServer', args);
  connectAcceptedSocket: AbstractEventLoop['connectAcceptedSocket'] = (...args) =>
    this.#call('connectAcceptedSocket', args);
  createDatagramEndpoint: AbstractEventLoop['createDatagramEndpoint'] = (...args) =>
    this.#call('createDatagramEndpoint', args);
  startTls: AbstractEventLoop['startTls'] = (...args) => this.#call('startTls', args);
  sendfile: AbstractEventLoop['sendfile'] = (...args) => this.#call('sendfile', args);
  subprocessExec: AbstractEventLoop['subprocessExec'] = (...args) =>
    this.#call('subprocessExec', args);
  subprocessShell: AbstractEventLoop['subprocessShell'] = (...args) =>
    this.#call('subprocessShell', args);
  connectReadPipe: AbstractEventLoop['connectReadPipe'] = (...args) =>
    this.#call('connectReadPipe', args);
  connectWritePipe: AbstractEventLoop['connectWritePipe'] = (...args) =>
    this.#call('connectWritePipe', args);

  // biome-ignore lint/suspicious/noExplicitAny: the caller's signature types the result
  #call(name: ProviderMethodName, args: unknown[]): Promise<any> {
    const method = this.#methods.get(name);
    if (method === undefined) {
      const [pkg, factory] = METHOD_PACKAGES[name];
      return Promise.reject(new TransportNotInstalledError(`loop.${name}()`, pkg, factory));
    }
    if (this.#closed) return Promise.reject(new Error('Event loop is closed'));
    try {
      return method(this, ...args);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  // ---- internals --------------------------------------------------------------------

  #checkOpen(): void {
    if (this.#closed) throw new Error('Event loop is closed');
  }

  #safeDefault(context: ExceptionContext): void {
    try {
      this.defaultExceptionHandler(context);
    } catch (err) {
      console.error('Exception in default exception handler', err);
    }
  }

  /** One iteration: runs exactly the callbacks queued before it started. */
  #runReady(): void {
    this.#immediate = undefined;
    const batch = this.#ready;
    this.#ready = [];
    const previous = enterDispatch(this);
    try {
      // close() from a callback drops the rest of the batch, like every other pending callback.
      for (let i = 0; i < batch.length && !this.#closed; i++) this.#runHandle(batch[i]!);
    } finally {
      leaveDispatch(previous);
    }
    if (this.#ready.length > 0 && !this.#closed) this.#immediate ??= setImmediate(this.#drainReady);
  }

  #runHandle(handle: LoopHandle): void {
    if (!this.#debug) {
      handle.run();
      return;
    }
    const start = performance.now();
    handle.run();
    const took = performance.now() - start;
    if (took >= this.#slowCallbackDuration) {
      try {
        this.logger.warn(`Executing ${handle.toString()} took ${took.toFixed(1)} ms`);
      } catch (err) {
        // A broken logger must not end the batch (the rest would never run).
        this.callExceptionHandler({ message: 'logger.warn() failed', exception: toError(err) });
      }
    }
  }

  #runTimers(): void {
    this.#nodeTimer = undefined;
    this.#nodeTimerDue = Number.POSITIVE_INFINITY;
    const now = this.time();
    const due: LoopTimerHandle[] = [];
    for (let top = this.#timers.peek(); top !== undefined; top = this.#timers.peek()) {
      if (top.cancelled()) {
        this.#timers.pop();
        continue;
      }
      if (top.when() > now) break;
      this.#timers.pop();
      top.scheduled = false;
      this.#liveTimers--;
      due.push(top);
    }
    const previous = enterDispatch(this);
    try {
      for (const timer of due) if (!this.#closed) this.#runHandle(timer);
    } finally {
      leaveDispatch(previous);
    }
    this.#armNodeTimer();
  }

  #onTimerCancelled(): void {
    this.#liveTimers--;
    if (this.#liveTimers === 0) {
      // Nothing left to wait for: let the process exit.
      this.#timers.clear();
      this.#clearNodeTimer();
    } else if (this.#timers.size > 2 * this.#liveTimers + 64) {
      // Many cancelled timers (e.g. handshake timeouts of finished connections): compact.
      this.#timers.compact();
    }
  }

  #armNodeTimer(): void {
    if (this.#closed) return;
    let top = this.#timers.peek();
    while (top?.cancelled()) {
      this.#timers.pop();
      top = this.#timers.peek();
    }
    if (top === undefined) {
      this.#clearNodeTimer();
      return;
    }
    if (this.#nodeTimer !== undefined && this.#nodeTimerDue <= top.when()) return;
    this.#clearNodeTimer();
    this.#nodeTimerDue = top.when();
    // Node turns a delay above 2^31-1 ms into 1 ms: wait the longest it allows, then re-arm.
    const delay = Math.min(MAX_NODE_DELAY, Math.max(0, top.when() - this.time()));
    this.#nodeTimer = setTimeout(this.#fireTimers, delay);
  }

  #clearNodeTimer(): void {
    if (this.#nodeTimer !== undefined) clearTimeout(this.#nodeTimer);
    this.#nodeTimer = undefined;
    this.#nodeTimerDue = Number.POSITIVE_INFINITY;
  }
}

/** Erases a callback's parameter types: a handle stores it beside the arguments it was given. */
function eraseArgs<A extends unknown[]>(cb: (...args: A) => void): Callback {
  return cb as unknown as Callback;
}

function checkCallback(cb: unknown, method: string): void {
  if (typeof cb !== 'function') {
    throw new TypeError(`${method}() callback must be a function, not '${describeType(cb)}'`);
  }
}
