import type { Server as NetServer, Socket } from 'node:net';
import {
  type AbstractEventLoop,
  type Address,
  type BaseTransport,
  type ConnectionTracker,
  type ExtraInfo,
  isOSError,
  type Server,
  type ServerSocket,
  type StreamProtocol,
  type Transport,
  toError,
} from '@x/transport-core';
import { adoptAcceptedSocket } from './accepted-socket.js';
import { startTransport, wasReported } from './start-transport.js';
import type { ResolvedTls } from './tls-options.js';

/** How a {@link TcpServer} listens and what its connections get. */
export interface TcpServerConfig {
  readonly tls: ResolvedTls | null;
  readonly keepAlive: boolean;
  /**
   * Makes and starts the listening servers, each calling `onConnection` for every
   * accepted socket (accepted paused). Rejects (having closed what it opened) if any fails.
   */
  readonly listen: (onConnection: (socket: Socket) => void) => Promise<NetServer[]>;
  /** The bound address of one listening server. */
  readonly addressOf: (server: NetServer) => Address;
  /** Extra info of an accepted connection (a Unix server knows its path). */
  readonly extraFor?: (socket: Socket) => Partial<ExtraInfo>;
  /**
   * Runs once when the server closes, before the listening servers close; the function
   * it returns runs after (a Unix server keeps or removes its socket file).
   */
  readonly onClose?: () => (() => void) | undefined;
  /** Wrap accepted sockets for the onread path (false for a user-given `net.Server`). */
  readonly adopt: boolean;
}

function closedError(): Error {
  return new Error('Server is closed');
}

/**
 * A listening server (asyncio `Server`, 3.13 semantics): `close()` stops listening and
 * leaves accepted connections open; `waitClosed()` resolves once the server is closed
 * and the last of its connections has gone; `closeClients()`/`abortClients()` close or
 * abort them; `await using` closes and waits.
 */
export class TcpServer implements Server, ConnectionTracker {
  readonly #loop: AbstractEventLoop;
  readonly #factory: () => StreamProtocol;
  readonly #config: TcpServerConfig;
  #servers: NetServer[] = [];
  readonly #clients = new Set<BaseTransport>();
  #closed = false;
  #serving = false;
  #starting: Promise<void> | null = null;
  #waiters: Array<() => void> = [];
  #forever: { resolve: () => void } | null = null;
  readonly #onConnection: (socket: Socket) => void;

  constructor(loop: AbstractEventLoop, factory: () => StreamProtocol, config: TcpServerConfig) {
    this.#loop = loop;
    this.#factory = factory;
    this.#config = config;
    this.#onConnection = (socket) => this.#accept(socket);
  }

  getLoop(): AbstractEventLoop {
    return this.#loop;
  }

  isServing(): boolean {
    return this.#serving;
  }

  get sockets(): readonly ServerSocket[] {
    if (this.#closed) return [];
    const addressOf = this.#config.addressOf;
    return this.#servers.map((server) => ({ getsockname: () => addressOf(server) }));
  }

  /** Starts accepting connections; idempotent. Rejects with an Error if the server is closed. */
  startServing(): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    if (this.#serving) return Promise.resolve();
    if (this.#starting === null) {
      this.#starting = this.#config.listen(this.#onConnection).then(
        (servers) => {
          this.#starting = null;
          if (this.#closed) {
            for (const s of servers) s.close();
            throw closedError();
          }
          this.#servers = servers;
          this.#serving = true;
        },
        (err: unknown) => {
          this.#starting = null;
          throw err;
        },
      );
    }
    return this.#starting;
  }

  /**
   * Starts serving (if not yet) and resolves once `close()` was called and
   * `waitClosed()` resolved (the last connection has gone). asyncio 3.13 cancels
   * `serve_forever()` on `close()` and, before raising `CancelledError`, awaits
   * `wait_closed()`; we wait the same way but resolve, as a normal stop is no error.
   * @throws Error (rejects) when the server is closed or another `serveForever()` runs.
   */
  async serveForever(): Promise<void> {
    if (this.#closed) throw closedError();
    if (this.#forever !== null)
      throw new Error('server is already being awaited on serveForever()');
    const closed = new Promise<void>((resolve) => {
      this.#forever = { resolve };
    });
    try {
      await this.startServing();
    } catch (err) {
      this.#forever = null;
      throw err;
    }
    await closed;
    await this.waitClosed();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#serving = false;
    try {
      const after = this.#config.onClose?.();
      for (const server of this.#servers) server.close();
      after?.();
    } catch (err) {
      this.#loop.callExceptionHandler({
        message: 'Error while closing the server',
        exception: toError(err),
      });
    }
    const forever = this.#forever;
    this.#forever = null;
    forever?.resolve();
    this.#wakeIfDone();
  }

  waitClosed(): Promise<void> {
    if (this.#closed && this.#clients.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  closeClients(): void {
    for (const client of [...this.#clients]) client.close();
  }

  abortClients(): void {
    for (const client of [...this.#clients]) (client as Transport).abort?.();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.waitClosed();
  }

  attach(transport: BaseTransport): void {
    this.#clients.add(transport);
  }

  detach(transport: BaseTransport): void {
    this.#clients.delete(transport);
    this.#wakeIfDone();
  }

  #wakeIfDone(): void {
    if (!this.#closed || this.#clients.size !== 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  #accept(accepted: Socket): void {
    if (this.#closed) {
      accepted.destroy();
      return;
    }
    const config = this.#config;
    // A plain socket goes to TLS as it is; plain TCP reads through onread.
    const socket = config.adopt && config.tls === null ? adoptAcceptedSocket(accepted) : accepted;
    if (config.keepAlive) socket.setKeepAlive(true);
    try {
      startTransport(this.#loop, this.#factory, socket, {
        tls: config.tls,
        serverSide: true,
        tracker: this,
        extra: config.extraFor?.(socket) ?? {},
      }).catch((err: unknown) => this.#acceptFailed(err, socket));
    } catch (err) {
      this.#acceptFailed(err, socket);
    }
  }

  #acceptFailed(err: unknown, socket: Socket): void {
    socket.destroy();
    // A throwing connectionMade was already reported by the transport; peer and TLS
    // errors are expected (debug log only, as asyncio); a failing factory is reported.
    if (wasReported(err)) return;
    if (isOSError(err)) {
      if (this.#loop.getDebug())
        this.#loop.logger.debug('Error on transport creation for incoming connection', err);
      return;
    }
    this.#loop.callExceptionHandler({
      message: 'Error on transport creation for incoming connection',
      exception: toError(err),
      socket,
    });
  }
}
