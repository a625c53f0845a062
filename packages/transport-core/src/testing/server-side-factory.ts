import type { ConformanceContext } from './conformance-types.js';
import type { RecordingProtocol } from './recording-protocol.js';

/** A server's protocol factory for a server-side conformance pair, and its first protocol. */
export interface ServerSideFactory {
  /** Give this to the server: it makes each protocol with `ctx.protocolFactory()`. */
  readonly factory: () => RecordingProtocol;
  /** The first protocol the server made: the one of the pair under test. */
  readonly first: Promise<RecordingProtocol>;
}

/**
 * For a conformance factory whose transport is made by a server: the checks need the
 * protocol the server made for the connection, which only the server's factory sees.
 * @example
 * const { factory, first } = serverSideFactory(ctx);
 * const server = await loop.createServer(factory, '127.0.0.1', 0);
 * // ...connect the peer...
 * const protocol = await first;
 * const transport = await protocol.waitMade();
 */
export function serverSideFactory(ctx: ConformanceContext): ServerSideFactory {
  let made: ((protocol: RecordingProtocol) => void) | null = null;
  const first = new Promise<RecordingProtocol>((resolve) => {
    made = resolve;
  });
  const factory = (): RecordingProtocol => {
    const protocol = ctx.protocolFactory();
    made?.(protocol);
    return protocol;
  };
  return { factory, first };
}
