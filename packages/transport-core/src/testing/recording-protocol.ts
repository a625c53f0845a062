import type { Protocol } from '../protocols.js';
import type { Transport } from '../transports.js';
import { ConditionWaiters } from './condition-waiters.js';
import {
  assertStreamGrammar,
  eventName,
  type StreamCallbackName,
  type StreamEvent,
  type StreamGrammarOptions,
} from './stream-grammar.js';

/** Code to run inside a recorded callback, after it was recorded (e.g. `t.pauseReading()`). */
export type RecordingHooks = {
  readonly [K in StreamCallbackName]?: (protocol: RecordingProtocol, event: StreamEvent) => unknown;
};

/** Options of {@link RecordingProtocol} (all can also be changed later through its fields). */
export interface RecordingProtocolOptions {
  /** Throw {@link RecordingProtocolOptions.error} from this callback, after recording it. */
  throwFrom?: StreamCallbackName | null;
  /** What `throwFrom` throws. Default: `new Error('RecordingProtocol: <callback> failed on purpose')`. */
  error?: Error;
  /** What `eofReceived()` returns: truthy keeps the transport half-open. Default `undefined`. */
  eofResult?: unknown;
  /** Code run inside callbacks after they are recorded (before a `throwFrom` throw). */
  hooks?: RecordingHooks;
}

/** A write flow-control callback with the transport's write buffer size when it came. */
export interface FlowEvent {
  readonly event: 'pauseWriting' | 'resumeWriting';
  readonly writeBufferSize: number;
}

/**
 * A stream protocol that records every callback as an event log, for tests of
 * transports and of code that drives protocols (Twisted's test doubles idea).
 *
 * ```
 * events: ['connectionMade', ['dataReceived', bytes], 'eofReceived', ['connectionLost', null]]
 * ```
 * It collects the received bytes, has promises for the connection's milestones, and
 * can be told to throw from a callback or to keep the transport open on EOF.
 *
 * @example
 * const [transport, protocol] = await loop.createConnection(() => new RecordingProtocol(), host, port);
 * await protocol.waitBytes(5);
 * assert.equal(protocol.text(), 'hello');
 * transport.close();
 * await protocol.waitLost();
 * protocol.assertGrammar({ complete: true });
 */
export class RecordingProtocol implements Protocol {
  /** Every callback, oldest first. */
  readonly events: StreamEvent[] = [];
  /** `pauseWriting`/`resumeWriting` with the write buffer size at the time. */
  readonly flowEvents: FlowEvent[] = [];
  /** The transport `connectionMade` got (`null` before). */
  transport: Transport | null = null;
  /** See {@link RecordingProtocolOptions.throwFrom}. */
  throwFrom: StreamCallbackName | null;
  /** See {@link RecordingProtocolOptions.error}. */
  error: Error | null;
  /** See {@link RecordingProtocolOptions.eofResult}. */
  eofResult: unknown;
  /** See {@link RecordingProtocolOptions.hooks}. */
  hooks: RecordingHooks;
  /** True for the buffered variant ({@link RecordingBufferedProtocol}). */
  get buffered(): boolean {
    return false;
  }
  /** The error `connectionLost` got (`undefined` until it is called). */
  lostWith: Error | null | undefined = undefined;
  #chunks: Uint8Array[] = [];
  #receivedLength = 0;
  readonly #waiters = new ConditionWaiters<RecordingProtocol>(
    this,
    (p) => p.isLost,
    (what) => this.#lostBefore(what),
  );

  constructor(options: RecordingProtocolOptions = {}) {
    this.throwFrom = options.throwFrom ?? null;
    this.error = options.error ?? null;
    this.eofResult = options.eofResult;
    this.hooks = options.hooks ?? {};
  }

  connectionMade(transport: Transport): void {
    this.transport = transport;
    this._record('connectionMade');
  }

  dataReceived(data: Uint8Array): void {
    // Kept as given: SPEC says the transport never reuses it, and a test may check identity.
    this._addBytes(data);
    this._record(['dataReceived', data]);
  }

  eofReceived(): unknown {
    this._record('eofReceived');
    return this.eofResult;
  }

  pauseWriting(): void {
    this.flowEvents.push({
      event: 'pauseWriting',
      writeBufferSize: this.transport?.getWriteBufferSize() ?? -1,
    });
    this._record('pauseWriting');
  }

  resumeWriting(): void {
    this.flowEvents.push({
      event: 'resumeWriting',
      writeBufferSize: this.transport?.getWriteBufferSize() ?? -1,
    });
    this._record('resumeWriting');
  }

  connectionLost(exc: Error | null): void {
    this.lostWith = exc;
    this._record(['connectionLost', exc]);
  }

  /** Every byte received so far, in one buffer. */
  received(): Buffer {
    return Buffer.concat(this.#chunks, this.#receivedLength);
  }

  /** The received bytes decoded as UTF-8. */
  text(): string {
    return this.received().toString('utf8');
  }

  /** How many bytes were received. */
  get receivedLength(): number {
    return this.#receivedLength;
  }

  /** The names of the recorded callbacks, in order. */
  names(): StreamCallbackName[] {
    return this.events.map(eventName);
  }

  /** How many times `name` was called. */
  count(name: StreamCallbackName): number {
    let n = 0;
    for (const event of this.events) if (eventName(event) === name) n++;
    return n;
  }

  /** True once `connectionLost` was called. */
  get isLost(): boolean {
    return this.lostWith !== undefined;
  }

  /** Checks the event log with {@link assertStreamGrammar} (in the mode of this protocol kind). */
  assertGrammar(options: Omit<StreamGrammarOptions, 'buffered'> = {}): void {
    assertStreamGrammar(this.events, { ...options, buffered: this.buffered });
  }

  /**
   * Resolves once `test(this)` holds (checked now and after every callback). Rejects if
   * `connectionLost` comes first and the condition still does not hold.
   */
  waitUntil(test: (protocol: RecordingProtocol) => boolean, what = 'a condition'): Promise<void> {
    return this.#waiters.until(test, what);
  }

  /** Resolves once `name` was called (at least `times` times, default 1). */
  waitFor(name: StreamCallbackName, times = 1): Promise<void> {
    return this.waitUntil((p) => p.count(name) >= times, `${name} x${times}`);
  }

  /** Resolves with the transport once `connectionMade` was called. */
  async waitMade(): Promise<Transport> {
    await this.waitFor('connectionMade');
    return this.transport as Transport;
  }

  /** Resolves once `eofReceived` was called; rejects if the connection is lost without it. */
  waitEof(): Promise<void> {
    return this.waitFor('eofReceived');
  }

  /** Resolves with `connectionLost`'s argument once it was called. Never rejects. */
  async waitLost(): Promise<Error | null> {
    await this.waitUntil((p) => p.isLost, 'connectionLost');
    return this.lostWith as Error | null;
  }

  /** Resolves with all bytes received once at least `n` came; rejects if the connection is lost first. */
  async waitBytes(n: number): Promise<Buffer> {
    await this.waitUntil((p) => p.receivedLength >= n, `${n} bytes`);
    return this.received();
  }

  /** Records an event, runs its hook and settles waiters, then throws if told to. */
  protected _record(event: StreamEvent): void {
    this.events.push(event);
    const name = eventName(event);
    try {
      this.hooks[name]?.(this, event);
    } finally {
      this.#waiters.settle();
    }
    if (this.throwFrom === name) {
      throw this.error ?? new Error(`RecordingProtocol: ${name} failed on purpose`);
    }
  }

  /** Adds received bytes to the collected data (subclasses copy from their buffer first). */
  protected _addBytes(data: Uint8Array): void {
    this.#chunks.push(data);
    this.#receivedLength += data.byteLength;
  }

  #lostBefore(what: string): Error {
    const exc = this.lostWith;
    const cause = exc ? `: ${exc.name}: ${exc.message}` : ' (null)';
    return new Error(
      `connection lost before ${what}${cause}; ${this.#receivedLength} bytes received; events: ${this.names().join(', ')}`,
      { cause: exc ?? undefined },
    );
  }
}
