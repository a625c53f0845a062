import type { BufferedProtocol } from './protocols.js';

/** What failed while feeding a {@link BufferedProtocol}: the callback's name and its error. */
export interface BufferedFeedFailure {
  readonly callbackName: 'getBuffer' | 'bufferUpdated';
  readonly error: unknown;
}

/** Where {@link feedBuffered} stopped: the number of bytes it fed, or the failure. */
export type BufferedFeedResult = number | BufferedFeedFailure;

/**
 * Copies `data` into the buffers `protocol.getBuffer()` hands out, calling
 * `bufferUpdated(n)` after each copy, as many rounds as the buffers need (asyncio
 * `_feed_data_to_buffered_proto`). The size hint is the number of bytes still to feed.
 * `stop()` is asked after every `bufferUpdated`: the protocol may have paused reading or
 * closed the transport inside it, and then nothing more may be fed (SPEC §4.7); the
 * caller keeps `data.subarray(result)` for later.
 *
 * Returns how many bytes were fed, or the failure: a throwing callback, or a zero-length
 * (or non-`Uint8Array`) buffer, which is a fatal error, never silent loss (SPEC §4.3).
 * The caller reports a failure with `_callbackFailed(failure.error, failure.callbackName)`.
 */
export function feedBuffered(
  protocol: BufferedProtocol,
  data: Uint8Array,
  stop: () => boolean,
): BufferedFeedResult {
  let offset = 0;
  const total = data.byteLength;
  while (offset < total) {
    let buf: Uint8Array;
    try {
      buf = protocol.getBuffer(total - offset);
      if (!(buf instanceof Uint8Array) || buf.byteLength === 0) {
        throw new RangeError('getBuffer() returned an empty buffer');
      }
    } catch (error) {
      return { callbackName: 'getBuffer', error };
    }
    const n = Math.min(buf.byteLength, total - offset);
    buf.set(data.subarray(offset, offset + n));
    offset += n;
    try {
      protocol.bufferUpdated(n);
    } catch (error) {
      return { callbackName: 'bufferUpdated', error };
    }
    if (stop()) break;
  }
  return offset;
}
