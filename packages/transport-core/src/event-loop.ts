import type { Socket as NetSocket } from 'node:net';
import type { Future, Handle, TimerHandle } from './future.js';
import type { Logger } from './logger.js';
import type {
  ConnectAcceptedSocketOptions,
  CreateConnectionOptions,
  CreateDatagramEndpointOptions,
  CreateServerOptions,
  CreateUnixConnectionOptions,
  CreateUnixServerOptions,
  PipeLike,
  SendfileSource,
  StartTlsOptions,
  SubprocessOptions,
} from './options.js';
import type {
  BaseProtocol,
  BufferedProtocol,
  DatagramProtocol,
  Protocol,
  SubprocessProtocol,
} from './protocols.js';
import type { Server } from './server.js';
import type { SSLContext, TlsEngine } from './tls-engine.js';
import type {
  DatagramTransport,
  ReadTransport,
  SubprocessTransport,
  Transport,
  WriteTransport,
} from './transports.js';

/** What the loop's exception handler receives (asyncio's `context` dict). */
export interface ExceptionContext {
  /** What went wrong, e.g. "Fatal error: protocol.dataReceived() call failed.". */
  message: string;
  exception?: unknown;
  transport?: unknown;
  protocol?: unknown;
  future?: unknown;
  handle?: unknown;
  /** Where the failing handle was scheduled (debug mode). */
  sourceTraceback?: string;
  [key: string]: unknown;
}

/** A custom exception handler: `(loop, context) => void`. */
export type ExceptionHandler = (loop: AbstractEventLoop, context: ExceptionContext) => void;

/** A stream protocol: plain or buffered. */
type StreamP = Protocol | BufferedProtocol;

/**
 * The event loop (asyncio `AbstractEventLoop`): scheduling, futures, error reporting,
 * and the network and process methods that installed transport packages provide.
 * Times are in milliseconds.
 */
export interface AbstractEventLoop {
  /** Monotonic time in ms. */
  time(): number;
  /** Schedules `cb(...args)` to run soon, in FIFO order with other `callSoon` callbacks. */
  callSoon<A extends unknown[]>(cb: (...args: A) => void, ...args: A): Handle;
  /** Schedules `cb(...args)` after `delayMs` ms. */
  callLater<A extends unknown[]>(
    delayMs: number,
    cb: (...args: A) => void,
    ...args: A
  ): TimerHandle;
  /** Schedules `cb(...args)` at loop time `whenMs`. */
  callAt<A extends unknown[]>(whenMs: number, cb: (...args: A) => void, ...args: A): TimerHandle;
  /** A new pending future bound to this loop. */
  createFuture<T>(): Future<T>;
  isClosed(): boolean;
  /** Closes the loop: pending callbacks and timers are dropped. Idempotent. */
  close(): void;
  getDebug(): boolean;
  setDebug(enabled: boolean): void;
  /** Where the loop and its transports write diagnostics. */
  readonly logger: Logger;

  /** Sets the exception handler (`null`: the default one). @throws TypeError if not a function or null. */
  setExceptionHandler(handler: ExceptionHandler | null): void;
  getExceptionHandler(): ExceptionHandler | null;
  /** Reports an error: calls the custom handler, or the default one. Never throws. */
  callExceptionHandler(context: ExceptionContext): void;
  /** Logs `context.message`, the other keys and the exception's stack to the logger. */
  defaultExceptionHandler(context: ExceptionContext): void;

  /** The TLS layer of an installed `@x/ssl`. @throws TransportNotInstalledError otherwise. */
  getTlsEngine(): TlsEngine;

  /** Opens a stream connection to `host`:`port` (or over `options.sock`). Resolves after `connectionMade`. */
  createConnection<P extends StreamP>(
    protocolFactory: () => P,
    host?: string | null,
    port?: number | null,
    options?: CreateConnectionOptions,
  ): Promise<[Transport, P]>;
  /** Listens on `host`:`port` (a list of hosts, or every interface when `host` is null). */
  createServer(
    protocolFactory: () => StreamP,
    host?: string | readonly string[] | null,
    port?: number | null,
    options?: CreateServerOptions,
  ): Promise<Server>;
  createUnixConnection<P extends StreamP>(
    protocolFactory: () => P,
    path?: string | null,
    options?: CreateUnixConnectionOptions,
  ): Promise<[Transport, P]>;
  createUnixServer(
    protocolFactory: () => StreamP,
    path?: string | null,
    options?: CreateUnixServerOptions,
  ): Promise<Server>;
  /** Wraps a socket accepted elsewhere (server side). */
  connectAcceptedSocket<P extends StreamP>(
    protocolFactory: () => P,
    sock: NetSocket,
    options?: ConnectAcceptedSocketOptions,
  ): Promise<[Transport, P]>;
  createDatagramEndpoint<P extends DatagramProtocol>(
    protocolFactory: () => P,
    options: CreateDatagramEndpointOptions,
  ): Promise<[DatagramTransport, P]>;
  /** Upgrades a stream to TLS; the old transport must no longer be used. */
  startTls(
    transport: Transport,
    protocol: StreamP,
    sslContext: SSLContext,
    options?: StartTlsOptions,
  ): Promise<Transport>;
  /** Sends `count` bytes (default: to the end) of `file` from `offset`. Resolves with the bytes sent. */
  sendfile(
    transport: Transport,
    file: SendfileSource,
    offset?: number,
    count?: number | null,
  ): Promise<number>;
  subprocessExec<P extends SubprocessProtocol>(
    protocolFactory: () => P,
    program: string,
    args?: readonly string[],
    options?: SubprocessOptions,
  ): Promise<[SubprocessTransport, P]>;
  subprocessShell<P extends SubprocessProtocol>(
    protocolFactory: () => P,
    cmd: string,
    options?: SubprocessOptions,
  ): Promise<[SubprocessTransport, P]>;
  connectReadPipe<P extends StreamP>(
    protocolFactory: () => P,
    pipe: PipeLike,
  ): Promise<[ReadTransport, P]>;
  connectWritePipe<P extends BaseProtocol>(
    protocolFactory: () => P,
    pipe: PipeLike,
  ): Promise<[WriteTransport, P]>;
}
