import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RecordingLogger } from '@x/transport-core/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventLoop } from './event-loop.js';
import { LoopTimerHandle } from './handle.js';

const repoRoot = resolve(import.meta.dirname, '../../..');

let loop: EventLoop;

beforeEach(() => {
  loop = new EventLoop({ logger: new RecordingLogger() });
});

afterEach(() => {
  vi.restoreAllMocks();
  loop.close();
});

describe('time() (asyncio loop.time, in ms)', () => {
  it('is a monotonic number of milliseconds', async () => {
    const samples: number[] = [];
    for (let i = 0; i < 1000; i++) samples.push(loop.time());
    await new Promise<void>((resolve) => setTimeout(resolve, 2));
    samples.push(loop.time());
    for (let i = 1; i < samples.length; i++)
      expect(samples[i]).toBeGreaterThanOrEqual(samples[i - 1]!);
    expect(samples.at(-1)!).toBeGreaterThan(samples[0]!);
    expect(typeof samples[0]).toBe('number');
  });
});

describe('callLater / callAt (asyncio call_later / call_at)', () => {
  it('run in order of due time, whatever the scheduling order', async () => {
    const order: number[] = [];
    const done = loop.createFuture<void>();
    loop.callLater(15, (n: number) => order.push(n), 3);
    loop.callLater(1, (n: number) => order.push(n), 1);
    loop.callLater(8, (n: number) => order.push(n), 2);
    loop.callLater(20, () => done.setResult());
    await done;
    expect(order).toEqual([1, 2, 3]);
  });

  it('timers with the same `when` run in scheduling order', async () => {
    const order: number[] = [];
    const when = loop.time() + 5;
    for (let i = 0; i < 20; i++) loop.callAt(when, (n: number) => order.push(n), i);
    const done = loop.createFuture<void>();
    loop.callAt(when, () => done.setResult());
    await done;
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('a callback runs no earlier than its when(); when() is what was asked', async () => {
    const when = loop.time() + 5;
    const timer = loop.callAt(when, () => {});
    expect(timer).toBeInstanceOf(LoopTimerHandle);
    expect(timer.when()).toBe(when);
    const ranAt = loop.createFuture<number>();
    const later = loop.callLater(3, () => ranAt.setResult(loop.time()));
    const scheduledFor = later.when();
    expect(await ranAt).toBeGreaterThanOrEqual(scheduledFor);
  });

  it('a delay of 0 or a when in the past still runs, later, not synchronously', async () => {
    const fn = vi.fn();
    loop.callLater(0, fn);
    loop.callAt(loop.time() - 1000, fn);
    loop.callLater(-5, fn);
    expect(fn).not.toHaveBeenCalled();
    const done = loop.createFuture<void>();
    loop.callLater(0, () => done.setResult());
    await done;
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('passes arguments', async () => {
    const got = loop.createFuture<unknown[]>();
    loop.callLater(1, (...args: unknown[]) => got.setResult(args), 'a', 2, null);
    expect(await got).toEqual(['a', 2, null]);
  });

  it('a cancelled timer does not run; cancel() is idempotent', async () => {
    const fn = vi.fn();
    const timer = loop.callLater(1, fn);
    timer.cancel();
    timer.cancel();
    expect(timer.cancelled()).toBe(true);
    const done = loop.createFuture<void>();
    loop.callLater(5, () => done.setResult());
    await done;
    expect(fn).not.toHaveBeenCalled();
  });

  it('cancelling the earliest timer does not delay or drop the later ones', async () => {
    const order: string[] = [];
    const first = loop.callLater(1, () => order.push('first'));
    loop.callLater(3, () => order.push('second'));
    const done = loop.createFuture<void>();
    loop.callLater(6, () => done.setResult());
    first.cancel();
    await done;
    expect(order).toEqual(['second']);
  });

  it('cancelling a timer that already ran does not disturb the other timers', async () => {
    const ran = loop.createFuture<void>();
    const early = loop.callLater(0, () => ran.setResult());
    await ran;
    const later = loop.createFuture<string>();
    loop.callLater(2, () => later.setResult('fired'));
    early.cancel(); // after it ran: must not be counted as a cancellation of a live timer
    early.cancel();
    expect(await later).toBe('fired');
  });

  it('a timer cancelled by an earlier timer due at the same time does not run', async () => {
    const fn = vi.fn();
    const when = loop.time() + 2;
    let victim: LoopTimerHandle | undefined;
    loop.callAt(when, () => victim?.cancel());
    victim = loop.callAt(when, fn);
    const done = loop.createFuture<void>();
    loop.callAt(when + 1, () => done.setResult());
    await done;
    expect(fn).not.toHaveBeenCalled();
  });

  it('many cancelled timers leave the live ones intact', async () => {
    const fired: number[] = [];
    const timers = Array.from({ length: 500 }, (_, i) =>
      loop.callLater(1 + (i % 7), () => fired.push(i)),
    );
    for (let i = 0; i < timers.length; i++) if (i % 10 !== 0) timers[i]!.cancel();
    const done = loop.createFuture<void>();
    loop.callLater(12, () => done.setResult());
    await done;
    expect(fired.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i * 10));
  });

  it('a throwing timer callback goes to the exception handler; later timers still run', async () => {
    const messages: string[] = [];
    loop.setExceptionHandler((_l, ctx) => messages.push(ctx.message));
    loop.callLater(1, function badTimer() {
      throw new Error('timer failed');
    });
    const done = loop.createFuture<void>();
    loop.callLater(3, () => done.setResult());
    await done;
    expect(messages).toEqual(['Exception in callback badTimer()']);
  });

  it('a delay beyond setTimeout range is not turned into 1 ms (no busy re-arming)', () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const timer = loop.callLater(3_000_000_000, () => {});
    const delays = spy.mock.calls.map((call) => call[1] as number);
    spy.mockRestore();
    expect(delays.length).toBeGreaterThan(0);
    for (const delay of delays) {
      expect(delay).toBeLessThanOrEqual(2_147_483_647);
      expect(delay).toBeGreaterThan(1000);
    }
    timer.cancel();
  });

  it('validates: bad delay or when is a TypeError, bad callback a TypeError', () => {
    expect(() => loop.callLater('5' as never, () => {})).toThrow(TypeError);
    expect(() => loop.callLater(Number.NaN, () => {})).toThrow(TypeError);
    expect(() => loop.callAt(undefined as never, () => {})).toThrow(TypeError);
    expect(() => loop.callAt(Number.NaN, () => {})).toThrow(TypeError);
    expect(() => loop.callLater(1, 42 as never)).toThrow(TypeError);
  });

  it('after close(), callLater/callAt throw and pending timers never run', async () => {
    const fn = vi.fn();
    loop.callLater(1, fn);
    loop.close();
    expect(() => loop.callLater(1, () => {})).toThrow('Event loop is closed');
    expect(() => loop.callAt(loop.time(), () => {})).toThrow('Event loop is closed');
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
    expect(fn).not.toHaveBeenCalled();
  });
});

describe('cancelled timers do not keep the process alive', () => {
  let dir: string | undefined;
  let childPid: number | undefined;

  afterEach(async () => {
    if (childPid !== undefined) {
      try {
        process.kill(childPid, 'SIGKILL');
      } catch {
        // already gone
      }
      childPid = undefined;
    }
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('a node process whose only timers were cancelled exits by itself', async () => {
    dir = await mkdtemp(join(tmpdir(), 'loop-timers-'));
    const script = join(dir, 'child.ts');
    const loopSrc = join(repoRoot, 'packages/loop/src/index.ts');
    await writeFile(
      script,
      [
        `import { EventLoop } from ${JSON.stringify(loopSrc)};`,
        'const loop = new EventLoop();',
        'const hour = loop.callLater(3_600_000, () => console.log("fired"));',
        'const day = loop.callAt(loop.time() + 86_400_000, () => console.log("fired"));',
        'loop.callSoon(() => { hour.cancel(); day.cancel(); console.log("cancelled"); });',
        '',
      ].join('\n'),
    );
    const child = spawn(
      process.execPath,
      [
        join(repoRoot, 'node_modules/tsx/dist/cli.mjs'),
        '--tsconfig',
        join(repoRoot, 'config/tsconfig.app.json'),
        script,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    childPid = child.pid;
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const exited = await new Promise<number | string>((resolveExit) => {
      // The bound: a process kept alive by a cancelled timer would be killed here.
      const guard = setTimeout(() => resolveExit('still running after 15 s'), 15_000);
      child.on('exit', (code, signal) => {
        clearTimeout(guard);
        resolveExit(code ?? `signal ${signal}`);
      });
    });
    expect({ exited, err }).toEqual({ exited: 0, err: '' });
    childPid = undefined;
    expect(out.trim()).toBe('cancelled');
  });
});
