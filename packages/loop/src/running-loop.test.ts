import type { AbstractEventLoop } from '@x/transport-core';
import { describe, expect, it } from 'vitest';
import { EventLoop } from './event-loop.js';
import { run } from './run.js';
import { getRunningLoop } from './running-loop.js';

/** What getRunningLoop() gives here: the loop, or the error's message. */
function probe(): AbstractEventLoop | string {
  try {
    return getRunningLoop();
  } catch (err) {
    return (err as Error).message;
  }
}

const NO_LOOP = 'no running event loop';

function nextImmediate(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function nextTimeout(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1));
}

describe('getRunningLoop (asyncio get_running_loop)', () => {
  it('outside any loop throws an Error', () => {
    expect(() => getRunningLoop()).toThrow(Error);
    expect(probe()).toBe(NO_LOOP);
  });

  it('inside run(main): directly, after awaits, in timers, immediates and promise chains', async () => {
    const seen: Record<string, AbstractEventLoop | string> = {};
    const loop = await run(async (l) => {
      seen.direct = probe();
      await Promise.resolve();
      seen.afterMicrotask = probe();
      await nextImmediate();
      seen.afterImmediate = probe();
      await nextTimeout();
      seen.afterTimeout = probe();
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          seen.inTimeoutCallback = probe();
          resolve();
        }, 1),
      );
      await new Promise<void>((resolve) =>
        setImmediate(() => {
          seen.inImmediateCallback = probe();
          resolve();
        }),
      );
      await Promise.resolve()
        .then(() => nextImmediate())
        .then(() => {
          seen.inPromiseChain = probe();
        });
      await new Promise<void>((resolve) =>
        process.nextTick(() => {
          seen.inNextTick = probe();
          resolve();
        }),
      );
      return l;
    });
    for (const [where, value] of Object.entries(seen))
      expect([where, value]).toEqual([where, loop]);
    expect(Object.keys(seen)).toHaveLength(8);
  });

  it('inside the loop callbacks of run(): callSoon, callLater, future done callbacks', async () => {
    const seen: (AbstractEventLoop | string)[] = [];
    const loop = await run(async (l) => {
      const fut = l.createFuture<void>();
      l.callSoon(() => seen.push(probe()));
      l.callLater(1, () => {
        seen.push(probe());
        fut.setResult();
      });
      fut.addDoneCallback(() => seen.push(probe()));
      await fut;
      await new Promise<void>((resolve) => l.callSoon(resolve));
      return l;
    });
    expect(seen).toEqual([loop, loop, loop]);
  });

  it("inside a loop's own callbacks, without run()", async () => {
    const loop = new EventLoop();
    try {
      const seen = await new Promise<AbstractEventLoop | string>((resolve) =>
        loop.callSoon(() => resolve(probe())),
      );
      expect(seen).toBe(loop);
      const fromTimer = await new Promise<AbstractEventLoop | string>((resolve) =>
        loop.callLater(1, () => resolve(probe())),
      );
      expect(fromTimer).toBe(loop);
      expect(probe()).toBe(NO_LOOP);
    } finally {
      loop.close();
    }
  });

  it("a loop's own callbacks see that loop even while another run() is active", async () => {
    const other = new EventLoop();
    try {
      const [runLoop, seenInOther] = await run(async (l) => {
        const seen = await new Promise<AbstractEventLoop | string>((resolve) =>
          other.callSoon(() => resolve(probe())),
        );
        return [l, seen] as const;
      });
      expect(seenInOther).toBe(other);
      expect(seenInOther).not.toBe(runLoop);
    } finally {
      other.close();
    }
  });

  it('after run() resolved, throws again (also in a timer main left behind)', async () => {
    let leftBehind: Promise<AbstractEventLoop | string> | undefined;
    await run(() => {
      leftBehind = new Promise((resolve) => setTimeout(() => resolve(probe()), 5));
    });
    expect(probe()).toBe(NO_LOOP);
    expect(await leftBehind).toBe(NO_LOOP);
  });

  it('after run() rejected, throws again', async () => {
    await expect(
      run(() => {
        throw new Error('main failed');
      }),
    ).rejects.toThrow('main failed');
    expect(probe()).toBe(NO_LOOP);
  });

  it('two concurrent run() calls each see their own loop (AsyncLocalStorage path)', async () => {
    type Seen = (AbstractEventLoop | string)[];
    const main = async (l: EventLoop, steps: number): Promise<[EventLoop, Seen]> => {
      const seen: Seen = [probe()];
      for (let i = 0; i < steps; i++) {
        await (i % 2 === 0 ? nextImmediate() : nextTimeout());
        seen.push(probe());
        await new Promise<void>((resolve) =>
          setTimeout(() => {
            seen.push(probe());
            resolve();
          }, 1),
        );
        await new Promise<void>((resolve) => l.callSoon(resolve));
        seen.push(probe());
      }
      return [l, seen];
    };
    // a finishes first, then b; and the reverse
    for (const [stepsA, stepsB] of [
      [2, 5],
      [5, 2],
    ] as const) {
      const [[loopA, seenA], [loopB, seenB]] = await Promise.all([
        run((l) => main(l, stepsA)),
        run((l) => main(l, stepsB)),
      ]);
      expect(loopA).not.toBe(loopB);
      expect(seenA).toEqual(Array(1 + 3 * stepsA).fill(loopA));
      expect(seenB).toEqual(Array(1 + 3 * stepsB).fill(loopB));
      expect(probe()).toBe(NO_LOOP);
    }
  });

  it('a run() started inside a scoped run after the ambient run ended sees its own loop', async () => {
    // a: the ambient run; b: concurrent, so scoped; a ends; then b starts c.
    let releaseA!: () => void;
    const aHeld = new Promise<void>((resolve) => {
      releaseA = resolve;
    });
    const a = run(async () => {
      await aHeld;
    });
    const b = run(async (loopB) => {
      releaseA();
      await a;
      const [loopC, seenInC] = await run(async (c) => {
        await nextImmediate();
        return [c, probe()] as const;
      });
      return [loopB, loopC, seenInC, probe()] as const;
    });
    const [loopB, loopC, seenInC, seenInBAfter] = await b;
    expect(seenInC).toBe(loopC);
    expect(seenInBAfter).toBe(loopB);
    expect(probe()).toBe(NO_LOOP);
  });

  it('after nested runs ended, one run() still sees its loop everywhere', async () => {
    await run(() => run(() => nextImmediate()));
    const [loop, seen] = await run(async (l) => {
      await nextImmediate();
      const inTimer = await new Promise((resolve) => setTimeout(() => resolve(probe()), 1));
      return [l, [probe(), inTimer]] as const;
    });
    expect(seen).toEqual([loop, loop]);
  });

  it('a run() nested inside main sees its own loop, and the outer main its own after it', async () => {
    const [outer, innerSeen, outerAfter] = await run(async (outerLoop) => {
      const inner = await run(async (innerLoop) => {
        await nextImmediate();
        return [innerLoop, probe()] as const;
      });
      await nextImmediate();
      return [outerLoop, inner, probe()] as const;
    });
    expect(innerSeen[1]).toBe(innerSeen[0]);
    expect(innerSeen[0]).not.toBe(outer);
    expect(outerAfter).toBe(outer);
  });
});
