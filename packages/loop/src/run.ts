import { EventLoop } from './event-loop.js';
import type { EventLoopOptions } from './event-loop-options.js';
import { runWithLoop } from './running-loop.js';

/**
 * Makes a loop, makes it the running loop for everything `main` starts, awaits
 * `main(loop)`, lets callbacks already scheduled run, closes the loop and resolves with
 * `main`'s result (asyncio `run`).
 *
 * @example
 * await run(async (loop) => {
 *   const server = await loop.createServer(() => new Echo(), '127.0.0.1', 8888);
 *   await server.serveForever();
 * }, { transports: [tcp()] });
 */
export async function run<T>(
  main: (loop: EventLoop) => T | PromiseLike<T>,
  options?: EventLoopOptions,
): Promise<Awaited<T>> {
  if (typeof main !== 'function') throw new TypeError('run() needs a function main(loop)');
  const loop = new EventLoop(options);
  try {
    return (await runWithLoop(loop, () => main(loop))) as Awaited<T>;
  } finally {
    await loop.drain();
    loop.close();
  }
}
