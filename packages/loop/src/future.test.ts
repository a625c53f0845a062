import type { Future } from '@x/transport-core';
import { CancelledError, InvalidStateError } from '@x/transport-core';
import { RecordingLogger } from '@x/transport-core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventLoop } from './event-loop.js';
import { LoopFuture } from './future.js';
import { tick } from './tick.js';

/** What `fn` throws (undefined if it returns). */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

let loop: EventLoop;

beforeEach(() => {
  loop = new EventLoop({ logger: new RecordingLogger() });
});

afterEach(() => {
  loop.close();
});

describe('Future states (asyncio Future)', () => {
  it('starts pending: not done, not cancelled', () => {
    const fut = loop.createFuture<number>();
    expect(fut).toBeInstanceOf(LoopFuture);
    expect(fut.done()).toBe(false);
    expect(fut.cancelled()).toBe(false);
    expect(fut.getLoop()).toBe(loop);
  });

  it('setResult: finished, result() returns it, exception() is null', () => {
    const fut = loop.createFuture<number>();
    fut.setResult(42);
    expect(fut.done()).toBe(true);
    expect(fut.cancelled()).toBe(false);
    expect(fut.result()).toBe(42);
    expect(fut.exception()).toBeNull();
  });

  it('setException: finished, result() throws it, exception() returns it', () => {
    const fut = loop.createFuture<number>();
    const err = new RangeError('boom');
    fut.setException(err);
    expect(fut.done()).toBe(true);
    expect(fut.exception()).toBe(err);
    expect(() => fut.result()).toThrow(err);
  });

  it('result() and exception() before done throw InvalidStateError (name and instanceof)', () => {
    const fut = loop.createFuture<number>();
    for (const call of [() => fut.result(), () => fut.exception()]) {
      const caught = thrownBy(call);
      expect(caught).toBeInstanceOf(InvalidStateError);
      expect(caught).toBeInstanceOf(Error);
      expect((caught as Error).name).toBe('InvalidStateError');
    }
  });

  it('a second setResult/setException throws InvalidStateError and keeps the first outcome', () => {
    const fut = loop.createFuture<string>();
    fut.setResult('first');
    expect(() => fut.setResult('second')).toThrow(InvalidStateError);
    expect(() => fut.setException(new Error('late'))).toThrow(InvalidStateError);
    expect(fut.result()).toBe('first');

    const failed = loop.createFuture<string>();
    failed.setException(new Error('first'));
    expect(() => failed.setResult('x')).toThrow(InvalidStateError);
    expect(() => failed.setException(new Error('y'))).toThrow(InvalidStateError);
    expect(failed.exception()?.message).toBe('first');
  });

  it('setResult after cancel() throws InvalidStateError', () => {
    const fut = loop.createFuture<number>();
    fut.cancel();
    expect(() => fut.setResult(1)).toThrow(InvalidStateError);
    expect(() => fut.setException(new Error('x'))).toThrow(InvalidStateError);
  });

  it('setException with a non-Error is a TypeError and leaves the future pending', () => {
    const fut = loop.createFuture<number>();
    for (const bad of ['boom', 42, null, undefined, { message: 'x' }]) {
      expect(() => fut.setException(bad)).toThrow(TypeError);
    }
    expect(fut.done()).toBe(false);
  });

  it('setException with a CancelledError is a TypeError (use cancel())', () => {
    const fut = loop.createFuture<number>();
    expect(() => fut.setException(new CancelledError('no'))).toThrow(TypeError);
    expect(fut.done()).toBe(false);
  });
});

describe('Future cancellation', () => {
  it('cancel() on a pending future returns true, then done() and cancelled() are true', () => {
    const fut = loop.createFuture<number>();
    expect(fut.cancel()).toBe(true);
    expect(fut.done()).toBe(true);
    expect(fut.cancelled()).toBe(true);
  });

  it('cancel() returns false when already done (result, exception or cancelled)', () => {
    const a = loop.createFuture<number>();
    a.setResult(1);
    expect(a.cancel()).toBe(false);
    expect(a.cancelled()).toBe(false);
    const b = loop.createFuture<number>();
    b.setException(new Error('x'));
    expect(b.cancel()).toBe(false);
    const c = loop.createFuture<number>();
    c.cancel();
    expect(c.cancel()).toBe(false);
  });

  it('result() and exception() after cancel() throw CancelledError carrying the message', () => {
    const fut = loop.createFuture<number>();
    fut.cancel('stop now');
    for (const call of [() => fut.result(), () => fut.exception()]) {
      const caught = thrownBy(call);
      expect(caught).toBeInstanceOf(CancelledError);
      expect((caught as Error).name).toBe('CancelledError');
      expect((caught as Error).message).toBe('stop now');
    }
  });

  it('awaiting a cancelled future rejects with CancelledError', async () => {
    const fut = loop.createFuture<number>();
    const awaited = (async () => await fut)();
    fut.cancel();
    await expect(awaited).rejects.toBeInstanceOf(CancelledError);
    await expect(awaited).rejects.toHaveProperty('name', 'CancelledError');
  });
});

describe('Future done callbacks', () => {
  it('run through the loop, not synchronously inside setResult', async () => {
    const fut = loop.createFuture<number>();
    const calls: unknown[] = [];
    fut.addDoneCallback((f) => calls.push(f));
    fut.setResult(1);
    expect(calls).toEqual([]);
    await tick(loop);
    expect(calls).toEqual([fut]);
  });

  it('run in registration order, also for setException and cancel', async () => {
    for (const finish of [
      (f: Future<number>) => f.setResult(1),
      (f: Future<number>) => f.setException(new Error('x')),
      (f: Future<number>) => void f.cancel(),
    ]) {
      const fut = loop.createFuture<number>();
      const order: number[] = [];
      for (let i = 0; i < 5; i++) fut.addDoneCallback(() => order.push(i));
      finish(fut);
      await tick(loop);
      expect(order).toEqual([0, 1, 2, 3, 4]);
    }
  });

  it('a callback added after done is still scheduled with callSoon (not called at once)', async () => {
    const fut = loop.createFuture<number>();
    fut.setResult(7);
    await tick(loop);
    const seen: number[] = [];
    fut.addDoneCallback((f) => seen.push(f.result()));
    expect(seen).toEqual([]);
    // FIFO: a callSoon made before addDoneCallback runs before the done callback.
    const order: string[] = [];
    const fut2 = loop.createFuture<number>();
    fut2.setResult(1);
    await tick(loop);
    loop.callSoon(() => order.push('earlier callSoon'));
    fut2.addDoneCallback(() => order.push('done callback'));
    await tick(loop);
    expect(seen).toEqual([7]);
    expect(order).toEqual(['earlier callSoon', 'done callback']);
  });

  it('removeDoneCallback removes every registration and returns how many', async () => {
    const fut = loop.createFuture<number>();
    const calls: string[] = [];
    const a = (): void => void calls.push('a');
    const b = (): void => void calls.push('b');
    fut.addDoneCallback(a);
    fut.addDoneCallback(b);
    fut.addDoneCallback(a);
    expect(fut.removeDoneCallback(a)).toBe(2);
    expect(fut.removeDoneCallback(a)).toBe(0);
    fut.setResult(1);
    await tick(loop);
    expect(calls).toEqual(['b']);
  });

  it('addDoneCallback with a non-function is a TypeError', () => {
    const fut = loop.createFuture<number>();
    expect(() => fut.addDoneCallback('nope' as never)).toThrow(TypeError);
  });

  it('a throwing done callback goes to the exception handler; the others still run', async () => {
    const contexts: string[] = [];
    loop.setExceptionHandler((_l, ctx) => contexts.push(ctx.message));
    const fut = loop.createFuture<number>();
    const ran: string[] = [];
    fut.addDoneCallback(function failing() {
      throw new Error('bad callback');
    });
    fut.addDoneCallback(() => ran.push('second'));
    fut.setResult(1);
    await tick(loop);
    expect(ran).toEqual(['second']);
    expect(contexts).toHaveLength(1);
    expect(contexts[0]).toMatch(/^Exception in callback /);
  });
});

describe('awaiting a Future', () => {
  it('resolves with the result', async () => {
    const fut = loop.createFuture<string>();
    loop.callSoon(() => fut.setResult('value'));
    await expect(fut).resolves.toBe('value');
    expect(await fut).toBe('value');
  });

  it('rejects with the exception object itself', async () => {
    const fut = loop.createFuture<string>();
    const err = new Error('failed');
    loop.callSoon(() => fut.setException(err));
    await expect(fut).rejects.toBe(err);
  });

  it('an already finished future resolves when awaited later', async () => {
    const fut = loop.createFuture<number>();
    fut.setResult(3);
    expect(await fut).toBe(3);
    expect(await fut).toBe(3);
  });

  it('a failed future that nobody awaits causes no unhandledRejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const fut = loop.createFuture<number>();
      fut.setException(new Error('nobody listens'));
      const cancelled = loop.createFuture<number>();
      cancelled.cancel();
      // Unhandled rejections are reported after the microtask queue drains: wait two
      // macrotask turns so the process would have seen one.
      await tick(loop);
      await new Promise<void>((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
