import type { Socket as NetSocket } from 'node:net';
import type { SecureContext } from 'node:tls';
import type { AbstractEventLoop } from './event-loop.js';
import type { ExtraInfo } from './extra-info.js';
import type { StreamProtocol } from './protocols.js';
import type { ConnectionTracker } from './server.js';
import type { Transport } from './transports.js';

/**
 * A TLS configuration usable on client and server side (made by `@x/ssl`'s
 * `createSSLContext`).
 */
export interface SSLContext {
  /** Node's secure context (certificates, keys, ciphers, versions). */
  readonly secureContext: SecureContext;
  /** Verify the peer's certificate. */
  readonly rejectUnauthorized: boolean;
  /** Check the peer's host name against its certificate (client side). */
  readonly checkHostname: boolean;
  /** Ask the client for a certificate (server side). */
  readonly requestCert: boolean;
  /** ALPN protocol names to offer or accept. */
  readonly alpnProtocols: readonly string[];
}

/** TLS settings of one connection. */
export interface TlsWrapOptions {
  /** `true` means a default client context that verifies against the system's CAs. */
  readonly ssl: SSLContext | true;
  readonly serverSide: boolean;
  /** SNI and the name verified against the certificate (client side). */
  readonly serverHostname?: string | null;
  /** ms; default 60 000. */
  readonly sslHandshakeTimeout?: number | null;
  /** ms; default 30 000. */
  readonly sslShutdownTimeout?: number | null;
  /** Bytes already received that belong to the TLS stream. */
  readonly initialData?: Uint8Array | null;
  /** The server that accepted the connection, if any. */
  readonly tracker?: ConnectionTracker | null;
  /**
   * Extra info of the connection under TLS (`peername`, `sockname`, ...) that the TLS
   * transport reports as its own; needed where the socket cannot tell (a Unix socket's
   * path). TLS adds its own keys on top.
   */
  readonly extra?: Partial<ExtraInfo> | null;
}

/** What a TLS layer wraps: a connected Node socket (fast path) or any stream transport. */
export type TlsWrapTarget =
  | { readonly kind: 'socket'; readonly socket: NetSocket }
  | { readonly kind: 'transport'; readonly transport: Transport };

/**
 * The TLS layer a stream transport package uses for its `ssl` option. Provided by
 * `@x/ssl` through its `TransportProvider`; reached with `loop.getTlsEngine()`.
 */
export interface TlsEngine {
  /**
   * Runs the TLS handshake over `target`, then calls `protocol.connectionMade` with the
   * TLS transport and resolves with it. On failure the target is closed, the promise
   * rejects and `protocol` sees no callback.
   */
  wrap(
    loop: AbstractEventLoop,
    target: TlsWrapTarget,
    protocol: StreamProtocol,
    options: TlsWrapOptions,
  ): Promise<Transport>;
  /**
   * Makes the checks `wrap` would make of `options` (context, host name, timeouts), so
   * that a method can refuse bad TLS settings at the call, before any I/O.
   * @throws TypeError / RangeError, as `wrap` would reject.
   */
  check?(options: TlsWrapOptions): void;
}

/**
 * The method key through which a socket-backed stream transport (TCP, Unix) hands its
 * connected Node socket to another layer: `loop.startTls` uses it for its fast path
 * (TLS directly on the socket). After the call the transport is detached: it stops
 * reading, never calls its protocol again, and does not close the socket.
 */
export const DETACH_SOCKET: unique symbol = Symbol.for('@x/transport-core.detachSocket');

/** A transport that can hand over its socket (see {@link DETACH_SOCKET}). */
export interface SocketDetachable {
  /** Returns the socket (reading stopped, nothing buffered lost), or `null` if it cannot be detached now. */
  [DETACH_SOCKET](): NetSocket | null;
}
