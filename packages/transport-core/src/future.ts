import type { AbstractEventLoop } from './event-loop.js';

/**
 * A handle to a callback scheduled with `callSoon` (asyncio `Handle`).
 */
export interface Handle {
  /** Prevents the callback from running, if it has not run yet. */
  cancel(): void;
  /** True once `cancel()` was called. */
  cancelled(): boolean;
}

/** A handle to a callback scheduled with `callLater`/`callAt` (asyncio `TimerHandle`). */
export interface TimerHandle extends Handle {
  /** The loop time (ms) the callback is scheduled for. */
  when(): number;
}

/**
 * The result of an operation that completes later (asyncio `Future`), bound to a loop.
 * Done callbacks run through the loop's `callSoon`, never synchronously. It is
 * awaitable.
 *
 * States: `pending -> (finished | cancelled)`; the result or exception is set once.
 */
export interface Future<T> extends PromiseLike<T> {
  /** True once it has a result, an exception, or was cancelled. */
  done(): boolean;
  /** True if it was cancelled. */
  cancelled(): boolean;
  /**
   * The result.
   * @throws InvalidStateError when not done; CancelledError when cancelled; the
   * exception when one was set.
   */
  result(): T;
  /**
   * The exception, or `null`.
   * @throws InvalidStateError when not done; CancelledError when cancelled.
   */
  exception(): Error | null;
  /** @throws InvalidStateError when already done. */
  setResult(value: T): void;
  /** @throws InvalidStateError when already done; TypeError for a CancelledError (use cancel()). */
  setException(exc: unknown): void;
  /** Cancels it; returns false if it was already done. */
  cancel(msg?: string): boolean;
  /** Calls `cb(future)` (through the loop) when done; at once-soon if already done. */
  addDoneCallback(cb: (future: Future<T>) => void): void;
  /** Removes every registration of `cb`; returns how many were removed. */
  removeDoneCallback(cb: (future: Future<T>) => void): number;
  /** The loop it belongs to. */
  getLoop(): AbstractEventLoop;
}
