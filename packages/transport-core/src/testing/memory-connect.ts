import { toError } from '../errors.js';
import type { BaseProtocol } from '../protocols.js';
import type { TransportBase } from '../transport-base.js';

/**
 * Calls `connectionMade(transport)` on a later loop iteration, as the loop's methods do,
 * and resolves after it returned (after `onMade()`); a throwing `connectionMade` goes
 * through the transport's fatal-error funnel and the promise rejects with that error.
 * Shared by the memory transports' `start()`.
 */
export function connectMemoryTransport(
  transport: TransportBase,
  onMade: () => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    transport._loop.callSoon(() => {
      try {
        transport._protocol.connectionMade?.(transport);
      } catch (err) {
        transport._callbackFailed(err, 'connectionMade');
        reject(toError(err));
        return;
      }
      onMade();
      resolve();
    });
  });
}

/**
 * The protocol of a `createMemory*Transport(loop, protocolOrFactory)` call: the object
 * itself, or what the factory returns.
 * @throws TypeError when it is not an object; whatever the factory throws.
 */
export function protocolFrom<P extends BaseProtocol>(protocolOrFactory: P | (() => P)): P {
  const protocol =
    typeof protocolOrFactory === 'function' ? protocolOrFactory() : protocolOrFactory;
  if (protocol === null || typeof protocol !== 'object') {
    throw new TypeError('protocol must be an object (or a factory returning one)');
  }
  return protocol;
}
