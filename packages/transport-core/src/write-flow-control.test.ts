import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HIGH_WATER,
  resolveWriteBufferLimits,
  WriteFlowControl,
} from './write-flow-control.js';

describe('resolveWriteBufferLimits (asyncio _set_write_buffer_limits)', () => {
  it('neither given: [16384, 65536]', () => {
    expect(DEFAULT_HIGH_WATER).toBe(65536);
    expect(resolveWriteBufferLimits()).toEqual([16384, 65536]);
    expect(resolveWriteBufferLimits(null, null)).toEqual([16384, 65536]);
    expect(resolveWriteBufferLimits(undefined, undefined)).toEqual([16384, 65536]);
  });

  it('high alone: low = floor(high / 4)', () => {
    expect(resolveWriteBufferLimits(100)).toEqual([25, 100]);
    expect(resolveWriteBufferLimits(101)).toEqual([25, 101]);
    expect(resolveWriteBufferLimits(3)).toEqual([0, 3]);
    expect(resolveWriteBufferLimits(1024, null)).toEqual([256, 1024]);
  });

  it('low alone: high = 4 * low', () => {
    expect(resolveWriteBufferLimits(undefined, 100)).toEqual([100, 400]);
    expect(resolveWriteBufferLimits(null, 16385)).toEqual([16385, 65540]);
    expect(resolveWriteBufferLimits(undefined, 0)).toEqual([0, 0]);
  });

  it('high = 0 forces low = 0', () => {
    expect(resolveWriteBufferLimits(0)).toEqual([0, 0]);
  });

  it('both given are kept as they are (asyncio round-trips)', () => {
    expect(resolveWriteBufferLimits(1024, 128)).toEqual([128, 1024]);
    expect(resolveWriteBufferLimits(256, 128)).toEqual([128, 256]);
    expect(resolveWriteBufferLimits(100, 100)).toEqual([100, 100]);
    expect(resolveWriteBufferLimits(10, 0)).toEqual([0, 10]);
  });

  it('a custom default high is used when neither is given', () => {
    expect(resolveWriteBufferLimits(undefined, undefined, 512 * 1024)).toEqual([131072, 524288]);
  });

  it("negative limits are a RangeError with asyncio's message", () => {
    expect(() => resolveWriteBufferLimits(-1)).toThrow(RangeError);
    expect(() => resolveWriteBufferLimits(-1)).toThrow(
      'high (-1) must be >= low (-1) must be >= 0',
    );
    expect(() => resolveWriteBufferLimits(undefined, -1)).toThrow(
      'high (-4) must be >= low (-1) must be >= 0',
    );
    expect(() => resolveWriteBufferLimits(10, -1)).toThrow(RangeError);
  });

  it('low > high is a RangeError', () => {
    expect(() => resolveWriteBufferLimits(1, 2)).toThrow(RangeError);
    expect(() => resolveWriteBufferLimits(1, 2)).toThrow(
      'high (1) must be >= low (2) must be >= 0',
    );
    expect(() => resolveWriteBufferLimits(0, 1)).toThrow(RangeError);
  });

  it('a non-number is a TypeError', () => {
    expect(() => resolveWriteBufferLimits('100' as never)).toThrow(TypeError);
    expect(() => resolveWriteBufferLimits(undefined, '1' as never)).toThrow(TypeError);
    expect(() => resolveWriteBufferLimits(Number.NaN)).toThrow(TypeError);
    expect(() => resolveWriteBufferLimits({} as never)).toThrow(TypeError);
  });
});

describe('WriteFlowControl: the pause/resume account', () => {
  it('starts with the default limits, not paused', () => {
    const flow = new WriteFlowControl();
    expect(flow.limits()).toEqual([16384, 65536]);
    expect([flow.low, flow.high]).toEqual([16384, 65536]);
    expect(flow.paused).toBe(false);
  });

  it('a size exactly at high does not pause; high + 1 does', () => {
    const flow = new WriteFlowControl(100, 25);
    expect(flow.shouldPause(100)).toBe(false);
    expect(flow.paused).toBe(false);
    expect(flow.shouldPause(101)).toBe(true);
    expect(flow.paused).toBe(true);
  });

  it('pause only as a transition: a second shouldPause while paused is false', () => {
    const flow = new WriteFlowControl(100, 25);
    expect(flow.shouldPause(200)).toBe(true);
    expect(flow.shouldPause(300)).toBe(false);
    expect(flow.shouldPause(101)).toBe(false);
  });

  it('resume only after a pause', () => {
    const flow = new WriteFlowControl(100, 25);
    expect(flow.shouldResume(0)).toBe(false);
    expect(flow.shouldResume(10)).toBe(false);
  });

  it('resume at or below low, not above; only once per pause', () => {
    const flow = new WriteFlowControl(100, 25);
    flow.shouldPause(150);
    expect(flow.shouldResume(100)).toBe(false);
    expect(flow.shouldResume(26)).toBe(false);
    expect(flow.shouldResume(25)).toBe(true);
    expect(flow.paused).toBe(false);
    expect(flow.shouldResume(0)).toBe(false);
  });

  it('pause and resume strictly alternate, starting with pause', () => {
    const flow = new WriteFlowControl(10, 5);
    const events: string[] = [];
    for (const size of [0, 11, 12, 8, 5, 3, 11, 10, 4, 20]) {
      if (flow.shouldPause(size)) events.push(`pause@${size}`);
      if (flow.shouldResume(size)) events.push(`resume@${size}`);
    }
    expect(events).toEqual(['pause@11', 'resume@5', 'pause@11', 'resume@4', 'pause@20']);
  });

  it('high = 0: pauses as soon as 1 byte is buffered, resumes only at 0', () => {
    const flow = new WriteFlowControl(0);
    expect(flow.limits()).toEqual([0, 0]);
    expect(flow.shouldPause(0)).toBe(false);
    expect(flow.shouldPause(1)).toBe(true);
    expect(flow.shouldResume(1)).toBe(false);
    expect(flow.shouldResume(0)).toBe(true);
  });

  it('low = 0 with a high: resumes only when empty', () => {
    const flow = new WriteFlowControl(10, 0);
    flow.shouldPause(11);
    expect(flow.shouldResume(1)).toBe(false);
    expect(flow.shouldResume(0)).toBe(true);
  });

  it('setLimits validates like resolveWriteBufferLimits and keeps the old limits on error', () => {
    const flow = new WriteFlowControl(100, 10);
    expect(() => flow.setLimits(-1)).toThrow(RangeError);
    expect(() => flow.setLimits(1, 2)).toThrow(RangeError);
    expect(() => flow.setLimits('x' as never)).toThrow(TypeError);
    expect(flow.limits()).toEqual([10, 100]);
    flow.setLimits(400);
    expect(flow.limits()).toEqual([100, 400]);
    flow.setLimits(undefined, 7);
    expect(flow.limits()).toEqual([7, 28]);
  });

  it("setLimits() with nothing goes back to the account's own default", () => {
    const tcp = new WriteFlowControl(1, 0);
    tcp.setLimits();
    expect(tcp.limits()).toEqual([16384, 65536]);
    const tls = new WriteFlowControl(undefined, undefined, 512 * 1024);
    expect(tls.limits()).toEqual([131072, 524288]);
    tls.setLimits(10);
    tls.setLimits();
    expect(tls.limits()).toEqual([131072, 524288]);
  });

  it('setLimits does not change the paused state by itself', () => {
    const flow = new WriteFlowControl(10, 5);
    flow.shouldPause(11);
    flow.setLimits(1000);
    expect(flow.paused).toBe(true);
    expect(flow.shouldResume(11)).toBe(true);
  });

  it('reset() forgets a pause without a resume; the next episode starts with a pause', () => {
    const flow = new WriteFlowControl(10, 5);
    flow.shouldPause(11);
    flow.reset();
    expect(flow.paused).toBe(false);
    expect(flow.shouldResume(0)).toBe(false);
    expect(flow.shouldPause(11)).toBe(true);
  });

  it('the constructor validates its limits', () => {
    expect(() => new WriteFlowControl(-1)).toThrow(RangeError);
    expect(() => new WriteFlowControl(5, 6)).toThrow(RangeError);
    expect(() => new WriteFlowControl('5' as never)).toThrow(TypeError);
  });
});
