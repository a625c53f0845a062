import type { AbstractEventLoop } from '@x/transport-core';

/**
 * Test helper (not exported by the package): resolves after every callback already
 * queued with `loop.callSoon` has run, since the ready queue is FIFO.
 */
export function tick(loop: AbstractEventLoop): Promise<void> {
  return new Promise((resolve) => loop.callSoon(resolve));
}
