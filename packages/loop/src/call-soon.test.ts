import net from 'node:net';
import type { ExceptionContext } from '@x/transport-core';
import { RecordingLogger } from '@x/transport-core/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventLoop } from './event-loop.js';
import { LoopHandle } from './handle.js';
import { tick } from './tick.js';

let loop: EventLoop;

beforeEach(() => {
  loop = new EventLoop({ logger: new RecordingLogger() });
});

afterEach(() => {
  vi.restoreAllMocks();
  loop.close();
});

describe('callSoon (asyncio call_soon)', () => {
  it('runs callbacks in FIFO order with their arguments', async () => {
    const seen: unknown[][] = [];
    const record = (...args: unknown[]): void => void seen.push(args);
    loop.callSoon(record, 1, 'a');
    loop.callSoon(record);
    loop.callSoon(record, { x: 1 }, null, undefined);
    for (let i = 0; i < 100; i++) loop.callSoon(record, i);
    await tick(loop);
    expect(seen.slice(0, 3)).toEqual([[1, 'a'], [], [{ x: 1 }, null, undefined]]);
    expect(seen.slice(3).map((args) => args[0])).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('never runs a callback synchronously inside callSoon', () => {
    const fn = vi.fn();
    loop.callSoon(fn);
    expect(fn).not.toHaveBeenCalled();
  });

  it('returns a LoopHandle that is not cancelled', () => {
    const handle = loop.callSoon(() => {});
    expect(handle).toBeInstanceOf(LoopHandle);
    expect(handle.cancelled()).toBe(false);
  });

  it('callbacks scheduled while a batch runs go to the next batch (after the current one)', async () => {
    const order: string[] = [];
    loop.callSoon(() => {
      order.push('A');
      // A Node immediate queued now runs before the loop's next batch: proves that C is
      // not run inside the batch that is draining.
      setImmediate(() => order.push('node immediate'));
      loop.callSoon(() => order.push('C'));
    });
    loop.callSoon(() => order.push('B'));
    await tick(loop); // queued after A and B, before C
    expect(order).toEqual(['A', 'B']);
    await tick(loop);
    expect(order).toEqual(['A', 'B', 'node immediate', 'C']);
  });

  it('a callback that keeps rescheduling itself does not starve I/O (batches yield to the poll phase)', async () => {
    const server = net.createServer((socket) => socket.end('hello'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    let spins = 0;
    let spinning = true;
    const spin = (): void => {
      spins++;
      if (spinning) loop.callSoon(spin);
    };
    loop.callSoon(spin);
    try {
      const { port } = server.address() as net.AddressInfo;
      const received = await new Promise<string>((resolve, reject) => {
        const client = net.connect(port, '127.0.0.1');
        let text = '';
        client.on('data', (chunk) => {
          text += chunk.toString();
        });
        client.on('end', () => resolve(text));
        client.on('error', reject);
      });
      expect(received).toBe('hello');
      expect(spins).toBeGreaterThan(1);
    } finally {
      spinning = false;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a cancelled handle does not run; cancel() is idempotent', async () => {
    const fn = vi.fn();
    const handle = loop.callSoon(fn, 1);
    handle.cancel();
    handle.cancel();
    expect(handle.cancelled()).toBe(true);
    await tick(loop);
    expect(fn).not.toHaveBeenCalled();
  });

  it('a handle cancelled by an earlier callback of the same batch does not run', async () => {
    const fn = vi.fn();
    let later: LoopHandle | undefined;
    loop.callSoon(() => later?.cancel());
    later = loop.callSoon(fn);
    await tick(loop);
    expect(fn).not.toHaveBeenCalled();
  });

  it('a throwing callback goes to the exception handler as "Exception in callback ..." and the loop continues', async () => {
    const contexts: ExceptionContext[] = [];
    loop.setExceptionHandler((l, ctx) => {
      expect(l).toBe(loop);
      contexts.push(ctx);
    });
    const err = new Error('boom');
    const after = vi.fn();
    const handle = loop.callSoon(function exploding() {
      throw err;
    });
    loop.callSoon(after, 'still runs');
    await tick(loop);
    expect(after).toHaveBeenCalledWith('still runs');
    expect(contexts).toHaveLength(1);
    expect(contexts[0]!.message).toBe('Exception in callback exploding()');
    expect(contexts[0]!.exception).toBe(err);
    expect(contexts[0]!.handle).toBe(handle);
    // and the loop keeps working afterwards
    const next = vi.fn();
    loop.callSoon(next);
    await tick(loop);
    expect(next).toHaveBeenCalledTimes(1);
  });

  it('a thrown non-Error reaches the handler as an Error with the value as cause', async () => {
    const contexts: ExceptionContext[] = [];
    loop.setExceptionHandler((_l, ctx) => contexts.push(ctx));
    loop.callSoon(() => {
      throw 'a string';
    });
    await tick(loop);
    const exc = contexts[0]!.exception as Error;
    expect(exc).toBeInstanceOf(Error);
    expect(exc.cause).toBe('a string');
  });

  it('is batched: 10 000 callSoon calls schedule one setImmediate', async () => {
    const spy = vi.spyOn(globalThis, 'setImmediate');
    let ran = 0;
    const count = (): void => {
      ran++;
    };
    for (let i = 0; i < 10_000; i++) loop.callSoon(count);
    const scheduled = spy.mock.calls.length;
    spy.mockRestore();
    expect(scheduled).toBe(1);
    await tick(loop);
    expect(ran).toBe(10_000);
  });

  it('a batch that schedules more work arms exactly one more setImmediate', async () => {
    // Counted synchronously inside one batch (two callbacks of it), so nothing else in
    // the process can call setImmediate in between.
    let spy: ReturnType<typeof vi.spyOn> | undefined;
    let spyCalls = -1;
    const ran = vi.fn();
    loop.callSoon(() => {
      spy = vi.spyOn(globalThis, 'setImmediate');
      for (let i = 0; i < 100; i++) loop.callSoon(ran);
    });
    loop.callSoon(() => {
      for (let i = 0; i < 100; i++) loop.callSoon(ran);
      spyCalls = spy!.mock.calls.length;
      spy!.mockRestore();
    });
    await tick(loop);
    expect(spyCalls).toBe(1);
    await tick(loop);
    expect(ran).toHaveBeenCalledTimes(200);
  });

  it('validates: a non-function callback is a TypeError', () => {
    expect(() => loop.callSoon('nope' as never)).toThrow(TypeError);
    expect(() => loop.callSoon(null as never)).toThrow(TypeError);
  });

  it('after close(), callSoon throws "Event loop is closed" and pending callbacks are dropped', async () => {
    const pending = vi.fn();
    loop.callSoon(pending);
    loop.close();
    expect(loop.isClosed()).toBe(true);
    expect(() => loop.callSoon(() => {})).toThrow('Event loop is closed');
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(pending).not.toHaveBeenCalled();
    loop.close(); // idempotent
  });

  it('close() from inside a callback drops the rest of that batch', async () => {
    const rest = vi.fn();
    const done = new Promise<void>((resolve) => {
      loop.callSoon(() => {
        loop.close();
        setImmediate(resolve);
      });
    });
    loop.callSoon(rest);
    await done;
    expect(rest).not.toHaveBeenCalled();
  });
});

describe('debug mode', () => {
  it('setDebug/getDebug round-trip; handles remember where they were scheduled', async () => {
    expect(loop.getDebug()).toBe(false);
    loop.setDebug(true);
    expect(loop.getDebug()).toBe(true);
    const contexts: ExceptionContext[] = [];
    loop.setExceptionHandler((_l, ctx) => contexts.push(ctx));
    loop.callSoon(() => {
      throw new Error('x');
    });
    await tick(loop);
    expect(contexts[0]!.sourceTraceback).toMatch(/scheduled here/);
    loop.setDebug(false);
    expect(loop.getDebug()).toBe(false);
  });

  it('a logger that throws on the slow-callback warning does not end the batch', async () => {
    const logger = new RecordingLogger();
    logger.warn = () => {
      throw new Error('logger down');
    };
    const slow = new EventLoop({ debug: true, slowCallbackDuration: 0, logger });
    const messages: string[] = [];
    slow.setExceptionHandler((_l, ctx) => void messages.push(ctx.message));
    try {
      const ran: number[] = [];
      slow.callSoon(() => ran.push(1));
      slow.callSoon(() => ran.push(2));
      await new Promise<void>((resolve) => slow.callSoon(resolve));
      expect(ran).toEqual([1, 2]);
      expect(messages).toContain('logger.warn() failed');
    } finally {
      slow.close();
    }
  });

  it('logs callbacks slower than slowCallbackDuration', async () => {
    const logger = new RecordingLogger();
    const slow = new EventLoop({
      debug: true,
      slowCallbackDuration: 0,
      logger,
    });
    try {
      slow.callSoon(function slowOne() {});
      await new Promise<void>((resolve) => slow.callSoon(resolve));
      expect(
        logger.warnings().some((r) => /Executing <Handle slowOne\(\)> took/.test(r.message)),
      ).toBe(true);
    } finally {
      slow.close();
    }
  });
});
