import { AsyncLocalStorage } from 'node:async_hooks';
import type { AbstractEventLoop } from '@x/transport-core';

/**
 * Which loop is running, without a cost on I/O hot paths.
 *
 * - While a loop runs its own callbacks, it is the running loop (`dispatching`).
 * - While `run()` is active, its loop is the running loop for everything in the
 *   process (`ambient`): socket events, promise continuations, timers. This needs no
 *   async_hooks, so I/O pays nothing.
 * - Only if a second `run()` starts while one is active (or inside a scoped one) does an
 *   `AsyncLocalStorage` come into play, to tell them apart (`scoped`). It is created at
 *   that moment and disabled again when the last scoped run ends, so the async_hooks
 *   cost lasts only while two runs overlap.
 */
let dispatching: AbstractEventLoop | null = null;
let ambient: AbstractEventLoop | null = null;
let storage: AsyncLocalStorage<AbstractEventLoop> | undefined;
/** How many scoped runs are active; the storage is only consulted while this is > 0. */
let scopedRuns = 0;

function scopedLoop(): AbstractEventLoop | undefined {
  return scopedRuns > 0 ? storage?.getStore() : undefined;
}

/**
 * The running loop: inside `run(main)` (every callback and promise chain `main` starts)
 * and inside a loop's own callbacks (asyncio `get_running_loop`).
 * @throws Error when no loop is running.
 */
export function getRunningLoop(): AbstractEventLoop {
  if (dispatching !== null) return dispatching;
  const scoped = scopedLoop();
  if (scoped !== undefined && !scoped.isClosed()) return scoped;
  if (ambient !== null && !ambient.isClosed()) return ambient;
  throw new Error('no running event loop');
}

/** Marks `loop` as dispatching its callbacks; returns the previous one to restore. */
export function enterDispatch(loop: AbstractEventLoop): AbstractEventLoop | null {
  const previous = dispatching;
  dispatching = loop;
  return previous;
}

export function leaveDispatch(previous: AbstractEventLoop | null): void {
  dispatching = previous;
}

/** Runs `fn` with `loop` as the running loop until the promise it returns settles. */
export async function runWithLoop<T>(
  loop: AbstractEventLoop,
  fn: () => T | PromiseLike<T>,
): Promise<T> {
  // Ambient only when no other run is active here: a run started inside a scoped run
  // (even after the ambient one ended) must be scoped too, or the outer scope would win.
  if (ambient === null && scopedLoop() === undefined) {
    ambient = loop;
    try {
      return await fn();
    } finally {
      ambient = null;
    }
  }
  storage ??= new AsyncLocalStorage<AbstractEventLoop>();
  scopedRuns++;
  try {
    return await storage.run(loop, async () => await fn());
  } finally {
    // The last overlapping run is over: stop the async_hooks that the storage needs.
    if (--scopedRuns === 0) storage.disable();
  }
}
