/**
 * Bytes-like values: what `write()`, `writelines()` and `sendto()` accept.
 *
 * asyncio accepts `bytes`, `bytearray` and `memoryview`; here that is any
 * `ArrayBufferView` (a `Uint8Array`, a Node `Buffer`, a `DataView`, any typed array).
 * Everything else (strings, numbers, `null`, plain arrays) is a `TypeError`.
 */
export type BytesLike = ArrayBufferView;

/** The Python-style type name used in error messages ("not 'string'"). */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object' && typeof value !== 'function') return typeof value;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? name : 'object';
}

/**
 * Returns `data` as a `Uint8Array` over the same memory (no copy), or throws the
 * asyncio `TypeError` ("data argument must be a bytes-like object, not 'string'").
 * A `Uint8Array` (and so a `Buffer`) is returned as it is.
 */
export function toBytes(data: unknown, argName = 'data'): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError(
    `${argName} argument must be a bytes-like object, not '${describeType(data)}'`,
  );
}

/**
 * Validates every item of a `writelines()` argument before any of it is written,
 * so a bad item leaves nothing half-written. Returns the items as `Uint8Array`s
 * (empty ones dropped).
 */
export function toBytesList(list: unknown, argName = 'list_of_data'): Uint8Array[] {
  if (list === null || typeof list !== 'object' || !(Symbol.iterator in list)) {
    throw new TypeError(
      `${argName} must be an iterable of bytes-like objects, not '${describeType(list)}'`,
    );
  }
  if (ArrayBuffer.isView(list)) {
    throw new TypeError(
      `${argName} must be an iterable of bytes-like objects, not a single '${describeType(list)}'`,
    );
  }
  const out: Uint8Array[] = [];
  for (const item of list as Iterable<unknown>) {
    const bytes = toBytes(item);
    if (bytes.byteLength > 0) out.push(bytes);
  }
  return out;
}
