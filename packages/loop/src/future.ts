import type { AbstractEventLoop, Future } from '@x/transport-core';
import { CancelledError, describeType, InvalidStateError } from '@x/transport-core';

type State = 'pending' | 'cancelled' | 'finished';
type DoneCallback<T> = (future: Future<T>) => void;

function runDoneCallback<T>(cb: DoneCallback<T>, future: Future<T>): void {
  cb(future);
}

/**
 * asyncio's `Future`, bound to a loop. Done callbacks are scheduled with the loop's
 * `callSoon` in registration order. Awaiting it (it is `PromiseLike`) resolves with the
 * result, or rejects with the exception or a `CancelledError`.
 *
 * Transitions: `pending -> finished` (`setResult`/`setException`) or
 * `pending -> cancelled` (`cancel`); any other is an `InvalidStateError`.
 */
export class LoopFuture<T> implements Future<T> {
  readonly #loop: AbstractEventLoop;
  #state: State = 'pending';
  #result: T | undefined;
  #exception: Error | null = null;
  #cancelMessage: string | undefined;
  #callbacks: DoneCallback<T>[] = [];
  #promise: Promise<T> | undefined;
  #settle: (() => void) | undefined;

  constructor(loop: AbstractEventLoop) {
    this.#loop = loop;
  }

  getLoop(): AbstractEventLoop {
    return this.#loop;
  }

  done(): boolean {
    return this.#state !== 'pending';
  }

  cancelled(): boolean {
    return this.#state === 'cancelled';
  }

  result(): T {
    if (this.#state === 'cancelled') throw this.#cancelledError();
    if (this.#state === 'pending') throw new InvalidStateError('Result is not set.');
    if (this.#exception !== null) throw this.#exception;
    return this.#result as T;
  }

  exception(): Error | null {
    if (this.#state === 'cancelled') throw this.#cancelledError();
    if (this.#state === 'pending') throw new InvalidStateError('Exception is not set.');
    return this.#exception;
  }

  setResult(value: T): void {
    if (this.#state !== 'pending')
      throw new InvalidStateError(`invalid state: future is ${this.#state}`);
    this.#result = value;
    this.#state = 'finished';
    this.#scheduleCallbacks();
  }

  setException(exc: unknown): void {
    if (this.#state !== 'pending')
      throw new InvalidStateError(`invalid state: future is ${this.#state}`);
    if (!(exc instanceof Error)) {
      throw new TypeError(`exception must be an Error, not '${describeType(exc)}'`);
    }
    if (exc instanceof CancelledError) {
      // As the Future contract says: a cancelled future is made with cancel(), so that
      // cancelled() and the cancel message stay truthful.
      throw new TypeError('setException() does not take a CancelledError: use cancel()');
    }
    this.#exception = exc;
    this.#state = 'finished';
    this.#scheduleCallbacks();
  }

  cancel(msg?: string): boolean {
    if (this.#state !== 'pending') return false;
    this.#state = 'cancelled';
    this.#cancelMessage = msg;
    this.#scheduleCallbacks();
    return true;
  }

  addDoneCallback(cb: DoneCallback<T>): void {
    if (typeof cb !== 'function')
      throw new TypeError(`callback must be a function, not '${describeType(cb)}'`);
    if (this.#state === 'pending') this.#callbacks.push(cb);
    else this.#loop.callSoon(runDoneCallback, cb, this);
  }

  removeDoneCallback(cb: DoneCallback<T>): number {
    const before = this.#callbacks.length;
    this.#callbacks = this.#callbacks.filter((c) => c !== cb);
    return before - this.#callbacks.length;
  }

  // biome-ignore lint/suspicious/noThenProperty: a Future is awaitable by design
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#asPromise().then(onFulfilled, onRejected);
  }

  toString(): string {
    return `<Future ${this.#state}>`;
  }

  #cancelledError(): CancelledError {
    return new CancelledError(this.#cancelMessage ?? 'the future was cancelled');
  }

  /** The promise behind `await`; made only when someone awaits, so an unawaited failure is not an unhandled rejection. */
  #asPromise(): Promise<T> {
    if (this.#promise === undefined) {
      this.#promise = new Promise<T>((resolve, reject) => {
        const settle = (): void => {
          if (this.#state === 'cancelled') reject(this.#cancelledError());
          else if (this.#exception !== null) reject(this.#exception);
          else resolve(this.#result as T);
        };
        if (this.#state === 'pending') this.#settle = settle;
        else settle();
      });
    }
    return this.#promise;
  }

  #scheduleCallbacks(): void {
    const settle = this.#settle;
    this.#settle = undefined;
    settle?.();
    const callbacks = this.#callbacks;
    this.#callbacks = [];
    for (const cb of callbacks) this.#loop.callSoon(runDoneCallback, cb, this);
  }
}
