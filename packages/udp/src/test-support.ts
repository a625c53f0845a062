/**
 * Test helpers of this package (not exported): a loop with `udp()` that records what
 * goes to its exception handler and logger, and a datagram protocol that records its
 * callbacks and checks the datagram grammar
 * `connectionMade -> (datagramReceived | errorReceived)* -> connectionLost`.
 */
import { EventLoop } from '@x/loop';
import type {
  Address,
  DatagramProtocol,
  DatagramTransport,
  ExceptionContext,
  Future,
  Logger,
} from '@x/transport-core';
import { udp } from './udp.js';

/** The two send/receive paths of `UdpTransport` (see dgram-internals.ts), for `describe.each`. */
export const MODES = [
  ['handle fast path', true],
  ['public dgram API', false],
] as const;

/** A loop with `udp()` whose exception handler and logger record into arrays. */
export class TestLoop extends EventLoop {
  readonly exceptions: ExceptionContext[] = [];
  readonly warnings: string[] = [];
  /** Endpoints opened with {@link openEndpoint}: aborted by {@link TestLoop.dispose}. */
  readonly endpoints: DatagramTransport[] = [];

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

  /** Aborts every endpoint opened here, lets their `connectionLost` run, closes the loop. */
  async dispose(): Promise<void> {
    for (const t of this.endpoints.splice(0)) t.abort();
    await this.drain();
    this.close();
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
