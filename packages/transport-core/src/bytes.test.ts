import { describe, expect, it } from 'vitest';
import { describeType, toBytes, toBytesList } from './bytes.js';

describe('toBytes: what write()/sendto() accept (asyncio bytes-like)', () => {
  it.each([
    ['string', 'hello'],
    ['string', ''],
    ['number', 42],
    ['bigint', 1n],
    ['boolean', true],
    ['null', null],
    ['undefined', undefined],
    ['Array', [1, 2, 3]],
    ['Object', { length: 3 }],
    ['ArrayBuffer', new ArrayBuffer(4)],
    ['Function', () => {}],
  ])('a %s is a TypeError naming its type', (type, value) => {
    expect(() => toBytes(value)).toThrow(TypeError);
    expect(() => toBytes(value)).toThrow(
      `data argument must be a bytes-like object, not '${type}'`,
    );
  });

  it('uses the argument name it is given in the message', () => {
    expect(() => toBytes('x', 'chunk')).toThrow(
      "chunk argument must be a bytes-like object, not 'string'",
    );
  });

  it('a Uint8Array and a Buffer are returned as they are (same object, no copy)', () => {
    const u8 = new Uint8Array([1, 2, 3]);
    const buf = Buffer.from('abc');
    expect(toBytes(u8)).toBe(u8);
    expect(toBytes(buf)).toBe(buf);
  });

  it('a DataView becomes a byte view over the same memory', () => {
    const ab = new ArrayBuffer(8);
    const view = new DataView(ab, 2, 4);
    const bytes = toBytes(view);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(bytes.buffer).toBe(ab);
    expect(bytes.byteOffset).toBe(2);
    expect(bytes.byteLength).toBe(4);
    view.setUint8(0, 0xab);
    expect(bytes[0]).toBe(0xab);
  });

  it('other typed arrays become a byte view with their byteLength (Uint16Array: 2 bytes each)', () => {
    const u16 = new Uint16Array([0x0102, 0x0304, 0x0506]);
    const bytes = toBytes(u16);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(bytes.byteLength).toBe(6);
    expect(bytes.buffer).toBe(u16.buffer);
    for (const typed of [
      new Int8Array(3),
      new Uint8ClampedArray(3),
      new Int16Array(3),
      new Int32Array(3),
      new Uint32Array(3),
      new Float32Array(3),
      new Float64Array(3),
      new BigInt64Array(3),
      new BigUint64Array(3),
    ]) {
      const view = toBytes(typed);
      expect(view.byteLength).toBe(typed.byteLength);
      expect(view.buffer).toBe(typed.buffer);
    }
  });

  it('a subarray keeps its offset and shares memory: a later mutation is visible', () => {
    const whole = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]);
    const part = whole.subarray(3, 6);
    const bytes = toBytes(part);
    expect(bytes.byteOffset).toBe(3);
    expect([...bytes]).toEqual([3, 4, 5]);
    whole[4] = 99;
    expect(bytes[1]).toBe(99);

    const wide = new Uint32Array(4).subarray(1, 3);
    const wideBytes = toBytes(wide);
    expect(wideBytes.byteOffset).toBe(4);
    expect(wideBytes.byteLength).toBe(8);
    wide[0] = 0xffffffff;
    expect(wideBytes[0]).toBe(0xff);
  });

  it('an empty view is accepted (empty, not an error)', () => {
    expect(toBytes(new Uint8Array(0)).byteLength).toBe(0);
    expect(toBytes(new DataView(new ArrayBuffer(0))).byteLength).toBe(0);
  });
});

describe('toBytesList: what writelines() accepts', () => {
  it('accepts arrays and any iterable of bytes-like items, as Uint8Arrays', () => {
    const a = Buffer.from('ab');
    const b = new Uint16Array([1]);
    const list = toBytesList([a, b]);
    expect(list).toHaveLength(2);
    expect(list[0]).toBe(a);
    expect(list[1]!.byteLength).toBe(2);
    expect(toBytesList(new Set([a]))).toEqual([a]);
    function* gen(): Generator<Uint8Array> {
      yield a;
      yield a;
    }
    expect(toBytesList(gen())).toEqual([a, a]);
  });

  it('drops empty items', () => {
    const a = Buffer.from('x');
    expect(
      toBytesList([new Uint8Array(0), a, Buffer.alloc(0), new DataView(new ArrayBuffer(0))]),
    ).toEqual([a]);
    expect(toBytesList([])).toEqual([]);
  });

  it('rejects a single Uint8Array/Buffer/typed array (it is iterable, but of numbers)', () => {
    expect(() => toBytesList(new Uint8Array([1, 2]))).toThrow(TypeError);
    expect(() => toBytesList(Buffer.from('ab'))).toThrow(TypeError);
    expect(() => toBytesList(new Uint16Array(1))).toThrow(TypeError);
    expect(() => toBytesList(new DataView(new ArrayBuffer(1)))).toThrow(TypeError);
  });

  it('rejects non-iterables and strings', () => {
    for (const bad of [null, undefined, 42, 'abc', {}, { length: 1, 0: Buffer.from('a') }]) {
      expect(() => toBytesList(bad)).toThrow(TypeError);
    }
    expect(() => toBytesList('abc')).toThrow(
      "list_of_data must be an iterable of bytes-like objects, not 'string'",
    );
  });

  it('validates every item before returning: one bad item throws, naming its type', () => {
    const items: unknown[] = [Buffer.from('ok'), 'bad', Buffer.from('never reached')];
    expect(() => toBytesList(items)).toThrow(
      "data argument must be a bytes-like object, not 'string'",
    );
    expect(() => toBytesList([Buffer.from('a'), null])).toThrow(TypeError);
    expect(() => toBytesList([Buffer.from('a'), [1, 2]])).toThrow("not 'Array'");
  });
});

describe('describeType: Python-style type names for messages', () => {
  it('names primitives, null and constructors', () => {
    expect(describeType(null)).toBe('null');
    expect(describeType(undefined)).toBe('undefined');
    expect(describeType('s')).toBe('string');
    expect(describeType(1)).toBe('number');
    expect(describeType([])).toBe('Array');
    expect(describeType(new Map())).toBe('Map');
    expect(describeType(Object.create(null))).toBe('object');
    class Custom {}
    expect(describeType(new Custom())).toBe('Custom');
  });
});
