import {
  type AbstractEventLoop,
  checkOptionKeys,
  DETACH_SOCKET,
  describeType,
  type SocketDetachable,
  type SSLContext,
  type StartTlsOptions,
  type StreamProtocol,
  type TlsWrapTarget,
  type Transport,
} from '@x/transport-core';
import { isSSLContext } from './ssl-context.js';
import { resolveTlsSettings } from './tls-settings.js';
import { checkProtocol, isStreamTransport, wrapTls } from './wrap-tls.js';

/** The option keys of `startTls`. */
const START_TLS_OPTION_KEYS: ReadonlySet<string> = new Set([
  'serverSide',
  'serverHostname',
  'sslHandshakeTimeout',
  'sslShutdownTimeout',
  'initialData',
]);

function detachable(transport: Transport): transport is Transport & SocketDetachable {
  return typeof (transport as Partial<SocketDetachable>)[DETACH_SOCKET] === 'function';
}

/**
 * `loop.startTls(transport, protocol, sslContext, options)` (asyncio `start_tls`):
 * upgrades a plain stream connection to TLS and resolves with the new transport once the
 * handshake is done. `protocol` gets no second `connectionMade`; the old transport must
 * not be used any more.
 *
 * Fast path: a TCP/Unix transport hands over its socket (`DETACH_SOCKET`) and TLS runs on
 * it natively; any other stream transport is wrapped (generic path). `initialData` (bytes
 * the plaintext protocol already received that belong to TLS, e.g. a ClientHello that came
 * with the STARTTLS line) is fed to TLS first.
 *
 * @throws TypeError (as a rejection, before any I/O) when `transport` is not a stream
 *   transport, `sslContext` is not an `SSLContext`, or an option has the wrong type;
 *   RangeError for a timeout `<= 0`.
 */
export function startTls(
  loop: AbstractEventLoop,
  transport: Transport,
  protocol: StreamProtocol,
  sslContext: SSLContext,
  options: StartTlsOptions = {},
): Promise<Transport> {
  try {
    if (!isStreamTransport(transport)) {
      throw new TypeError(`transport '${describeType(transport)}' is not supported by startTls()`);
    }
    if (!isSSLContext(sslContext)) {
      throw new TypeError(
        `sslContext is expected to be an SSLContext, got '${describeType(sslContext)}'`,
      );
    }
    checkProtocol(protocol);
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`options must be an object, not '${describeType(options)}'`);
    }
    checkOptionKeys('startTls', options, START_TLS_OPTION_KEYS);
    if (transport.isClosing()) throw new Error('startTls(): the transport is closing');
    const settings = resolveTlsSettings({
      ssl: sslContext,
      serverSide: options.serverSide ?? false,
      serverHostname: options.serverHostname,
      sslHandshakeTimeout: options.sslHandshakeTimeout,
      sslShutdownTimeout: options.sslShutdownTimeout,
      initialData: options.initialData,
    });
    let target: TlsWrapTarget | null = null;
    if (detachable(transport)) {
      const socket = transport[DETACH_SOCKET]();
      if (socket !== null) target = { kind: 'socket', socket };
    }
    target ??= { kind: 'transport', transport };
    return wrapTls(loop, target, protocol, settings, null, false);
  } catch (err) {
    return Promise.reject(err);
  }
}
