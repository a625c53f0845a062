import type { AbstractEventLoop } from '../event-loop.js';
import type { StreamProtocol } from '../protocols.js';
import { protocolFrom } from './memory-connect.js';
import { MemoryTransport, type MemoryTransportOptions } from './memory-transport.js';

/**
 * Makes a {@link MemoryTransport} for `protocol` (or the protocol a factory returns) and
 * calls `connectionMade` on a later loop iteration, as `loop.createConnection` does.
 * Resolves with `[transport, protocol]` after `connectionMade` returned; if it throws,
 * the transport is aborted, the loop's exception handler is told
 * ("Fatal error: protocol.connectionMade() call failed.") and the promise rejects with
 * that error.
 *
 * @example
 * const [transport, protocol] = await createMemoryTransport(loop, () => new EchoProtocol());
 * transport.feed(Buffer.from('hello'), { chunkSize: 1 });
 * assert.equal(transport.takeWritten().toString(), 'hello');
 */
export function createMemoryTransport<P extends StreamProtocol>(
  loop: AbstractEventLoop,
  protocolOrFactory: P | (() => P),
  options: MemoryTransportOptions = {},
): Promise<[MemoryTransport, P]> {
  let protocol: P;
  try {
    protocol = protocolFrom(protocolOrFactory);
  } catch (err) {
    return Promise.reject(err);
  }
  const transport = new MemoryTransport(loop, protocol, options);
  return transport.start().then(() => [transport, protocol]);
}
