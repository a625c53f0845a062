import type { Address } from './address.js';
import type {
  BaseTransport,
  DatagramTransport,
  SubprocessTransport,
  Transport,
} from './transports.js';

/**
 * Callbacks shared by every protocol (asyncio `BaseProtocol`). Every callback is
 * optional; transports call only what is there.
 *
 * Connection callbacks: `connectionMade` is called exactly once, before any other
 * callback; `connectionLost` exactly once, last. Nothing is called after it.
 *
 * Flow-control callbacks: `pauseWriting()` when the transport's write buffer goes
 * above its high watermark, `resumeWriting()` when it falls to or below the low one;
 * each only as a transition, and `resumeWriting` only after a `pauseWriting`.
 *
 * A callback that throws never crashes the process: on stream, TLS and pipe
 * transports the transport is closed with that error (`connectionLost(err)`) and the
 * loop's exception handler is told which callback failed.
 */
export interface BaseProtocol {
  /** The connection is made. Keep `transport`: it is how the protocol writes. */
  connectionMade?(transport: BaseTransport): void;
  /**
   * The connection is lost or closed. `exc` is `null` for a normal close (EOF, `close()`,
   * `abort()`), or the error that ended it.
   */
  connectionLost?(exc: Error | null): void;
  /** The transport's write buffer went above the high watermark: stop writing. */
  pauseWriting?(): void;
  /** The transport's write buffer fell to or below the low watermark: write again. */
  resumeWriting?(): void;
}

/**
 * A streaming protocol (asyncio `Protocol`) for TCP, Unix sockets, TLS and pipes.
 *
 * State machine:
 * ```
 * start -> connectionMade -> dataReceived* -> eofReceived? -> connectionLost -> end
 * ```
 */
export interface Protocol extends BaseProtocol {
  connectionMade?(transport: Transport): void;
  /**
   * Data arrived: a non-empty `Uint8Array` (a `Buffer` at run time), in order. Chunk
   * boundaries carry no meaning. The protocol may keep `data`: it is never reused.
   */
  dataReceived?(data: Uint8Array): void;
  /**
   * The peer will send no more data. Return a truthy value to keep the transport
   * open for writing (half-close; the protocol closes it later); a falsy value or
   * nothing closes it. Called at most once; no `dataReceived` after it.
   */
  eofReceived?(): unknown;
}

/**
 * A streaming protocol that owns its receive buffer (asyncio `BufferedProtocol`):
 * the transport reads straight into the buffer `getBuffer` returned (zero copy).
 * A transport treats a protocol as buffered when it has a `getBuffer` method.
 *
 * State machine:
 * ```
 * start -> connectionMade -> (getBuffer -> bufferUpdated?)* -> eofReceived? -> connectionLost -> end
 * ```
 */
export interface BufferedProtocol extends BaseProtocol {
  connectionMade?(transport: Transport): void;
  /**
   * Returns the buffer the next bytes are written into. `sizehint` is the suggested
   * minimum size (`-1`: any size). A zero-length buffer, or throwing, is a fatal
   * error for the connection.
   */
  getBuffer(sizehint: number): Uint8Array;
  /** `nbytes` bytes were written at the start of the buffer last returned by `getBuffer`. */
  bufferUpdated(nbytes: number): void;
  /** As {@link Protocol.eofReceived}. */
  eofReceived?(): unknown;
}

/** Either kind of stream protocol. */
export type StreamProtocol = Protocol | BufferedProtocol;

/**
 * A datagram protocol (asyncio `DatagramProtocol`).
 *
 * State machine:
 * ```
 * start -> connectionMade -> (datagramReceived | errorReceived)* -> connectionLost -> end
 * ```
 * A throwing `datagramReceived`/`errorReceived` is reported to the loop's exception
 * handler and the endpoint keeps serving.
 */
export interface DatagramProtocol extends BaseProtocol {
  connectionMade?(transport: DatagramTransport): void;
  /**
   * One datagram arrived (empty ones included). `addr` is the sender: `[host, port]`,
   * a Unix path, or `null` for an unnamed Unix socket.
   */
  datagramReceived?(data: Uint8Array, addr: Address | null): void;
  /** A previous send or receive failed with an OS error (e.g. `ECONNREFUSED`). */
  errorReceived?(exc: Error): void;
}

/** The file descriptor numbers of a child's standard streams. */
export type StdioFd = 0 | 1 | 2;

/**
 * A protocol for a child process talking over pipes (asyncio `SubprocessProtocol`).
 *
 * State machine:
 * ```
 * start -> connectionMade -> (pipeDataReceived | pipeConnectionLost | processExited)* -> connectionLost -> end
 * ```
 * Per fd, `pipeDataReceived` calls come before that fd's `pipeConnectionLost`;
 * `processExited` may come before or after the pipes close; `connectionLost` comes
 * only after the process exited and every pipe closed.
 */
export interface SubprocessProtocol extends BaseProtocol {
  connectionMade?(transport: SubprocessTransport): void;
  /** The child wrote `data` (non-empty) to its stdout (`fd` 1) or stderr (`fd` 2). */
  pipeDataReceived?(fd: 1 | 2, data: Uint8Array): void;
  /** One of the child's pipes closed; `exc` is `null` for a normal close. */
  pipeConnectionLost?(fd: StdioFd, exc: Error | null): void;
  /** The child exited; `getReturncode()` is already set. */
  processExited?(): void;
}

/** A factory that makes one protocol per connection. */
export type ProtocolFactory<P extends BaseProtocol> = () => P;
