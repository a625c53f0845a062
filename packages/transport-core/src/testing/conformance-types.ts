import type { AbstractEventLoop } from '../event-loop.js';
import type { Server } from '../server.js';
import type { Transport } from '../transports.js';
import type { ConformanceContextOf } from './check-runner.js';
import type { RecordingProtocol } from './recording-protocol.js';

/**
 * The test-framework functions the conformance suite registers its checks with. Pass
 * your framework's own: vitest/jest (`{ describe, it, beforeEach, afterEach }`) or
 * `node:test` (`{ describe, it, beforeEach, afterEach }`). The suite asserts with
 * `node:assert/strict`, so it needs no test framework of its own.
 */
export interface TestRegistrar {
  describe(name: string, fn: () => void): unknown;
  it(name: string, fn: () => Promise<void>): unknown;
  /** Accepted so `{ describe, it, beforeEach, afterEach }` can be passed as it is; unused (each check sets up and frees its own pair). */
  beforeEach?(fn: () => unknown): unknown;
  /** Accepted, unused (see `beforeEach`). */
  afterEach?(fn: () => unknown): unknown;
  /**
   * Registers a skipped check (e.g. vitest's `it.skip`). Used for the checks named in
   * {@link ConformanceOptions.skip}; without it they are not registered at all.
   */
  skip?(name: string, fn: () => Promise<void>): unknown;
}

/**
 * The other end of the connection under test, driven by the suite. The factory
 * implements it over whatever the transport talks to (a raw `net.Socket` for TCP, the
 * test side of a pipe, the memory peer of a `MemoryTransport`).
 *
 * Every method that waits must settle on its own when the connection ends (no hang):
 * the suite bounds each wait in time anyway, but a clear rejection is a better message.
 */
export interface ConformancePeer {
  /** Sends `data` to the transport. Resolves once handed over (not once received). */
  write(data: Uint8Array): Promise<void>;
  /** Half-closes: the transport sees EOF; the peer can still receive. */
  end(): Promise<void>;
  /**
   * Breaks the connection abruptly (TCP: RST via `socket.resetAndDestroy()`). The
   * transport must end in `connectionLost(err)` with a non-null error.
   */
  reset(): void;
  /**
   * Resolves with exactly the next `n` bytes the transport sent (in order), waiting
   * for them. Rejects when the stream ends before `n` bytes came.
   */
  readExactly(n: number): Promise<Uint8Array>;
  /** Resolves with every remaining byte once the transport's write side has ended (EOF or close). */
  readUntilEnd(): Promise<Uint8Array>;
  /** Stops reading, so that what the transport writes backs up into its write buffer. */
  pauseReading(): void;
  /** Reads again after {@link ConformancePeer.pauseReading}. */
  resumeReading(): void;
}

/**
 * What the transport and its peer can do. Checks needing a missing capability are not
 * registered. Defaults are those of a TCP socket.
 */
export interface ConformanceCapabilities {
  /** The transport supports `writeEof()` (`canWriteEof()` true). Default true. */
  writeEof: boolean;
  /** The peer can half-close (`peer.end()`) and still receive. Default true. */
  peerHalfClose: boolean;
  /** `peer.reset()` is supported. Default true. */
  reset: boolean;
  /**
   * `peer.pauseReading()` makes the transport's write buffer grow (real backpressure),
   * so the write flow-control checks can run. Default true.
   */
  backpressure: boolean;
  /**
   * The factory's connect call (e.g. `createConnection`) rejects with the error a
   * throwing `connectionMade` threw (SPEC §6.3). False for server-side transports, which
   * have no pending call: the factory then resolves and the check only looks at the
   * fatal-error path. Default true.
   */
  connectRejects: boolean;
  /**
   * Run every stream check a second time with a `RecordingBufferedProtocol`
   * (`getBuffer`/`bufferUpdated`). Default true.
   */
  buffered: boolean;
}

/** What the suite hands the factory for one connection (see {@link ConformanceContextOf}). */
export type ConformanceContext = ConformanceContextOf<RecordingProtocol>;

/** One connected transport with everything the suite needs. */
export interface ConformancePair {
  /** The loop the transport runs on. */
  readonly loop: AbstractEventLoop;
  /** The transport under test (what `createConnection` resolved with). */
  readonly transport: Transport;
  /** The protocol the factory got from `ctx.protocolFactory()`. */
  readonly protocol: RecordingProtocol;
  /** The other end. */
  readonly peer: ConformancePeer;
  /**
   * The server that accepted the transport, for a server-side pair (optional). With it,
   * checks also look at the server (e.g. `waitClosed()` resolving after a throwing
   * `connectionLost`); the suite may `close()` it.
   */
  readonly server?: Server;
  /** Frees everything (transport, peer, server, loop). Idempotent; the suite calls it after each check. */
  close(): Promise<void>;
}

/**
 * Makes one connected pair. Resolves after the transport's `connectionMade` (as
 * `createConnection` does). When connecting fails (e.g. the check made
 * `connectionMade` throw) it rejects with that error; what it opened must have been
 * registered with `ctx.addCleanup` so nothing leaks.
 */
export type ConformanceFactory = (ctx: ConformanceContext) => Promise<ConformancePair>;

/** Tuning of {@link defineTransportConformance}. */
export interface ConformanceOptions {
  /** What the transport and peer support (see {@link ConformanceCapabilities}). */
  capabilities?: Partial<ConformanceCapabilities>;
  /** Time bound of every wait inside a check, in ms. Default 5000. */
  timeoutMs?: number;
  /**
   * Checks to register as skipped, by title (as printed, without the describe prefix),
   * with the reason. Use only for a known bug of the transport, and report it.
   */
  skip?: Readonly<Record<string, string>>;
  /**
   * The most bytes a flow-control check writes to a paused peer before giving up on
   * seeing `pauseWriting` (OS socket buffers can take several MiB). Default 64 MiB.
   */
  maxFillBytes?: number;
  /**
   * Attempts a connection that must fail (e.g. `loop.createConnection(ctx.protocolFactory,
   * '127.0.0.1', closedPort)`), using `ctx` like the factory (loop, cleanups). When given,
   * a check asserts SPEC §4.11: the attempt rejects with the OS error (a `code` such as
   * `ECONNREFUSED`) and the protocol, if one was made, got no callback at all.
   */
  failingConnect?: (ctx: ConformanceContext) => Promise<unknown>;
}

/**
 * Registers the transport conformance suite (SPEC §4 rules 1-10, 14 and §6.1/6.3/6.4)
 * with the given test framework. Signature of the entry point, for reference; the
 * implementation is `defineTransportConformance` in `define-transport-conformance.ts`.
 */
export type DefineTransportConformance = (
  t: TestRegistrar,
  name: string,
  factory: ConformanceFactory,
  options?: ConformanceOptions,
) => void;
