import type {
  BaseProtocol as BaseProtocolContract,
  BufferedProtocol as BufferedProtocolContract,
  DatagramProtocol as DatagramProtocolContract,
  Protocol as ProtocolContract,
  SubprocessProtocol as SubprocessProtocolContract,
} from '@x/transport-core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { BufferedProtocol } from './buffered-protocol.js';
import { DatagramProtocol } from './datagram-protocol.js';
import * as exported from './index.js';
import { Protocol } from './protocol.js';
import { SubprocessProtocol } from './subprocess-protocol.js';

const BASE_CALLBACKS = [
  'connectionMade',
  'connectionLost',
  'pauseWriting',
  'resumeWriting',
] as const;

/** Calls every listed method with placeholder arguments; returns what each returned. */
function callAll(target: object, names: readonly string[]): unknown[] {
  return names.map((name) => {
    const fn = (target as Record<string, unknown>)[name];
    expect([name, typeof fn]).toEqual([name, 'function']);
    return (fn as (...args: unknown[]) => unknown).call(target, null, Buffer.alloc(0));
  });
}

describe('@x/protocols exports', () => {
  it('exports exactly the four base classes', () => {
    expect(Object.keys(exported).sort()).toEqual([
      'BufferedProtocol',
      'DatagramProtocol',
      'Protocol',
      'SubprocessProtocol',
    ]);
  });
});

describe('Protocol (asyncio Protocol)', () => {
  it('every callback exists and is a no-op returning undefined', () => {
    const p = new Protocol();
    expect(callAll(p, [...BASE_CALLBACKS, 'dataReceived', 'eofReceived'])).toEqual(
      Array(6).fill(undefined),
    );
  });

  it('eofReceived() returns undefined (falsy: the transport closes itself)', () => {
    expect(new Protocol().eofReceived()).toBeUndefined();
  });

  it('implements the core Protocol contract', () => {
    expectTypeOf<Protocol>().toExtend<ProtocolContract>();
    expectTypeOf<Protocol>().toExtend<BaseProtocolContract>();
  });

  it('a subclass overrides only what it needs', () => {
    class Counting extends Protocol {
      bytes = 0;
      override dataReceived(data: Uint8Array): void {
        this.bytes += data.byteLength;
      }
    }
    const p = new Counting();
    p.dataReceived(Buffer.from('abc'));
    p.connectionLost(null);
    expect(p.bytes).toBe(3);
  });
});

describe('BufferedProtocol (asyncio BufferedProtocol)', () => {
  it('is abstract: getBuffer and bufferUpdated must be implemented', () => {
    // @ts-expect-error: cannot create an instance of an abstract class
    const attempt = (): unknown => new BufferedProtocol();
    expect(typeof attempt).toBe('function');
    // @ts-expect-error: a subclass without getBuffer/bufferUpdated does not compile
    class Incomplete extends BufferedProtocol {}
    expect(typeof Incomplete).toBe('function');
  });

  it('a subclass has getBuffer/bufferUpdated and the no-op base callbacks', () => {
    class Reader extends BufferedProtocol {
      readonly buf = new Uint8Array(16);
      received = 0;
      getBuffer(_sizehint: number): Uint8Array {
        return this.buf;
      }
      bufferUpdated(nbytes: number): void {
        this.received += nbytes;
      }
    }
    const p = new Reader();
    expect(p.getBuffer(-1)).toBe(p.buf);
    p.bufferUpdated(5);
    expect(p.received).toBe(5);
    expect(callAll(p, [...BASE_CALLBACKS, 'eofReceived'])).toEqual(Array(5).fill(undefined));
    expect('getBuffer' in p).toBe(true); // how transports detect a buffered protocol
    expectTypeOf<Reader>().toExtend<BufferedProtocolContract>();
  });

  it('a plain Protocol has no getBuffer (so it is never taken for a buffered one)', () => {
    expect('getBuffer' in new Protocol()).toBe(false);
  });
});

describe('DatagramProtocol (asyncio DatagramProtocol)', () => {
  it('every callback exists and is a no-op returning undefined', () => {
    const p = new DatagramProtocol();
    expect(callAll(p, [...BASE_CALLBACKS, 'datagramReceived', 'errorReceived'])).toEqual(
      Array(6).fill(undefined),
    );
    expect('eofReceived' in p).toBe(false);
    expectTypeOf<DatagramProtocol>().toExtend<DatagramProtocolContract>();
  });
});

describe('SubprocessProtocol (asyncio SubprocessProtocol)', () => {
  it('every callback exists and is a no-op returning undefined', () => {
    const p = new SubprocessProtocol();
    expect(
      callAll(p, [...BASE_CALLBACKS, 'pipeDataReceived', 'pipeConnectionLost', 'processExited']),
    ).toEqual(Array(7).fill(undefined));
    expectTypeOf<SubprocessProtocol>().toExtend<SubprocessProtocolContract>();
  });
});
