import type { Address } from './address.js';
import type { BytesLike } from './bytes.js';
import type { GetExtraInfo } from './extra-info.js';
import type { BaseProtocol, StdioFd } from './protocols.js';

/**
 * Methods every transport has (asyncio `BaseTransport`). Transports are made by the
 * loop, never by users. They are not thread-safe and need not be: every callback runs
 * on the loop.
 */
export interface BaseTransport {
  /**
   * Closes the transport: buffered data is flushed asynchronously, no more data is
   * received, then `protocol.connectionLost(null)` is called (or `(err)` if the flush
   * fails). Idempotent; `isClosing()` is true from the first call.
   */
  close(): void;
  /** True once the transport is closing or closed (it stays true). */
  isClosing(): boolean;
  /**
   * Information about the transport or what it runs on, by asyncio's key names
   * (`'peername'`, `'sockname'`, `'socket'`, `'cipher'`, ...). Values stay available
   * after close. Unknown keys return `defaultValue` (`null` unless given).
   */
  getExtraInfo: GetExtraInfo;
  /** Routes every later callback to `protocol` (no `connectionMade` is called on it). */
  setProtocol(protocol: BaseProtocol): void;
  /** The protocol callbacks currently go to. */
  getProtocol(): BaseProtocol;
}

/** The read side of a transport (asyncio `ReadTransport`). */
export interface ReadTransport extends BaseTransport {
  /** True while data is being received: not paused, not at EOF, not closing. */
  isReading(): boolean;
  /**
   * Stops reading from the OS (the peer feels backpressure) until `resumeReading()`.
   * No data callback happens after it returns. Idempotent, also after close.
   */
  pauseReading(): void;
  /** Reads again after `pauseReading()`; data comes later, never inside this call. Idempotent. */
  resumeReading(): void;
}

/** The write side of a transport (asyncio `WriteTransport`). */
export interface WriteTransport extends BaseTransport {
  /**
   * Sets the write flow-control watermarks, in bytes. `pauseWriting()` is called when
   * the buffered size goes above `high`, `resumeWriting()` when it falls to or below
   * `low`. `high` alone sets `low = high / 4`; neither: 64 KiB / 16 KiB; `low` alone
   * sets `high = 4 * low`; `high = 0` forces `low = 0`.
   * @throws RangeError when a limit is negative or `low > high`.
   */
  setWriteBufferLimits(high?: number | null, low?: number | null): void;
  /** `[low, high]`, in bytes (asyncio's order). */
  getWriteBufferLimits(): readonly [low: number, high: number];
  /** Bytes accepted by `write()` and not yet handed to the OS. Exact. */
  getWriteBufferSize(): number;
  /**
   * Writes `data` without blocking: sent now or buffered and sent later. The transport
   * may keep a reference to `data` until it is sent: do not change it afterwards.
   * After `close()`/`abort()` or connection loss the data is dropped (never thrown);
   * from the fifth such call a warning goes to the loop's logger.
   * @throws TypeError when `data` is not bytes-like (e.g. a string).
   */
  write(data: BytesLike): void;
  /** Writes every item as `write()` would, as one vectored write. */
  writelines(listOfData: Iterable<BytesLike>): void;
  /**
   * Flushes buffered data, then closes the write side (the peer sees EOF). Data can
   * still be received.
   * @throws Error when the transport cannot half-close (`canWriteEof()` is false).
   */
  writeEof(): void;
  /** Whether `writeEof()` is supported. */
  canWriteEof(): boolean;
  /**
   * Closes at once: buffered data is dropped, `connectionLost(null)` follows soon.
   * Idempotent.
   */
  abort(): void;
}

/** A bidirectional stream (asyncio `Transport`): TCP, Unix sockets, TLS. */
export interface Transport extends ReadTransport, WriteTransport {}

/** A datagram endpoint (asyncio `DatagramTransport`). */
export interface DatagramTransport extends BaseTransport {
  /**
   * Sends one datagram (empty ones too) without blocking. With `remoteAddr` given at
   * creation, `addr` may be omitted or equal to it; another address throws `Error`.
   * Without it, `addr` is required (`TypeError` when missing).
   * OS errors are reported to `protocol.errorReceived`.
   */
  sendto(data: BytesLike, addr?: Address | null): void;
  /** Closes at once, dropping unsent datagrams. */
  abort(): void;
  /** As {@link WriteTransport.setWriteBufferLimits}. */
  setWriteBufferLimits(high?: number | null, low?: number | null): void;
  /** As {@link WriteTransport.getWriteBufferLimits}. */
  getWriteBufferLimits(): readonly [low: number, high: number];
  /** Bytes of datagrams accepted by `sendto()` and not yet handed to the OS. Exact. */
  getWriteBufferSize(): number;
}

/** A child process with pipes (asyncio `SubprocessTransport`). */
export interface SubprocessTransport extends BaseTransport {
  /** The child's process id. */
  getPid(): number;
  /**
   * The pipe transport of a standard stream: a write transport for 0 (stdin), read
   * transports for 1 and 2; `null` where that stream is not a pipe.
   */
  getPipeTransport(fd: 0): WriteTransport | null;
  getPipeTransport(fd: 1 | 2): ReadTransport | null;
  getPipeTransport(fd: StdioFd): WriteTransport | ReadTransport | null;
  /** `null` while running, then the exit code, or `-signal` when killed by a signal. */
  getReturncode(): number | null;
  /** Sends SIGKILL. @throws ProcessLookupError after `connectionLost`. */
  kill(): void;
  /** Sends SIGTERM. @throws ProcessLookupError after `connectionLost`. */
  terminate(): void;
  /** Sends `signal`. @throws ProcessLookupError after `connectionLost`. */
  sendSignal(signal: NodeJS.Signals | number): void;
}
