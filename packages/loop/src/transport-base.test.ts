/**
 * TransportBase's shared machinery through the real EventLoop: the write flow-control
 * account wired to pauseWriting/resumeWriting, extra info, setProtocol, server tracking.
 */
import type { ConnectionTracker } from '@x/transport-core';
import { RecordingLogger } from '@x/transport-core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventLoop } from './event-loop.js';
import { recorder, TestTransport } from './test-transport.js';
import { tick as nextBatch } from './tick.js';

let loop: EventLoop;

beforeEach(() => {
  loop = new EventLoop({ logger: new RecordingLogger() });
});

afterEach(() => {
  loop.close();
});

function tick(): Promise<void> {
  return nextBatch(loop);
}

describe('write flow control through TransportBase', () => {
  it('pauseWriting synchronously above high; resumeWriting at or below low; as transitions', () => {
    const protocol = recorder();
    const transport = new TestTransport(loop, protocol);
    transport.setWriteBufferLimits(100, 20);
    expect(transport.getWriteBufferLimits()).toEqual([20, 100]);
    transport.write(100);
    expect(protocol.events).toEqual([]);
    transport.write(1);
    expect(protocol.events).toEqual(['pauseWriting']);
    transport.write(50);
    expect(protocol.events).toEqual(['pauseWriting']);
    transport.flushed(130);
    expect(protocol.events).toEqual(['pauseWriting']); // 21 > low
    transport.flushed(1);
    expect(protocol.events).toEqual(['pauseWriting', 'resumeWriting']);
    transport.flushed(20);
    expect(protocol.events).toEqual(['pauseWriting', 'resumeWriting']);
  });

  it('setWriteBufferLimits pauses at once when the buffer is already above the new high', () => {
    const protocol = recorder();
    const transport = new TestTransport(loop, protocol);
    transport.write(1000);
    expect(protocol.events).toEqual([]);
    transport.setWriteBufferLimits(999);
    expect(protocol.events).toEqual(['pauseWriting']);
  });

  it('setWriteBufferLimits validates (RangeError/TypeError) and keeps the old limits', () => {
    const transport = new TestTransport(loop, recorder());
    expect(transport.getWriteBufferLimits()).toEqual([16384, 65536]);
    expect(() => transport.setWriteBufferLimits(-1)).toThrow(RangeError);
    expect(() => transport.setWriteBufferLimits(1, 2)).toThrow(RangeError);
    expect(() => transport.setWriteBufferLimits('1' as never)).toThrow(TypeError);
    expect(transport.getWriteBufferLimits()).toEqual([16384, 65536]);
  });

  it('a protocol without pauseWriting/resumeWriting is fine: the account still alternates', () => {
    const protocol = { connectionLost: () => {} };
    const transport = new TestTransport(loop, protocol);
    transport.setWriteBufferLimits(10, 0);
    transport.write(11);
    transport.flushed(11);
    transport.write(11);
    expect(transport.isClosing()).toBe(false);
  });

  it('no resumeWriting once the connection is lost while paused', async () => {
    const protocol = recorder();
    const transport = new TestTransport(loop, protocol);
    transport.setWriteBufferLimits(0);
    transport.write(1);
    transport.ioError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
    transport.flushed(1);
    await tick();
    expect(protocol.events).toEqual(['pauseWriting', 'connectionLost']);
  });
});

describe('TransportBase basics', () => {
  it('getExtraInfo returns the value, or the default (null when none given)', () => {
    const transport = new TestTransport(loop, recorder(), { peername: ['127.0.0.1', 80] });
    expect(transport.getExtraInfo('peername')).toEqual(['127.0.0.1', 80]);
    expect(transport.getExtraInfo('sockname')).toBeNull();
    expect(transport.getExtraInfo('sockname', 'dflt')).toBe('dflt');
    expect(transport.getExtraInfo('no-such-key')).toBeNull();
  });

  it('setProtocol switches where later callbacks go', async () => {
    const first = recorder();
    const second = recorder();
    const transport = new TestTransport(loop, first);
    expect(transport.getProtocol()).toBe(first);
    transport.setProtocol(second);
    expect(transport.getProtocol()).toBe(second);
    transport.receive(Buffer.from('x'));
    transport.close();
    await tick();
    expect(first.events).toEqual([]);
    expect(second.events).toEqual(['dataReceived', 'connectionLost']);
  });

  it('a tracker is attached at construction and detached once after connectionLost', async () => {
    const log: string[] = [];
    const tracker: ConnectionTracker = {
      attach: () => void log.push('attach'),
      detach: () => void log.push('detach'),
    };
    const protocol = recorder({ connectionLost: () => void log.push('connectionLost') });
    const transport = new TestTransport(loop, protocol, {}, tracker);
    expect(log).toEqual(['attach']);
    transport.close();
    transport.close();
    transport._forceClose(null);
    await tick();
    await tick();
    expect(log).toEqual(['attach', 'connectionLost', 'detach']);
  });

  it('close(): isClosing() from the first call, connectionLost(null) once', async () => {
    const protocol = recorder();
    const transport = new TestTransport(loop, protocol);
    expect(transport.isClosing()).toBe(false);
    transport.close();
    expect(transport.isClosing()).toBe(true);
    transport.close();
    await tick();
    await tick();
    expect(protocol.lost).toEqual([null]);
  });
});
