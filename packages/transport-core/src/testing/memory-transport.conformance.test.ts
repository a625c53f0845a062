import { describe, it } from 'vitest';
import { EventLoop } from '../../../loop/src/index.js';
import { createMemoryTransport } from './create-memory-transport.js';
import { defineTransportConformance } from './define-transport-conformance.js';
import { MemoryPeer } from './memory-peer.js';

// The kit checks itself: MemoryTransport must pass the suite it is the reference for.
defineTransportConformance({ describe, it, skip: it.skip }, 'MemoryTransport', async (ctx) => {
  const loop = new EventLoop({ logger: ctx.logger });
  loop.setExceptionHandler(ctx.exceptionHandler);
  ctx.addCleanup(() => loop.close());
  const [transport, protocol] = await createMemoryTransport(loop, ctx.protocolFactory);
  return {
    loop,
    transport,
    protocol,
    peer: new MemoryPeer(transport),
    close: async () => transport.abort(),
  };
});
