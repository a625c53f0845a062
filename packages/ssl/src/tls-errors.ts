import { TransportError } from '@x/transport-core';

/**
 * The connection was aborted locally (Python's `ConnectionAbortedError`), e.g. because
 * the TLS handshake took longer than `sslHandshakeTimeout`. `code` is `ECONNABORTED`.
 */
export class ConnectionAbortedError extends TransportError {
  readonly code = 'ECONNABORTED';
}

/**
 * The peer closed or reset the connection before the TLS handshake completed
 * (Python's `ConnectionResetError`). `code` is `ECONNRESET`.
 */
export class ConnectionResetError extends TransportError {
  readonly code = 'ECONNRESET';
}

/**
 * The peer did not answer our close_notify within `sslShutdownTimeout` (Python's
 * `TimeoutError('SSL shutdown timed out')`). `code` is `ETIMEDOUT`.
 */
export class TimeoutError extends TransportError {
  readonly code = 'ETIMEDOUT';
}

/** `SSL handshake is taking longer than N ms: aborting the connection` (asyncio's text, in ms). */
export function handshakeTimeoutError(timeoutMs: number): ConnectionAbortedError {
  return new ConnectionAbortedError(
    `SSL handshake is taking longer than ${timeoutMs} ms: aborting the connection`,
  );
}

/** `SSL shutdown timed out` (asyncio's text). */
export function shutdownTimeoutError(): TimeoutError {
  return new TimeoutError('SSL shutdown timed out');
}
