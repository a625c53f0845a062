import { withTimeout } from '@x/transport-core/testing';

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Resolves once `condition()` holds, checked again after every turn of the event loop
 * (the I/O that can change it runs in between); rejects with a TimeoutError naming
 * `what` after `ms`. For states no event reports: a Node stream's internal buffer, a
 * transport's reading flag.
 */
export async function until(condition: () => boolean, what: string, ms: number): Promise<void> {
  let gaveUp = false;
  const poll = async (): Promise<void> => {
    while (!condition() && !gaveUp) await nextTurn();
  };
  try {
    await withTimeout(poll(), ms, what);
  } finally {
    gaveUp = true;
  }
}
