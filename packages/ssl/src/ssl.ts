import type { TlsEngine, TransportProvider } from '@x/transport-core';
import { startTls } from './start-tls.js';
import { resolveTlsSettings } from './tls-settings.js';
import { checkProtocol, checkTarget, wrapTls } from './wrap-tls.js';

/**
 * The TLS layer stream transports use for their `ssl` option
 * (`loop.getTlsEngine().wrap(...)`): fast path over a Node socket, generic path over any
 * stream transport.
 */
const engine: TlsEngine = {
  wrap(loop, target, protocol, options) {
    try {
      checkTarget(target);
      checkProtocol(protocol);
      const settings = resolveTlsSettings(options);
      return wrapTls(loop, target, protocol, settings, options.tracker ?? null, true);
    } catch (err) {
      return Promise.reject(err);
    }
  },
  check(options) {
    resolveTlsSettings(options);
  },
};

/**
 * Plugs TLS into a loop: the `ssl` option of `createConnection`, `createServer`,
 * `createUnixConnection`, `createUnixServer` and `connectAcceptedSocket` (with the stream
 * transports of `@x/tcp`), and `loop.startTls`.
 *
 * @example
 * const loop = new EventLoop({ transports: [tcp(), ssl()] });
 * const [transport] = await loop.createConnection(() => new Client(), 'example.org', 443, { ssl: true });
 */
export function ssl(): TransportProvider {
  return { packageName: '@x/ssl', methods: { startTls }, tls: engine };
}
