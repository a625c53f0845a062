import type { Logger, TransportProvider } from '@x/transport-core';
import { describe, expect, it, vi } from 'vitest';
import { EventLoop } from './event-loop.js';
import { run } from './run.js';

describe('run(main, options) (asyncio run)', () => {
  it('passes a fresh EventLoop to main and resolves with its (sync or async) result', async () => {
    let given: unknown;
    expect(
      await run((loop) => {
        given = loop;
        return 42;
      }),
    ).toBe(42);
    expect(given).toBeInstanceOf(EventLoop);
    expect(await run(async () => 'async value')).toBe('async value');
  });

  it('rejects with the error main threw or rejected with (the same object)', async () => {
    const err = new Error('sync failure');
    await expect(
      run(() => {
        throw err;
      }),
    ).rejects.toBe(err);
    const err2 = new RangeError('async failure');
    await expect(
      run(async () => {
        await Promise.resolve();
        throw err2;
      }),
    ).rejects.toBe(err2);
  });

  it('closes the loop after main resolved, and after main failed', async () => {
    const ok = await run((loop) => loop);
    expect(ok.isClosed()).toBe(true);
    let failedLoop: EventLoop | undefined;
    await expect(
      run((loop) => {
        failedLoop = loop;
        throw new Error('x');
      }),
    ).rejects.toThrow('x');
    expect(failedLoop?.isClosed()).toBe(true);
  });

  it('the loop is open while main runs', async () => {
    const open = await run(async (loop) => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      return !loop.isClosed();
    });
    expect(open).toBe(true);
  });

  it('runs callbacks already scheduled before closing (and the ones they schedule)', async () => {
    const ran: string[] = [];
    await run((loop) => {
      loop.callSoon(() => {
        ran.push('first');
        loop.callSoon(() => ran.push('scheduled by first'));
      });
      loop.callSoon(() => ran.push('second'));
    });
    expect(ran).toEqual(['first', 'second', 'scheduled by first']);
  });

  it('also runs them when main failed', async () => {
    const ran: string[] = [];
    await expect(
      run((loop) => {
        loop.callSoon(() => ran.push('cleanup'));
        throw new Error('fail');
      }),
    ).rejects.toThrow('fail');
    expect(ran).toEqual(['cleanup']);
  });

  it('does not wait for pending timers: they are dropped when the loop closes', async () => {
    const fn = vi.fn();
    const loop = await run((l) => {
      l.callLater(3_600_000, fn);
      return l;
    });
    expect(loop.isClosed()).toBe(true);
    expect(fn).not.toHaveBeenCalled();
  });

  it('passes options to the loop (logger, debug, transports)', async () => {
    const lines: string[] = [];
    const logger: Logger = {
      debug: () => {},
      info: () => {},
      warn: () => {},
      error: (message) => void lines.push(message),
    };
    const provider: TransportProvider = {
      packageName: '@x/fake',
      methods: { sendfile: async () => 7 },
    };
    const [debug, sent] = await run(
      async (loop) => {
        loop.callExceptionHandler({ message: 'to my logger' });
        return [loop.getDebug(), await loop.sendfile(null as never, 0)] as const;
      },
      { logger, debug: true, transports: [provider] },
    );
    expect(debug).toBe(true);
    expect(sent).toBe(7);
    expect(lines).toEqual(['to my logger']);
  });

  it('main that is not a function: TypeError', async () => {
    await expect(run('main' as never)).rejects.toBeInstanceOf(TypeError);
  });
});
