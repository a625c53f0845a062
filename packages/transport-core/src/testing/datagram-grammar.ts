import { AssertionError } from 'node:assert';
import type { Address } from '../address.js';

/** The names of the datagram protocol callbacks a recording protocol logs. */
export type DatagramCallbackName =
  | 'connectionMade'
  | 'datagramReceived'
  | 'errorReceived'
  | 'pauseWriting'
  | 'resumeWriting'
  | 'connectionLost';

/**
 * One recorded datagram callback: `'connectionMade'`, `'pauseWriting'`, `'resumeWriting'`,
 * `['datagramReceived', data, addr]`, `['errorReceived', exc]`, `['connectionLost', exc]`.
 */
export type DatagramEvent =
  | 'connectionMade'
  | 'pauseWriting'
  | 'resumeWriting'
  | readonly ['datagramReceived', Uint8Array, Address | null]
  | readonly ['errorReceived', Error]
  | readonly ['connectionLost', Error | null];

/** The name of a datagram event. */
export function datagramEventName(event: DatagramEvent): DatagramCallbackName {
  return typeof event === 'string' ? event : event[0];
}

function describe(event: DatagramEvent): string {
  if (typeof event === 'string') return event;
  if (event[0] === 'datagramReceived') return `datagramReceived(<${event[1].byteLength} bytes>)`;
  const exc = event[1];
  return `${event[0]}(${exc === null ? 'null' : `${exc.name}: ${exc.message}`})`;
}

/** A one-line rendering of a datagram event log, for assertion messages. */
export function formatDatagramEvents(events: readonly DatagramEvent[]): string {
  return `[${events.map(describe).join(', ')}]`;
}

/**
 * Checks a datagram protocol's callback log against its grammar (SPEC §4.1, §4.12):
 * ```
 * start -> connectionMade -> (datagramReceived | errorReceived | pauseWriting | resumeWriting)* -> connectionLost -> end
 * ```
 * `connectionMade` first and once; `connectionLost` at most once and last; datagrams are
 * `Uint8Array`s (empty ones allowed); `errorReceived` gets an `Error`;
 * `pauseWriting`/`resumeWriting` alternate, pause first.
 * @param options.complete also require the log to end with `connectionLost`.
 * @throws AssertionError naming the first offending event and showing the log.
 */
export function assertDatagramGrammar(
  events: readonly DatagramEvent[],
  options: { complete?: boolean } = {},
): void {
  const fail = (index: number, why: string): never => {
    throw new AssertionError({
      message: `datagram protocol grammar violated at event ${index}: ${why}\n  events: ${formatDatagramEvents(events)}`,
    });
  };
  let made = false;
  let lost = false;
  let paused = false;
  events.forEach((event, i) => {
    const name = datagramEventName(event);
    if (lost) fail(i, `${name} after connectionLost (nothing may follow it)`);
    if (!made && name !== 'connectionMade')
      fail(i, `the first callback must be connectionMade, got ${name}`);
    switch (name) {
      case 'connectionMade':
        if (made) fail(i, 'connectionMade called twice');
        made = true;
        break;
      case 'datagramReceived':
        if (!((event as readonly [string, unknown])[1] instanceof Uint8Array)) {
          fail(i, 'datagramReceived with something not a Uint8Array');
        }
        break;
      case 'errorReceived':
        if (!((event as readonly [string, unknown])[1] instanceof Error))
          fail(i, 'errorReceived without an Error');
        break;
      case 'pauseWriting':
        if (paused) fail(i, 'pauseWriting twice without resumeWriting between');
        paused = true;
        break;
      case 'resumeWriting':
        if (!paused) fail(i, 'resumeWriting without a pauseWriting before it');
        paused = false;
        break;
      case 'connectionLost':
        lost = true;
        break;
    }
  });
  if (options.complete === true && !lost) {
    throw new AssertionError({
      message: `datagram protocol grammar: the endpoint is not closed (no connectionLost)\n  events: ${formatDatagramEvents(events)}`,
    });
  }
}
