import type { Socket } from 'node:net';
import {
  type AbstractEventLoop,
  type ConnectionTracker,
  describeType,
  type ExtraInfo,
  type SSLContext,
  type StreamProtocol,
  type TlsEngine,
  type TlsOptions,
  type Transport,
} from '@x/transport-core';

/** TLS settings resolved from a method's options: `null` when `ssl` is not given. */
export interface ResolvedTls {
  readonly engine: TlsEngine;
  readonly ssl: SSLContext | true;
  readonly serverHostname: string | null;
  readonly sslHandshakeTimeout: number | null;
  readonly sslShutdownTimeout: number | null;
}

function checkTimeout(value: unknown, name: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${name} must be a number of milliseconds, not '${describeType(value)}'`);
  }
  if (value <= 0) throw new RangeError(`${name} should be a positive number, got ${value}`);
  return value;
}

/**
 * Applies asyncio's rules for the TLS options of a stream method, before any I/O:
 * `serverHostname`, `sslHandshakeTimeout` and `sslShutdownTimeout` need `ssl`; with
 * `ssl`, `@x/ssl` must be installed (`loop.getTlsEngine()` throws a clear error naming it).
 * @throws TypeError / RangeError / TransportNotInstalledError.
 */
export function resolveTls(
  loop: AbstractEventLoop,
  options: TlsOptions & { serverHostname?: string | null },
  serverSide: boolean,
): ResolvedTls | null {
  const { ssl } = options;
  const handshake = checkTimeout(options.sslHandshakeTimeout, 'sslHandshakeTimeout');
  const shutdown = checkTimeout(options.sslShutdownTimeout, 'sslShutdownTimeout');
  const serverHostname = options.serverHostname ?? null;
  if (serverHostname !== null && typeof serverHostname !== 'string') {
    throw new TypeError(`serverHostname must be a string, not '${describeType(serverHostname)}'`);
  }
  if (ssl === undefined || ssl === null || (ssl as unknown) === false) {
    if (serverHostname !== null) throw new TypeError('serverHostname is only meaningful with ssl');
    if (handshake !== null) throw new TypeError('sslHandshakeTimeout is only meaningful with ssl');
    if (shutdown !== null) throw new TypeError('sslShutdownTimeout is only meaningful with ssl');
    return null;
  }
  if (ssl !== true && (typeof ssl !== 'object' || !('secureContext' in ssl))) {
    throw new TypeError(
      `ssl must be an SSLContext (from createSSLContext) or true, not '${describeType(ssl)}'`,
    );
  }
  if (serverSide && ssl === true) {
    throw new TypeError(
      'ssl argument must be an SSLContext (a server needs a certificate), not true',
    );
  }
  const engine = loop.getTlsEngine();
  const resolved: ResolvedTls = {
    engine,
    ssl,
    serverHostname,
    sslHandshakeTimeout: handshake,
    sslShutdownTimeout: shutdown,
  };
  // The TLS layer's own checks (e.g. a context that needs a host name), before any I/O.
  engine.check?.({
    ssl,
    serverSide,
    serverHostname,
    sslHandshakeTimeout: handshake,
    sslShutdownTimeout: shutdown,
  });
  return resolved;
}

/** Runs the TLS handshake over a connected raw socket; resolves after the app's `connectionMade`. */
export function wrapTls<P extends StreamProtocol>(
  loop: AbstractEventLoop,
  socket: Socket,
  protocol: P,
  tls: ResolvedTls,
  serverSide: boolean,
  tracker: ConnectionTracker | null,
  extra: Partial<ExtraInfo> | null = null,
): Promise<Transport> {
  return tls.engine.wrap(loop, { kind: 'socket', socket }, protocol, {
    ssl: tls.ssl,
    serverSide,
    serverHostname: tls.serverHostname,
    sslHandshakeTimeout: tls.sslHandshakeTimeout,
    sslShutdownTimeout: tls.sslShutdownTimeout,
    tracker,
    // What the socket cannot tell (e.g. the path of a Unix peer), as for plain transports.
    extra,
  });
}
