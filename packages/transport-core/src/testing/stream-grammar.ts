import { AssertionError } from 'node:assert';

/** The names of the stream protocol callbacks a recording protocol logs. */
export type StreamCallbackName =
  | 'connectionMade'
  | 'dataReceived'
  | 'getBuffer'
  | 'bufferUpdated'
  | 'eofReceived'
  | 'pauseWriting'
  | 'resumeWriting'
  | 'connectionLost';

/**
 * One recorded callback. Callbacks without a useful argument are their name; the
 * others are `[name, argument]`:
 * `['dataReceived', bytes]`, `['getBuffer', sizehint]`, `['bufferUpdated', nbytes]`,
 * `['connectionLost', exc]`.
 */
export type StreamEvent =
  | 'connectionMade'
  | 'eofReceived'
  | 'pauseWriting'
  | 'resumeWriting'
  | readonly ['dataReceived', Uint8Array]
  | readonly ['getBuffer', number]
  | readonly ['bufferUpdated', number]
  | readonly ['connectionLost', Error | null];

/** Options of {@link assertStreamGrammar}. */
export interface StreamGrammarOptions {
  /**
   * `true`: the log is of a `BufferedProtocol` (`dataReceived` is an error); `false`: of a
   * plain `Protocol` (`getBuffer`/`bufferUpdated` are errors). Default: whichever the log
   * shows first.
   */
  buffered?: boolean;
  /** Require the log to end with `connectionLost` (the connection is over). Default false. */
  complete?: boolean;
}

/** The name of an event. */
export function eventName(event: StreamEvent): StreamCallbackName {
  return typeof event === 'string' ? event : event[0];
}

/**
 * The states of a stream connection as its protocol sees it (SPEC §4 rules 1-3):
 * ```
 * start -> connectionMade -> made
 * made  -> dataReceived | getBuffer -> bufferUpdated? | pauseWriting | resumeWriting -> made
 * made  -> eofReceived -> eof
 * eof   -> pauseWriting | resumeWriting -> eof
 * made | eof -> connectionLost -> lost
 * ```
 * Nothing leaves `lost`. `pauseWriting`/`resumeWriting` strictly alternate, pause first.
 */
type GrammarState = 'start' | 'made' | 'eof' | 'lost';

/** Which callbacks each state allows (the transition table of the grammar above). */
const ALLOWED: Readonly<Record<GrammarState, ReadonlySet<StreamCallbackName>>> = {
  start: new Set(['connectionMade']),
  made: new Set([
    'dataReceived',
    'getBuffer',
    'bufferUpdated',
    'eofReceived',
    'pauseWriting',
    'resumeWriting',
    'connectionLost',
  ]),
  eof: new Set(['pauseWriting', 'resumeWriting', 'connectionLost']),
  lost: new Set(),
};

const NEXT: Partial<Record<StreamCallbackName, GrammarState>> = {
  connectionMade: 'made',
  eofReceived: 'eof',
  connectionLost: 'lost',
};

function describeEvent(event: StreamEvent): string {
  if (typeof event === 'string') return event;
  const [name, arg] = event;
  if (arg instanceof Uint8Array) return `${name}(<${arg.byteLength} bytes>)`;
  if (arg instanceof Error) return `${name}(${arg.name}: ${arg.message})`;
  return `${name}(${String(arg)})`;
}

/** A one-line rendering of an event log, for assertion messages. */
export function formatEvents(events: readonly StreamEvent[]): string {
  return `[${events.map(describeEvent).join(', ')}]`;
}

function fail(events: readonly StreamEvent[], index: number, why: string): never {
  throw new AssertionError({
    message: `stream protocol grammar violated at event ${index} (${describeEvent(events[index] ?? 'connectionMade')}): ${why}\n  events: ${formatEvents(events)}`,
  });
}

/**
 * Checks a stream protocol's callback log against SPEC §4 rules 1-3: `connectionMade`
 * first and once; `connectionLost` at most once and last; data non-empty; no data after
 * `eofReceived`; `eofReceived` at most once; for buffered protocols every
 * `bufferUpdated(n)` (n > 0) follows a `getBuffer`; `pauseWriting`/`resumeWriting`
 * alternate, pause first.
 *
 * @throws AssertionError naming the first offending event and showing the whole log.
 * @example
 * assertStreamGrammar(protocol.events, { complete: true });
 */
export function assertStreamGrammar(
  events: readonly StreamEvent[],
  options: StreamGrammarOptions = {},
): void {
  let buffered = options.buffered;
  let state: GrammarState = 'start';
  let writingPaused = false;
  let lastWasGetBuffer = false;
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as StreamEvent;
    const name = eventName(event);
    if (!ALLOWED[state].has(name)) {
      const why =
        state === 'start'
          ? `the first callback must be connectionMade, got ${name}`
          : state === 'lost'
            ? `${name} after connectionLost (nothing may follow it)`
            : name === 'connectionMade'
              ? 'connectionMade called twice'
              : `${name} after eofReceived`;
      fail(events, i, why);
    }
    switch (name) {
      case 'dataReceived': {
        if (buffered === true) fail(events, i, 'dataReceived on a BufferedProtocol');
        buffered = false;
        const data = (event as readonly ['dataReceived', Uint8Array])[1];
        if (!(data instanceof Uint8Array))
          fail(events, i, 'dataReceived with something not a Uint8Array');
        if (data.byteLength === 0) fail(events, i, 'dataReceived with empty data');
        break;
      }
      case 'getBuffer':
        if (buffered === false) fail(events, i, 'getBuffer on a plain Protocol');
        buffered = true;
        break;
      case 'bufferUpdated': {
        if (buffered === false) fail(events, i, 'bufferUpdated on a plain Protocol');
        buffered = true;
        if (!lastWasGetBuffer) fail(events, i, 'bufferUpdated without a getBuffer just before it');
        const n = (event as readonly ['bufferUpdated', number])[1];
        if (!Number.isInteger(n) || n <= 0)
          fail(events, i, `bufferUpdated(${n}): nbytes must be a positive integer`);
        break;
      }
      case 'pauseWriting':
        if (writingPaused) fail(events, i, 'pauseWriting twice without resumeWriting between');
        writingPaused = true;
        break;
      case 'resumeWriting':
        if (!writingPaused) fail(events, i, 'resumeWriting without a pauseWriting before it');
        writingPaused = false;
        break;
      default:
        break;
    }
    // pause/resumeWriting may run inside the protocol's own bufferUpdated-triggered writes,
    // so they do not break a getBuffer -> bufferUpdated pair.
    if (name !== 'pauseWriting' && name !== 'resumeWriting')
      lastWasGetBuffer = name === 'getBuffer';
    state = NEXT[name] ?? state;
  }
  if (options.complete === true && state !== 'lost') {
    throw new AssertionError({
      message: `stream protocol grammar: the connection is not over (no connectionLost)\n  events: ${formatEvents(events)}`,
    });
  }
}
