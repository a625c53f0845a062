import {
  describeType,
  type ExtraInfo,
  type SSLContext,
  type TlsWrapOptions,
} from '@x/transport-core';
import { defaultClientContext, isSSLContext } from './ssl-context.js';

/** asyncio's `SSL_HANDSHAKE_TIMEOUT`, in ms. */
export const DEFAULT_HANDSHAKE_TIMEOUT = 60_000;
/** asyncio's `SSL_SHUTDOWN_TIMEOUT`, in ms. */
export const DEFAULT_SHUTDOWN_TIMEOUT = 30_000;

/** The checked TLS settings of one connection. */
export interface TlsSettings {
  readonly context: SSLContext;
  readonly serverSide: boolean;
  /** Client side: the name sent as SNI (never an IP address) and checked against the certificate. */
  readonly serverHostname: string | null;
  /** Client side: verify `serverHostname` against the certificate. */
  readonly checkHostname: boolean;
  readonly handshakeTimeout: number;
  readonly shutdownTimeout: number;
  readonly initialData: Uint8Array | null;
  /** Extra info of the connection below TLS (e.g. a Unix socket's peername). */
  readonly extra: Partial<ExtraInfo> | null;
}

/**
 * Checks a timeout option: `null`/`undefined` gives the default.
 * @throws TypeError when not a number; RangeError when not a positive finite number.
 */
export function resolveTimeout(value: unknown, name: string, defaultMs: number): number {
  if (value === undefined || value === null) return defaultMs;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${name} must be a number of ms, not '${describeType(value)}'`);
  }
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name} should be a positive number, got ${value}`);
  }
  return value;
}

/**
 * Normalises and validates {@link TlsWrapOptions} once, before any I/O (asyncio
 * `SSLProtocol.__init__` checks).
 * @throws TypeError / RangeError for bad values.
 */
export function resolveTlsSettings(options: TlsWrapOptions): TlsSettings {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`TLS options must be an object, not '${describeType(options)}'`);
  }
  const serverSide = options.serverSide ?? false;
  if (typeof serverSide !== 'boolean') {
    throw new TypeError(`serverSide must be a boolean, not '${describeType(serverSide)}'`);
  }
  const { ssl } = options;
  let context: SSLContext;
  if (ssl === true) {
    if (serverSide)
      throw new TypeError('Server side SSL needs a valid SSLContext (ssl: true is client only)');
    context = defaultClientContext();
  } else if (isSSLContext(ssl)) {
    // createSSLContext refuses this pair; a context made by hand is held to the same rule.
    if (ssl.checkHostname && !ssl.rejectUnauthorized) {
      throw new TypeError(
        'ssl.checkHostname: true needs certificate verification: it cannot be used with rejectUnauthorized: false',
      );
    }
    context = ssl;
  } else {
    throw new TypeError(
      `ssl must be an SSLContext (from createSSLContext) or true, got '${describeType(ssl)}'`,
    );
  }
  const hostname = options.serverHostname ?? null;
  if (hostname !== null && typeof hostname !== 'string') {
    throw new TypeError(`serverHostname must be a string, not '${describeType(hostname)}'`);
  }
  const initialData = options.initialData ?? null;
  if (initialData !== null && !(initialData instanceof Uint8Array)) {
    throw new TypeError(`initialData must be a Uint8Array, not '${describeType(initialData)}'`);
  }
  const serverHostname = serverSide || hostname === '' ? null : hostname;
  // asyncio: `ssl=True` without a host name turns check_hostname off; an explicit
  // context that wants the check cannot do it without a name.
  let checkHostname = !serverSide && context.checkHostname;
  if (checkHostname && serverHostname === null) {
    if (ssl !== true) throw new TypeError('checkHostname requires serverHostname');
    checkHostname = false;
  }
  return {
    context,
    serverSide,
    serverHostname,
    checkHostname,
    handshakeTimeout: resolveTimeout(
      options.sslHandshakeTimeout,
      'sslHandshakeTimeout',
      DEFAULT_HANDSHAKE_TIMEOUT,
    ),
    shutdownTimeout: resolveTimeout(
      options.sslShutdownTimeout,
      'sslShutdownTimeout',
      DEFAULT_SHUTDOWN_TIMEOUT,
    ),
    initialData,
    extra: options.extra ?? null,
  };
}
