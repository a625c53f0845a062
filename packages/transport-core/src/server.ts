import type { Address } from './address.js';
import type { AbstractEventLoop } from './event-loop.js';
import type { BaseTransport } from './transports.js';

/** A listening socket of a {@link Server} (what asyncio's `Server.sockets` holds). */
export interface ServerSocket {
  /** The bound address (`[host, port]` or a Unix path). */
  getsockname(): Address;
}

/**
 * A listening server (asyncio `Server`, 3.13 semantics).
 *
 * `close()` stops listening and leaves accepted connections open; `waitClosed()`
 * resolves once the server is closed and the last connection has gone.
 * `await using server = await loop.createServer(...)` closes and waits on scope exit.
 */
export interface Server extends AsyncDisposable {
  /** Stops listening (idempotent). Accepted connections stay open. */
  close(): void;
  /** Resolves when the server is closed and every connection it accepted has closed. */
  waitClosed(): Promise<void>;
  /**
   * Starts accepting (if not yet) and resolves once the server was closed and
   * `waitClosed()` resolved (asyncio `serve_forever`, which then raises CancelledError;
   * here a normal stop resolves).
   */
  serveForever(): Promise<void>;
  /** Starts accepting connections; idempotent. Rejects if the server is closed. */
  startServing(): Promise<void>;
  /** True while accepting connections. */
  isServing(): boolean;
  /** The loop the server belongs to. */
  getLoop(): AbstractEventLoop;
  /** The listening sockets (empty once closed). */
  readonly sockets: readonly ServerSocket[];
  /** Calls `close()` on every connection the server accepted. */
  closeClients(): void;
  /** Calls `abort()` on every connection the server accepted. */
  abortClients(): void;
}

/**
 * How a server learns of the connections it accepted, so that `waitClosed()`,
 * `closeClients()` and `abortClients()` can see them. A transport attaches when made
 * and detaches after its `connectionLost`.
 */
export interface ConnectionTracker {
  attach(transport: BaseTransport): void;
  detach(transport: BaseTransport): void;
}
