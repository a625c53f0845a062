import type { AbstractEventLoop, BaseProtocol, BaseTransport } from '@x/transport-core';
import { describeType } from '@x/transport-core';

/** The part of a transport {@link makeConnection} needs. */
export interface Connectable extends BaseTransport {
  _callbackFailed(err: unknown, callbackName: string): void;
}

/** @throws TypeError unless `factory` is a function. */
export function checkProtocolFactory(factory: unknown): void {
  if (typeof factory !== 'function') {
    throw new TypeError(`protocolFactory must be a function, not '${describeType(factory)}'`);
  }
}

/** Calls the factory and checks that it made an object. @throws what the factory threw, or TypeError. */
export function makeProtocol<P>(factory: () => P): P {
  const protocol = factory();
  if (protocol === null || typeof protocol !== 'object') {
    throw new TypeError(
      `protocolFactory() must return a protocol object, not '${describeType(protocol)}'`,
    );
  }
  return protocol;
}

/**
 * Calls `protocol.connectionMade(transport)` from the loop (never inside the caller's
 * call), then `started()` (reading begins, held events replay), and resolves. A
 * throwing `connectionMade` is fatal for the transport (SPEC §6.3) and the promise
 * rejects with that error (`started()` still runs: the transport is closing by then).
 */
export function makeConnection(
  loop: AbstractEventLoop,
  transport: Connectable,
  protocol: BaseProtocol,
  started: () => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    loop.callSoon(() => {
      try {
        protocol.connectionMade?.(transport);
      } catch (err) {
        transport._callbackFailed(err, 'connectionMade');
        // Still "start": held events must flow so that connectionLost comes at last.
        started();
        reject(err);
        return;
      }
      started();
      resolve();
    });
  });
}
