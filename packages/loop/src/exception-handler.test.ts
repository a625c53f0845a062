import type { ExceptionContext, ExceptionHandler, Logger } from '@x/transport-core';
import { type LogRecord, RecordingLogger } from '@x/transport-core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventLoop } from './event-loop.js';

let loop: EventLoop;
/** What the loop logged, oldest first. */
let lines: readonly LogRecord[];

beforeEach(() => {
  const logger = new RecordingLogger();
  lines = logger.records;
  loop = new EventLoop({ logger });
});

afterEach(() => {
  loop.close();
});

describe('setExceptionHandler / getExceptionHandler (asyncio set_exception_handler)', () => {
  it('has no custom handler at first', () => {
    expect(loop.getExceptionHandler()).toBeNull();
  });

  it('a custom handler replaces the default one and gets (loop, context)', () => {
    const calls: [unknown, ExceptionContext][] = [];
    const handler: ExceptionHandler = (l, ctx) => void calls.push([l, ctx]);
    loop.setExceptionHandler(handler);
    expect(loop.getExceptionHandler()).toBe(handler);
    const context = { message: 'something', exception: new Error('x'), extra: 1 };
    loop.callExceptionHandler(context);
    expect(calls).toEqual([[loop, context]]);
    expect(lines).toEqual([]); // the default handler was not used
  });

  it('a second handler replaces the first', () => {
    const first: string[] = [];
    const second: string[] = [];
    loop.setExceptionHandler((_l, ctx) => void first.push(ctx.message));
    loop.setExceptionHandler((_l, ctx) => void second.push(ctx.message));
    loop.callExceptionHandler({ message: 'm' });
    expect(first).toEqual([]);
    expect(second).toEqual(['m']);
  });

  it('null restores the default handler', () => {
    const seen: string[] = [];
    loop.setExceptionHandler((_l, ctx) => void seen.push(ctx.message));
    loop.setExceptionHandler(null);
    expect(loop.getExceptionHandler()).toBeNull();
    loop.callExceptionHandler({ message: 'to the default' });
    expect(seen).toEqual([]);
    expect(lines).toEqual([{ level: 'error', message: 'to the default', details: [] }]);
  });

  it('a non-function is a TypeError and leaves the current handler in place', () => {
    const handler: ExceptionHandler = () => {};
    loop.setExceptionHandler(handler);
    for (const bad of [42, 'handler', {}, undefined, true]) {
      expect(() => loop.setExceptionHandler(bad as never)).toThrow(TypeError);
    }
    expect(loop.getExceptionHandler()).toBe(handler);
  });

  it('a throwing custom handler: the default handler reports "Unhandled error in exception handler"', () => {
    const original: ExceptionContext = { message: 'original problem' };
    const handlerError = new Error('handler is broken');
    loop.setExceptionHandler(() => {
      throw handlerError;
    });
    const reported: ExceptionContext[] = [];
    const defaultHandler = loop.defaultExceptionHandler.bind(loop);
    loop.defaultExceptionHandler = (ctx) => {
      reported.push(ctx);
      defaultHandler(ctx);
    };
    expect(() => loop.callExceptionHandler(original)).not.toThrow();
    expect(reported).toHaveLength(1);
    expect(reported[0]!.message).toBe('Unhandled error in exception handler');
    expect(reported[0]!.exception).toBe(handlerError);
    expect(reported[0]!.context).toBe(original);
    expect(lines[0]!.message).toMatch(/^Unhandled error in exception handler\n/);
    expect(lines[0]!.message).toContain('handler is broken');
  });

  it('callExceptionHandler never throws, even when the logger throws', () => {
    const brokenLogger: Logger = {
      debug: () => {},
      info: () => {},
      warn: () => {},
      error: () => {
        throw new Error('logger down');
      },
    };
    const quiet = new EventLoop({ logger: brokenLogger });
    const originalConsoleError = console.error;
    const consoleLines: unknown[][] = [];
    console.error = (...args: unknown[]) => void consoleLines.push(args);
    try {
      expect(() => quiet.callExceptionHandler({ message: 'x' })).not.toThrow();
      expect(consoleLines).toHaveLength(1);
    } finally {
      console.error = originalConsoleError;
      quiet.close();
    }
  });
});

describe('defaultExceptionHandler output (asyncio default_exception_handler)', () => {
  it('logs at error level: the message, then the other keys sorted, then the stack', () => {
    const err = new Error('the cause');
    loop.defaultExceptionHandler({
      message: 'Fatal error: protocol.dataReceived() call failed.',
      transport: '<Transport>',
      protocol: { name: 'proto' },
      exception: err,
      handle: 'H',
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.level).toBe('error');
    const text = lines[0]!.message.split('\n');
    expect(text[0]).toBe('Fatal error: protocol.dataReceived() call failed.');
    // handle < protocol < transport; the exception is not a key line but the stack
    expect(text[1]).toBe('handle: H');
    expect(text[2]).toMatch(/^protocol: \{ name: 'proto' \}$/);
    expect(text[3]).toBe('transport: <Transport>');
    expect(text.slice(4).join('\n')).toBe(err.stack);
  });

  it('uses "Unhandled exception in event loop" when there is no message', () => {
    loop.defaultExceptionHandler({ message: '' });
    expect(lines[0]!.message).toBe('Unhandled exception in event loop');
  });

  it('a non-Error exception is shown with inspect()', () => {
    loop.defaultExceptionHandler({ message: 'm', exception: 42 });
    expect(lines[0]!.message).toBe('m\nexception: 42');
  });

  it('is what callExceptionHandler uses without a custom handler', () => {
    const err = new TypeError('bad');
    loop.callExceptionHandler({ message: 'Exception in callback f()', exception: err });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.message.startsWith('Exception in callback f()\n')).toBe(true);
    expect(lines[0]!.message).toContain(err.stack!);
  });
});
