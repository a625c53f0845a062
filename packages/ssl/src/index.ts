export { ssl } from './ssl.js';
export {
  createSSLContext,
  defaultClientContext,
  isSSLContext,
  type SSLContextOptions,
} from './ssl-context.js';
export { ConnectionAbortedError, ConnectionResetError, TimeoutError } from './tls-errors.js';
export { DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_SHUTDOWN_TIMEOUT } from './tls-settings.js';
export { TlsTransport, type TlsTransportState } from './tls-transport.js';
export { TransportDuplex } from './transport-duplex.js';
