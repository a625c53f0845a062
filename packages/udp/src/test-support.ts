/**
 * Test helpers of this package (not exported): a loop with `udp()` that records what
 * goes to its exception handler and logger, and a datagram protocol that records its
 * callbacks and checks the datagram grammar
 * `connectionMade -> (datagramReceived | errorReceived)* -> connectionLost`.
 *
 * The transport catches what a datagram callback throws and only reports it to the
 * loop's exception handler (SPEC §6.3), so a grammar violation thrown by {@link Recorder}
 * would pass unnoticed: {@link TestLoop.dispose} (every test file's `afterEach`) fails
 * the test when the loop recorded any report, unless the test called
 * {@link TestLoop.expectExceptions}.
 */
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { EventLoop } from '@x/loop';
import type {
  Address,
  DatagramProtocol,
  DatagramTransport,
  ExceptionContext,
  Future,
  Logger,
} from '@x/transport-core';
import { setDgramFastPath } from './dgram-internals.js';
import { setNativeUdp } from './native-handle.js';
import { udp } from './udp.js';

export type Mode = 'native' | 'handle' | 'public';

/**
 * The send/receive paths of `UdpTransport`, for `describe.each`: the native addon
 * (native-handle.ts; Linux only, where this repository's build makes it), Node's handle
 * (dgram-internals.ts), and the public dgram API.
 */
export const MODES: readonly (readonly [name: string, mode: Mode])[] = [
  ...(process.platform === 'linux' ? [['native addon', 'native'] as const] : []),
  ['handle fast path', 'handle'],
  ['public dgram API', 'public'],
];

/** Makes the endpoints created from now on use `mode` (a test file's `afterEach` resets to 'native'). */
export function useMode(mode: Mode): void {
  setDgramFastPath(mode !== 'public');
  setNativeUdp(mode === 'native');
}

/** A loop with `udp()` whose exception handler and logger record into arrays. */
export class TestLoop extends EventLoop {
  readonly exceptions: ExceptionContext[] = [];
  readonly warnings: string[] = [];
  /** Endpoints opened with {@link openEndpoint}: aborted by {@link TestLoop.dispose}. */
  readonly endpoints: DatagramTransport[] = [];
  #exceptionsExpected = false;

  constructor() {
    const warnings: string[] = [];
    const logger: Logger = {
      debug() {},
      info() {},
      warn: (message: string) => warnings.push(message),
      error: (message: string) => warnings.push(message),
    };
    super({ transports: [udp()], logger });
    this.warnings = warnings;
    this.setExceptionHandler((_loop, context) => this.exceptions.push(context));
  }

  /** Two unconnected endpoints on 127.0.0.1. */
  async pair() {
    return [await openEndpoint(this), await openEndpoint(this)] as const;
  }

  /**
   * Opts this test out of the check in {@link TestLoop.dispose}: for tests that provoke
   * reports to the exception handler (and assert on {@link TestLoop.exceptions} themselves).
   */
  expectExceptions(): void {
    this.#exceptionsExpected = true;
  }

  /**
   * Aborts every endpoint opened here, lets their `connectionLost` run, closes the loop.
   * @throws Error when the exception handler got a report the test did not expect
   *   (a callback that threw, e.g. a {@link Recorder} grammar violation).
   */
  async dispose(): Promise<void> {
    for (const t of this.endpoints.splice(0)) t.abort();
    await this.drain();
    this.close();
    if (this.#exceptionsExpected || this.exceptions.length === 0) return;
    const reports = this.exceptions.map((c) => `${c.message} ${String(c.exception ?? '')}`.trim());
    throw new Error(
      `the loop's exception handler got ${reports.length} unexpected report(s) ` +
        `(call loop.expectExceptions() in a test that provokes them):\n${reports.join('\n')}`,
    );
  }
}

export type Event =
  | ['made']
  | ['datagram', Uint8Array, Address | null]
  | ['error', Error]
  | ['pause']
  | ['resume']
  | ['lost', Error | null];

/** Records every callback; futures resolve on the n-th datagram and on `connectionLost`. */
export class Recorder implements DatagramProtocol {
  readonly events: Event[] = [];
  transport: DatagramTransport | null = null;
  readonly lost: Future<Error | null>;
  readonly datagrams: Uint8Array[] = [];
  readonly errors: Error[] = [];
  #waiters: [count: number, future: Future<void>][] = [];
  #errorWaiters: Future<Error>[] = [];
  readonly #loop: EventLoop;

  constructor(loop: EventLoop) {
    this.#loop = loop;
    this.lost = loop.createFuture();
  }

  connectionMade(transport: DatagramTransport): void {
    if (this.events.length > 0) throw new Error('grammar: connectionMade not first');
    this.transport = transport;
    this.events.push(['made']);
  }

  datagramReceived(data: Uint8Array, addr: Address | null): void {
    this.#checkOpen('datagramReceived');
    this.events.push(['datagram', data, addr]);
    this.datagrams.push(data);
    this.#waiters = this.#waiters.filter(([n, f]) => {
      if (this.datagrams.length < n) return true;
      f.setResult();
      return false;
    });
  }

  errorReceived(exc: Error): void {
    this.#checkOpen('errorReceived');
    this.events.push(['error', exc]);
    this.errors.push(exc);
    for (const f of this.#errorWaiters.splice(0)) f.setResult(exc);
  }

  pauseWriting(): void {
    this.events.push(['pause']);
  }

  resumeWriting(): void {
    this.events.push(['resume']);
  }

  connectionLost(exc: Error | null): void {
    this.#checkOpen('connectionLost');
    this.events.push(['lost', exc]);
    this.lost.setResult(exc);
  }

  /** Resolves once `count` datagrams in total have arrived. */
  received(count: number): Future<void> {
    const f = this.#loop.createFuture<void>();
    if (this.datagrams.length >= count) f.setResult();
    else this.#waiters.push([count, f]);
    return f;
  }

  /** Resolves with the next `errorReceived` exception. */
  nextError(): Future<Error> {
    const f = this.#loop.createFuture<Error>();
    this.#errorWaiters.push(f);
    return f;
  }

  /** Callback names in order (payloads left out). */
  names(): string[] {
    return this.events.map((e) => e[0]);
  }

  #checkOpen(name: string): void {
    if (this.events[0]?.[0] !== 'made') throw new Error(`grammar: ${name} before connectionMade`);
    if (this.events.some((e) => e[0] === 'lost'))
      throw new Error(`grammar: ${name} after connectionLost`);
  }
}

/** An unconnected endpoint on 127.0.0.1 with an ephemeral port. */
export async function openEndpoint(
  loop: TestLoop,
  host = '127.0.0.1',
): Promise<[DatagramTransport, Recorder, [string, number]]> {
  const [transport, protocol] = await loop.createDatagramEndpoint(() => new Recorder(loop), {
    localAddr: [host, 0],
  });
  loop.endpoints.push(transport);
  return [transport, protocol, transport.getExtraInfo('sockname') as [string, number]];
}

/**
 * How many datagrams the kernel dropped for the IPv4 UDP socket bound to `addr` because
 * its receive queue was full: the `drops` column of /proc/net/udp, which is per socket
 * (unlike the Udp: counters of /proc/net/snmp, which other processes' traffic moves too).
 * Null where there is no /proc/net/udp (not Linux).
 * @throws Error when no socket is bound to `addr`.
 */
export async function kernelDrops(addr: readonly [string, number]): Promise<number | null> {
  let table: string;
  try {
    table = await readFile('/proc/net/udp', 'utf8');
  } catch {
    return null;
  }
  // The kernel prints the address as a 32-bit number in host byte order, in hex.
  const bytes = addr[0]
    .split('.')
    .map((b) => Number(b).toString(16).toUpperCase().padStart(2, '0'));
  if (endianness() === 'LE') bytes.reverse();
  const local = `${bytes.join('')}:${addr[1].toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1] === local) return Number(fields[fields.length - 1]);
  }
  throw new Error(`no UDP socket bound to ${addr[0]}:${addr[1]} in /proc/net/udp`);
}
