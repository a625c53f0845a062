import type { Future } from '@x/transport-core';
import { describe, expect, it } from 'vitest';
import { TestLoop } from './test-support.js';

/**
 * The transport swallows what a datagram callback throws (SPEC §6.3: reported, the
 * endpoint keeps serving), so the Recorder's grammar checks only count because
 * `TestLoop.dispose()` (each test file's `afterEach`) fails on any report.
 */

/** Resolves on the next report to `loop`'s exception handler (which keeps recording). */
function nextReport(loop: TestLoop): Future<void> {
  const reported = loop.createFuture<void>();
  const record = loop.getExceptionHandler();
  loop.setExceptionHandler((l, context) => {
    record?.(l, context);
    if (!reported.done()) reported.setResult();
  });
  return reported;
}

/** A loop where b's Recorder believes it was closed already, so a datagram breaks its grammar. */
async function grammarViolation(): Promise<TestLoop> {
  const loop = new TestLoop();
  const [[a], [, bProto, bAddr]] = await loop.pair();
  bProto.events.push(['lost', null]);
  const reported = nextReport(loop);
  a.sendto(Buffer.from('after lost'), bAddr);
  await reported;
  return loop;
}

describe('TestLoop.dispose: callback errors swallowed by the transport fail the test', () => {
  it('rejects with the report when a Recorder grammar check threw', async () => {
    const loop = await grammarViolation();
    expect(loop.exceptions).toHaveLength(1);
    await expect(loop.dispose()).rejects.toThrow(
      /unexpected report\(s\)[\s\S]*grammar: datagramReceived after connectionLost/,
    );
    expect(loop.isClosed()).toBe(true);
  });

  it('resolves after expectExceptions() (the test asserts on loop.exceptions itself)', async () => {
    const loop = await grammarViolation();
    loop.expectExceptions();
    await expect(loop.dispose()).resolves.toBeUndefined();
    expect(loop.isClosed()).toBe(true);
  });
});
