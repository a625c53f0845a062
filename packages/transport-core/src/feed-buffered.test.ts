import { describe, expect, it } from 'vitest';
import { feedBuffered } from './feed-buffered.js';
import type { BufferedProtocol } from './protocols.js';

/** A buffered protocol with buffers of `size` bytes that records what it received. */
function collector(size: number) {
  const received: number[] = [];
  const hints: number[] = [];
  let buf = new Uint8Array(size);
  const protocol: BufferedProtocol = {
    getBuffer(sizehint) {
      hints.push(sizehint);
      buf = new Uint8Array(size);
      return buf;
    },
    bufferUpdated(nbytes) {
      received.push(...buf.subarray(0, nbytes));
    },
  };
  return { protocol, received, hints };
}

const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i % 251);
const never = (): boolean => false;

describe('feedBuffered (asyncio _feed_data_to_buffered_proto)', () => {
  it('feeds everything, in order, through buffers of every size down to 1 byte', () => {
    const data = bytes(100);
    for (let size = 1; size <= 101; size++) {
      const { protocol, received } = collector(size);
      expect(feedBuffered(protocol, data, never)).toBe(100);
      expect(received).toEqual([...data]);
    }
  });

  it('the size hint is the number of bytes still to feed', () => {
    const { protocol, hints } = collector(4);
    feedBuffered(protocol, bytes(10), never);
    expect(hints).toEqual([10, 6, 2]);
  });

  it('a buffer larger than the data takes it in one round, at its start', () => {
    const seen: number[] = [];
    const buf = new Uint8Array(64).fill(0xee);
    const protocol: BufferedProtocol = {
      getBuffer: () => buf,
      bufferUpdated: (n) => void seen.push(n),
    };
    expect(feedBuffered(protocol, Uint8Array.of(1, 2, 3), never)).toBe(3);
    expect(seen).toEqual([3]);
    expect([...buf.subarray(0, 4)]).toEqual([1, 2, 3, 0xee]);
  });

  it('empty data: nothing is called, 0 is returned', () => {
    const protocol: BufferedProtocol = {
      getBuffer: () => {
        throw new Error('must not be called');
      },
      bufferUpdated: () => {
        throw new Error('must not be called');
      },
    };
    expect(feedBuffered(protocol, new Uint8Array(0), never)).toBe(0);
  });

  it('stops when stop() says so after a bufferUpdated; returns the bytes fed so far', () => {
    const { protocol, received } = collector(3);
    let rounds = 0;
    const result = feedBuffered(protocol, bytes(10), () => ++rounds === 2);
    expect(result).toBe(6);
    expect(received).toEqual([...bytes(6)]);
  });

  it('a throwing getBuffer is a failure named getBuffer with that error', () => {
    const err = new Error('no buffer');
    const updated: number[] = [];
    const result = feedBuffered(
      {
        getBuffer: () => {
          throw err;
        },
        bufferUpdated: (n) => void updated.push(n),
      },
      bytes(5),
      never,
    );
    expect(result).toEqual({ callbackName: 'getBuffer', error: err });
    expect(updated).toEqual([]);
  });

  it('an empty (or non-Uint8Array) buffer is a getBuffer failure, never silent loss', () => {
    for (const bad of [new Uint8Array(0), Buffer.alloc(0), null, 'text', [1, 2]]) {
      const result = feedBuffered(
        { getBuffer: () => bad as Uint8Array, bufferUpdated: () => {} },
        bytes(5),
        never,
      );
      expect(result).toMatchObject({ callbackName: 'getBuffer' });
      const error = (result as { error: unknown }).error;
      expect(error).toBeInstanceOf(RangeError);
      expect((error as Error).message).toBe('getBuffer() returned an empty buffer');
    }
  });

  it('a throwing bufferUpdated is a failure named bufferUpdated with that error', () => {
    const err = new Error('bad update');
    const result = feedBuffered(
      {
        getBuffer: () => new Uint8Array(8),
        bufferUpdated: () => {
          throw err;
        },
      },
      bytes(5),
      never,
    );
    expect(result).toEqual({ callbackName: 'bufferUpdated', error: err });
  });

  it('a later round failing reports the failure, not the bytes fed before it', () => {
    let calls = 0;
    const result = feedBuffered(
      {
        getBuffer: () => {
          if (++calls === 2) throw new Error('second round');
          return new Uint8Array(2);
        },
        bufferUpdated: () => {},
      },
      bytes(5),
      never,
    );
    expect(result).toMatchObject({ callbackName: 'getBuffer' });
  });
});
