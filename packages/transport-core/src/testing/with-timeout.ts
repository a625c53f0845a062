/** The error {@link withTimeout} rejects with. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/**
 * Resolves or rejects as `promise` does, or rejects with a {@link TimeoutError} naming
 * `what` after `ms` milliseconds: so that a test waiting on a callback that never comes
 * fails with a clear message instead of hanging. The timer is cleared as soon as
 * `promise` settles and never keeps the process alive.
 *
 * It uses a Node timer rather than the loop on purpose: it must still fire when the
 * loop under test is stuck or closed.
 *
 * @example
 * await withTimeout(protocol.waitLost(), 5000, 'connectionLost');
 */
export function withTimeout<T>(
  promise: PromiseLike<T>,
  ms: number,
  what = 'the operation',
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new TimeoutError(`timed out after ${ms} ms waiting for ${what}`)),
      ms,
    );
    timer.unref?.();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
