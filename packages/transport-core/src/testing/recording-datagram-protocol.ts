import type { Address } from '../address.js';
import type { DatagramProtocol } from '../protocols.js';
import type { DatagramTransport } from '../transports.js';
import { ConditionWaiters } from './condition-waiters.js';
import {
  assertDatagramGrammar,
  type DatagramCallbackName,
  type DatagramEvent,
  datagramEventName,
} from './datagram-grammar.js';

/** One datagram a {@link RecordingDatagramProtocol} received. */
export interface ReceivedDatagram {
  readonly data: Uint8Array;
  readonly addr: Address | null;
}

/** Options of {@link RecordingDatagramProtocol} (all can be changed later through its fields). */
export interface RecordingDatagramProtocolOptions {
  /** Throw {@link RecordingDatagramProtocolOptions.error} from this callback, after recording it. */
  throwFrom?: DatagramCallbackName | null;
  /** What `throwFrom` throws. Default: `new Error('RecordingDatagramProtocol: <callback> failed on purpose')`. */
  error?: Error;
}

/**
 * A datagram protocol that records every callback as an event log:
 * `['connectionMade', ['datagramReceived', data, addr], ['errorReceived', exc], ['connectionLost', null]]`,
 * with the datagrams and errors collected and promises to wait on them.
 *
 * @example
 * const [transport, protocol] = await loop.createDatagramEndpoint(
 *   () => new RecordingDatagramProtocol(), { localAddr: ['127.0.0.1', 0] });
 * const [first] = await protocol.waitDatagrams(1);
 * transport.close();
 * await protocol.waitLost();
 * protocol.assertGrammar({ complete: true });
 */
export class RecordingDatagramProtocol implements DatagramProtocol {
  /** Every callback, oldest first. */
  readonly events: DatagramEvent[] = [];
  /** The datagrams received, in order. */
  readonly datagrams: ReceivedDatagram[] = [];
  /** The errors `errorReceived` got, in order. */
  readonly errors: Error[] = [];
  /** The transport `connectionMade` got (`null` before). */
  transport: DatagramTransport | null = null;
  /** See {@link RecordingDatagramProtocolOptions.throwFrom}. */
  throwFrom: DatagramCallbackName | null;
  /** See {@link RecordingDatagramProtocolOptions.error}. */
  error: Error | null;
  /** The error `connectionLost` got (`undefined` until it is called). */
  lostWith: Error | null | undefined = undefined;
  readonly #waiters = new ConditionWaiters<RecordingDatagramProtocol>(
    this,
    (p) => p.isLost,
    (what) => new Error(`endpoint closed before ${what}; events: ${this.names().join(', ')}`),
  );

  constructor(options: RecordingDatagramProtocolOptions = {}) {
    this.throwFrom = options.throwFrom ?? null;
    this.error = options.error ?? null;
  }

  connectionMade(transport: DatagramTransport): void {
    this.transport = transport;
    this.#record('connectionMade');
  }

  datagramReceived(data: Uint8Array, addr: Address | null): void {
    this.datagrams.push({ data, addr });
    this.#record(['datagramReceived', data, addr]);
  }

  errorReceived(exc: Error): void {
    this.errors.push(exc);
    this.#record(['errorReceived', exc]);
  }

  pauseWriting(): void {
    this.#record('pauseWriting');
  }

  resumeWriting(): void {
    this.#record('resumeWriting');
  }

  connectionLost(exc: Error | null): void {
    this.lostWith = exc;
    this.#record(['connectionLost', exc]);
  }

  /** True once `connectionLost` was called. */
  get isLost(): boolean {
    return this.lostWith !== undefined;
  }

  /** The names of the recorded callbacks, in order. */
  names(): DatagramCallbackName[] {
    return this.events.map(datagramEventName);
  }

  /** How many times `name` was called. */
  count(name: DatagramCallbackName): number {
    let n = 0;
    for (const event of this.events) if (datagramEventName(event) === name) n++;
    return n;
  }

  /** Checks the log with {@link assertDatagramGrammar}. */
  assertGrammar(options: { complete?: boolean } = {}): void {
    assertDatagramGrammar(this.events, options);
  }

  /** Resolves once `test(this)` holds; rejects if the endpoint closes first without it. */
  waitUntil(
    test: (protocol: RecordingDatagramProtocol) => boolean,
    what = 'a condition',
  ): Promise<void> {
    return this.#waiters.until(test, what);
  }

  /** Resolves once `name` was called (at least `times` times, default 1). */
  waitFor(name: DatagramCallbackName, times = 1): Promise<void> {
    return this.waitUntil((p) => p.count(name) >= times, `${name} x${times}`);
  }

  /** Resolves with the transport once `connectionMade` was called. */
  async waitMade(): Promise<DatagramTransport> {
    await this.waitFor('connectionMade');
    return this.transport as DatagramTransport;
  }

  /** Resolves with every datagram so far once at least `n` arrived. */
  async waitDatagrams(n: number): Promise<ReceivedDatagram[]> {
    await this.waitUntil((p) => p.datagrams.length >= n, `${n} datagrams`);
    return this.datagrams;
  }

  /** Resolves with the first error `errorReceived` got (waiting for it). */
  async waitError(): Promise<Error> {
    await this.waitFor('errorReceived');
    return this.errors[0] as Error;
  }

  /** Resolves with `connectionLost`'s argument once it was called. Never rejects. */
  async waitLost(): Promise<Error | null> {
    await this.waitUntil((p) => p.isLost, 'connectionLost');
    return this.lostWith as Error | null;
  }

  #record(event: DatagramEvent): void {
    this.events.push(event);
    this.#waiters.settle();
    const name = datagramEventName(event);
    if (this.throwFrom === name) {
      throw this.error ?? new Error(`RecordingDatagramProtocol: ${name} failed on purpose`);
    }
  }
}
