/**
 * The guard every transport inherits from core's TransportBase (SPEC §4 rule 9, §6.1,
 * §6.3), driven through the real EventLoop: a throwing protocol callback closes the
 * transport once and is reported; it never crashes the process.
 */
import type { BaseTransport, ConnectionTracker, ExceptionContext } from '@x/transport-core';
import { DROPPED_WRITE_WARN_THRESHOLD } from '@x/transport-core';
import { type LogRecord, RecordingLogger } from '@x/transport-core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventLoop } from './event-loop.js';
import { recorder, TestTransport } from './test-transport.js';
import { tick as nextBatch } from './tick.js';

let loop: EventLoop;
let logs: readonly LogRecord[];
let contexts: ExceptionContext[];
let processErrors: unknown[];
const onProcessError = (err: unknown): void => void processErrors.push(err);

beforeEach(() => {
  contexts = [];
  processErrors = [];
  const logger = new RecordingLogger();
  logs = logger.records;
  loop = new EventLoop({ logger });
  loop.setExceptionHandler((_l, ctx) => void contexts.push(ctx));
  process.on('uncaughtException', onProcessError);
  process.on('unhandledRejection', onProcessError);
});

afterEach(() => {
  process.off('uncaughtException', onProcessError);
  process.off('unhandledRejection', onProcessError);
  loop.close();
});

function tick(): Promise<void> {
  return nextBatch(loop);
}

describe('a throwing protocol callback (SPEC rule 9)', () => {
  it('closes the transport once: connectionLost(err) exactly once, later, and reports the callback', async () => {
    const err = new Error('bug in dataReceived');
    const protocol = recorder({
      dataReceived() {
        throw err;
      },
    });
    const transport = new TestTransport(loop, protocol);
    transport.receive(Buffer.from('x'));
    expect(transport.isClosing()).toBe(true);
    expect(protocol.lost).toEqual([]); // not re-entrant: connectionLost comes later
    transport.receive(Buffer.from('y')); // ignored: the connection is going away
    await tick();
    await tick();
    expect(protocol.lost).toEqual([err]);
    expect(protocol.events).toEqual(['connectionLost']);
    expect(transport.released).toBe(1);
    expect(contexts).toHaveLength(1);
    expect(contexts[0]).toMatchObject({
      message: 'Fatal error: protocol.dataReceived() call failed.',
      exception: err,
      transport,
      protocol,
    });
    expect(processErrors).toEqual([]);
  });

  it('a thrown non-Error is wrapped in an Error (the value as cause)', async () => {
    const protocol = recorder({
      dataReceived() {
        throw 'text';
      },
    });
    const transport = new TestTransport(loop, protocol);
    transport.receive(Buffer.from('x'));
    await tick();
    expect(protocol.lost[0]).toBeInstanceOf(Error);
    expect(protocol.lost[0]?.cause).toBe('text');
  });

  it('a second failure before connectionLost ran: reported, but connectionLost still once with the first error', async () => {
    const first = new Error('first');
    const protocol = recorder();
    const transport = new TestTransport(loop, protocol);
    transport._callbackFailed(first, 'dataReceived');
    transport._callbackFailed(new Error('second'), 'eofReceived');
    await tick();
    await tick();
    expect(protocol.lost).toEqual([first]);
    expect(contexts.map((c) => c.message)).toEqual([
      'Fatal error: protocol.dataReceived() call failed.',
      'Fatal error: protocol.eofReceived() call failed.',
    ]);
    expect(transport.released).toBe(1);
  });

  it('a throwing connectionLost is reported and cleanup still happens', async () => {
    const err = new Error('bug in connectionLost');
    const detached: BaseTransport[] = [];
    const tracker: ConnectionTracker = { attach: () => {}, detach: (t) => void detached.push(t) };
    const transport = new TestTransport(
      loop,
      {
        connectionLost() {
          throw err;
        },
      },
      {},
      tracker,
    );
    transport.close();
    await tick();
    expect(contexts).toHaveLength(1);
    expect(contexts[0]!.message).toMatch(/connectionLost\(\) failed/);
    expect(contexts[0]!.exception).toBe(err);
    expect(contexts[0]!.transport).toBe(transport);
    expect(transport.released).toBe(1);
    expect(detached).toEqual([transport]);
    expect(processErrors).toEqual([]);
  });

  it('a failing _release still detaches from the server, and the failure is reported', async () => {
    class LeakyTransport extends TestTransport {
      protected override _release(): void {
        throw new Error('close(2) failed');
      }
    }
    const detached: BaseTransport[] = [];
    const tracker: ConnectionTracker = { attach: () => {}, detach: (t) => void detached.push(t) };
    const protocol = recorder();
    const transport = new LeakyTransport(loop, protocol, {}, tracker);
    transport.close();
    await tick();
    expect(protocol.lost).toEqual([null]);
    expect(detached).toEqual([transport]);
    expect(contexts).toHaveLength(1);
    expect(contexts[0]!.message).toMatch(/^Exception in callback /);
    expect((contexts[0]!.exception as Error).message).toBe('close(2) failed');
    expect(processErrors).toEqual([]);
  });

  it('a throwing pauseWriting is fatal too (project decision, SPEC §6.3), reported by name', async () => {
    const err = new Error('bug in pauseWriting');
    const protocol = recorder({
      pauseWriting() {
        throw err;
      },
    });
    const transport = new TestTransport(loop, protocol);
    transport.setWriteBufferLimits(10);
    transport.write(11);
    await tick();
    expect(contexts[0]!.message).toBe('Fatal error: protocol.pauseWriting() call failed.');
    expect(protocol.lost).toEqual([err]);
  });
  it('a throwing resumeWriting is fatal as well, reported by name', async () => {
    const err = new Error('bug in resumeWriting');
    const protocol = recorder({
      resumeWriting() {
        throw err;
      },
    });
    const transport = new TestTransport(loop, protocol);
    transport.setWriteBufferLimits(10, 0);
    transport.write(11);
    transport.flushed(11);
    await tick();
    expect(contexts.map((c) => c.message)).toEqual([
      'Fatal error: protocol.resumeWriting() call failed.',
    ]);
    expect(protocol.lost).toEqual([err]);
  });
});

describe('OS errors and the fatal-error funnel', () => {
  function osError(code: string): Error {
    return Object.assign(new Error(`read ${code}`), { code });
  }

  it('an OS error (ECONNRESET) is not reported to the handler; connectionLost(err) is the signal', async () => {
    const protocol = recorder();
    const transport = new TestTransport(loop, protocol);
    const err = osError('ECONNRESET');
    transport.ioError(err);
    await tick();
    expect(contexts).toEqual([]);
    expect(logs).toEqual([]);
    expect(protocol.lost).toEqual([err]);
  });

  it('in debug mode an OS error is logged at debug level, still not sent to the handler', async () => {
    loop.setDebug(true);
    const protocol = recorder();
    const transport = new TestTransport(loop, protocol);
    transport.ioError(osError('EPIPE'));
    await tick();
    expect(contexts).toEqual([]);
    expect(logs.filter((l) => l.level === 'debug').map((l) => l.message)).toEqual([
      'TestTransport: Fatal read error on test transport',
    ]);
  });

  it('a non-OS error through _fatalError is reported with its message', async () => {
    const protocol = recorder();
    const transport = new TestTransport(loop, protocol);
    const err = new TypeError('internal');
    transport.ioError(err);
    await tick();
    expect(contexts).toHaveLength(1);
    expect(contexts[0]).toMatchObject({
      message: 'Fatal read error on test transport',
      exception: err,
    });
    expect(protocol.lost).toEqual([err]);
  });

  it('connectionLost is still delivered when the loop closed meanwhile (no crash in an I/O event)', async () => {
    const protocol = recorder();
    const transport = new TestTransport(loop, protocol);
    loop.close();
    transport.ioError(osError('ECONNRESET'));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(protocol.lost).toHaveLength(1);
    expect(processErrors).toEqual([]);
  });
});

describe('write after close (SPEC §6.1)', () => {
  it('drops writes without throwing; warns to the logger from the 5th on', async () => {
    const transport = new TestTransport(loop, recorder());
    transport.close();
    for (let i = 1; i < DROPPED_WRITE_WARN_THRESHOLD; i++) transport.write(1);
    expect(DROPPED_WRITE_WARN_THRESHOLD).toBe(5);
    expect(logs).toEqual([]);
    transport.write(1);
    transport.write(1);
    const warnings = logs.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(2);
    expect(warnings[0]!.message).toMatch(
      /^TestTransport: write after the transport was closed or lost/,
    );
    expect(warnings[0]!.message).toContain('5 such writes');
    expect(transport.getWriteBufferSize()).toBe(0);
  });
});
