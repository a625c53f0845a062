import type { AbstractEventLoop } from '../event-loop.js';
import type { DatagramProtocol } from '../protocols.js';
import { protocolFrom } from './memory-connect.js';
import {
  MemoryDatagramTransport,
  type MemoryDatagramTransportOptions,
} from './memory-datagram-transport.js';

/**
 * Makes a {@link MemoryDatagramTransport} for `protocol` (or the protocol a factory
 * returns) and calls `connectionMade` on a later loop iteration, as
 * `loop.createDatagramEndpoint` does; resolves with `[transport, protocol]` after it
 * returned (rejects with its error if it throws).
 *
 * @example
 * const [transport, protocol] = await createMemoryDatagramTransport(loop, () => new EchoDatagram());
 * transport.feedDatagram(Buffer.from('ping'), ['10.0.0.2', 5000]);
 * assert.deepEqual(transport.takeSent().map((d) => d.addr), [['10.0.0.2', 5000]]);
 */
export function createMemoryDatagramTransport<P extends DatagramProtocol>(
  loop: AbstractEventLoop,
  protocolOrFactory: P | (() => P),
  options: MemoryDatagramTransportOptions = {},
): Promise<[MemoryDatagramTransport, P]> {
  let protocol: P;
  try {
    protocol = protocolFrom(protocolOrFactory);
  } catch (err) {
    return Promise.reject(err);
  }
  const transport = new MemoryDatagramTransport(loop, protocol, options);
  return transport.start().then(() => [transport, protocol]);
}
