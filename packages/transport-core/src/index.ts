export type { Address, InetAddress } from './address.js';
export {
  formatAddress,
  unbracketHost,
  validateHost,
  validateInetAddress,
  validatePath,
  validatePort,
} from './address.js';
export type { BytesLike } from './bytes.js';
export { describeType, toBytes, toBytesList } from './bytes.js';
export {
  CancelledError,
  InvalidStateError,
  isOSError,
  ProcessLookupError,
  SendfileNotAvailableError,
  TransportError,
  TransportNotInstalledError,
  toError,
} from './errors.js';
export type {
  AbstractEventLoop,
  ExceptionContext,
  ExceptionHandler,
} from './event-loop.js';
export type { ExtraInfo, ExtraInfoKey, GetExtraInfo } from './extra-info.js';
export type { BufferedFeedFailure, BufferedFeedResult } from './feed-buffered.js';
export { feedBuffered } from './feed-buffered.js';
export type { Future, Handle, TimerHandle } from './future.js';
export type { Logger } from './logger.js';
export { checkOptionKeys } from './option-keys.js';
export type {
  AddressFamily,
  ConnectAcceptedSocketOptions,
  CreateConnectionOptions,
  CreateDatagramEndpointOptions,
  CreateServerOptions,
  CreateUnixConnectionOptions,
  CreateUnixServerOptions,
  PipeLike,
  SendfileSource,
  StartTlsOptions,
  StdioOption,
  SubprocessOptions,
  TlsOptions,
} from './options.js';
export type {
  BaseProtocol,
  BufferedProtocol,
  DatagramProtocol,
  Protocol,
  ProtocolFactory,
  StdioFd,
  StreamProtocol,
  SubprocessProtocol,
} from './protocols.js';
export type { ConnectionTracker, Server, ServerSocket } from './server.js';
export { socketWriteBufferSize } from './socket-write-buffer-size.js';
export type {
  SocketDetachable,
  SSLContext,
  TlsEngine,
  TlsWrapOptions,
  TlsWrapTarget,
} from './tls-engine.js';
export { DETACH_SOCKET } from './tls-engine.js';
export {
  callbackFailedMessage,
  DROPPED_WRITE_WARN_THRESHOLD,
  TransportBase,
} from './transport-base.js';
export type {
  ProviderMethod,
  ProviderMethodName,
  ProviderMethods,
  TransportProvider,
} from './transport-provider.js';
export { METHOD_PACKAGES } from './transport-provider.js';
export type {
  BaseTransport,
  DatagramTransport,
  ReadTransport,
  SubprocessTransport,
  Transport,
  WriteTransport,
} from './transports.js';
export {
  DEFAULT_HIGH_WATER,
  resolveWriteBufferLimits,
  WriteFlowControl,
} from './write-flow-control.js';
