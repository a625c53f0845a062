import type { TransportProvider } from '@x/transport-core';
import { createDatagramEndpoint } from './create-datagram-endpoint.js';

/**
 * The UDP transport package: plugs `loop.createDatagramEndpoint` into a loop
 * (asyncio's datagram endpoints over `node:dgram`).
 *
 * @example
 * const loop = new EventLoop({ transports: [udp()] });
 * const [transport, protocol] = await loop.createDatagramEndpoint(() => new Echo(), {
 *   localAddr: ['127.0.0.1', 9999],
 * });
 */
export function udp(): TransportProvider {
  return {
    packageName: '@x/udp',
    methods: { createDatagramEndpoint },
  };
}
