import assert from 'node:assert/strict';
import type { AbstractEventLoop, ExceptionContext } from '../event-loop.js';
import type { Transport } from '../transports.js';
import type {
  ConformanceCapabilities,
  ConformanceContext,
  ConformanceFactory,
  ConformancePair,
  ConformancePeer,
} from './conformance-types.js';
import {
  RecordingBufferedProtocol,
  type RecordingBufferedProtocolOptions,
} from './recording-buffered-protocol.js';
import { RecordingLogger } from './recording-logger.js';
import { RecordingProtocol } from './recording-protocol.js';
import { withTimeout } from './with-timeout.js';

/** Everything a check works with. */
export interface CheckEnv {
  /** The connected pair (throws before `connect()` for `manualConnect` checks). */
  readonly pair: ConformancePair;
  readonly transport: Transport;
  readonly protocol: RecordingProtocol;
  readonly peer: ConformancePeer;
  readonly loop: AbstractEventLoop;
  readonly caps: ConformanceCapabilities;
  /** True in the `BufferedProtocol` run. */
  readonly buffered: boolean;
  /** Every context the loop's exception handler got. */
  readonly exceptions: ExceptionContext[];
  readonly logger: RecordingLogger;
  readonly maxFillBytes: number;
  /** The last protocol the factory made (also when connecting failed). */
  readonly lastProtocol: RecordingProtocol | null;
  /** Calls the factory (done before `run` unless the check is `manualConnect`). */
  connect(): Promise<ConformancePair>;
  /** `promise`, bounded by the suite's timeout. */
  wait<T>(promise: PromiseLike<T>, what: string): Promise<T>;
  /** Lets `n` rounds of I/O and loop callbacks happen (not a timed sleep). */
  turns(n?: number): Promise<void>;
}

/** One conformance check. */
export interface ConformanceCheck {
  readonly title: string;
  /** Registered only when this holds. Default: always. */
  readonly when?: (caps: ConformanceCapabilities, buffered: boolean) => boolean;
  /** How to make the protocol (buffered options are ignored in the plain run). */
  readonly protocol?: RecordingBufferedProtocolOptions;
  /** Run inside `protocolFactory`, after making the protocol. */
  readonly configure?: (protocol: RecordingProtocol) => void;
  /** The check calls `env.connect()` itself. */
  readonly manualConnect?: boolean;
  /** The check expects exception-handler calls (otherwise any is a failure). */
  readonly expectsExceptions?: boolean;
  run(env: CheckEnv): Promise<void>;
}

/** A titled list of checks (one `describe`). */
export interface CheckGroup {
  readonly title: string;
  readonly checks: readonly ConformanceCheck[];
}

/** Buffer size of the protocols in the buffered run: small, so reads take many rounds. */
const BUFFERED_RUN_BUFFER = 4096;

/** `n` bytes of a deterministic pattern (so order errors show), different per `seed`. */
export function pattern(n: number, seed = 0): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return out;
}

/** Asserts two byte strings are equal without dumping megabytes into the message. */
export function assertBytesEqual(actual: Uint8Array, expected: Uint8Array, what: string): void {
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const e = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  if (a.equals(e)) return;
  let i = 0;
  while (i < a.length && i < e.length && a[i] === e[i]) i++;
  assert.fail(
    `${what}: got ${a.length} bytes, expected ${e.length}; first difference at offset ${i}`,
  );
}

/**
 * Waits until the peer saw the transport's end, then ends the peer's side too, as a
 * well-behaved peer does: a TLS transport's `close()` completes only once the peer
 * answers its close_notify. Returns the bytes the peer read until the end.
 */
export async function answerEnd(env: CheckEnv): Promise<Buffer> {
  const rest = await env.wait(env.peer.readUntilEnd(), 'the peer to see the end');
  await env.wait(
    env.peer.end().catch(() => {}),
    'peer.end',
  );
  return Buffer.from(rest.buffer, rest.byteOffset, rest.byteLength);
}

/** The exception-handler contexts whose message is `message`. */
export function contextsWithMessage(env: CheckEnv, message: string): ExceptionContext[] {
  return env.exceptions.filter((context) => context.message === message);
}

function turn(loop: AbstractEventLoop): Promise<void> {
  return new Promise((resolve) => {
    setImmediate(() => {
      if (loop.isClosed()) resolve();
      else loop.callSoon(resolve);
    });
  });
}

/**
 * Writes `chunkSize` pieces until `done()` holds (checked after each write), calling
 * `afterWrite` after each; returns everything written. Fails past `maxFillBytes`.
 */
export function fill(
  env: CheckEnv,
  done: () => boolean,
  afterWrite: (written: number) => void = () => {},
  chunkSize = 64 * 1024,
): Buffer {
  const chunks: Buffer[] = [];
  let written = 0;
  let seed = 0;
  while (!done()) {
    if (written >= env.maxFillBytes) {
      assert.fail(
        `wrote ${written} bytes to a peer that does not read and the condition never held ` +
          `(write buffer size ${env.transport.getWriteBufferSize()}, events ${env.protocol.names().join(',')})`,
      );
    }
    const chunk = pattern(chunkSize, seed++);
    env.transport.write(chunk);
    chunks.push(chunk);
    written += chunk.byteLength;
    afterWrite(written);
  }
  return Buffer.concat(chunks, written);
}

/** Runs one check: connect, run, then the invariants every connection must satisfy. */
export async function runCheck(
  check: ConformanceCheck,
  factory: ConformanceFactory,
  caps: ConformanceCapabilities,
  buffered: boolean,
  timeoutMs: number,
  maxFillBytes: number,
): Promise<void> {
  const cleanups: Array<() => unknown> = [];
  const exceptions: ExceptionContext[] = [];
  const logger = new RecordingLogger();
  let lastProtocol: RecordingProtocol | null = null;
  let pair: ConformancePair | null = null;
  const wait = <T>(promise: PromiseLike<T>, what: string): Promise<T> =>
    withTimeout(promise, timeoutMs, what);
  const ctx: ConformanceContext = {
    protocolFactory: () => {
      const protocol: RecordingProtocol = buffered
        ? new RecordingBufferedProtocol({ bufferSize: BUFFERED_RUN_BUFFER, ...check.protocol })
        : new RecordingProtocol(check.protocol);
      check.configure?.(protocol);
      lastProtocol = protocol;
      return protocol;
    },
    logger,
    exceptionHandler: (_loop, context) => {
      exceptions.push(context);
    },
    addCleanup: (fn) => {
      cleanups.push(fn);
    },
  };
  const connected = (): ConformancePair => {
    if (pair === null) throw new Error('the check did not connect');
    return pair;
  };
  const env: CheckEnv = {
    get pair() {
      return connected();
    },
    get transport() {
      return connected().transport;
    },
    get protocol() {
      return connected().protocol;
    },
    get peer() {
      return connected().peer;
    },
    get loop() {
      return connected().loop;
    },
    get lastProtocol() {
      return lastProtocol;
    },
    caps,
    buffered,
    exceptions,
    logger,
    maxFillBytes,
    connect: async () => {
      pair = await wait(factory(ctx), 'the factory to connect');
      return pair;
    },
    wait,
    turns: async (n = 4) => {
      for (let i = 0; i < n; i++) await turn(connected().loop);
    },
  };
  try {
    if (!check.manualConnect) await env.connect();
    await check.run(env);
    if (pair !== null) await assertConnectionEnds(env, pair);
    if (!check.expectsExceptions) {
      assert.deepEqual(
        exceptions.map((context) => context.message),
        [],
        'the loop exception handler was called unexpectedly',
      );
    }
  } finally {
    if (pair !== null)
      await withTimeout((pair as ConformancePair).close(), timeoutMs, 'pair.close()').catch(
        () => {},
      );
    for (const cleanup of cleanups.reverse()) {
      await withTimeout(Promise.resolve().then(cleanup), timeoutMs, 'a cleanup').catch(() => {});
    }
  }
}

/** Ends the connection if the check did not, then checks it ended as SPEC §4.1-3 say. */
async function assertConnectionEnds(env: CheckEnv, pair: ConformancePair): Promise<void> {
  const { protocol, transport } = pair;
  if (!protocol.isLost) transport.abort();
  assert.equal(transport.isClosing(), true, 'isClosing() after close/abort/loss');
  await env.wait(protocol.waitLost(), 'connectionLost');
  await env.turns(3);
  assert.equal(protocol.count('connectionLost'), 1, 'connectionLost is called exactly once');
  assert.equal(protocol.count('connectionMade'), 1, 'connectionMade is called exactly once');
  protocol.assertGrammar({ complete: true });
  if (protocol instanceof RecordingBufferedProtocol) {
    assert.deepEqual(
      protocol.overflows,
      [],
      'bufferUpdated(n) never exceeds the buffer getBuffer returned',
    );
  }
  assert.equal(transport.isReading(), false, 'isReading() is false once closed (SPEC §6.4)');
  // Idempotent after the end too (SPEC §4.5, §4.7): none of these may throw.
  transport.close();
  transport.abort();
  transport.pauseReading();
  transport.resumeReading();
  await env.turns(1);
  assert.equal(
    protocol.count('connectionLost'),
    1,
    'no second connectionLost after close()/abort() on a lost transport',
  );
}
