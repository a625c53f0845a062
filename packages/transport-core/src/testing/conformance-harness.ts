import assert from 'node:assert/strict';
import type { AbstractEventLoop, ExceptionContext } from '../event-loop.js';
import type { Transport } from '../transports.js';
import { envWithPair, type RunEnv, runConformance } from './check-runner.js';
import type {
  ConformanceCapabilities,
  ConformanceFactory,
  ConformancePair,
  ConformancePeer,
} from './conformance-types.js';
import {
  RecordingBufferedProtocol,
  type RecordingBufferedProtocolOptions,
} from './recording-buffered-protocol.js';
import { RecordingProtocol } from './recording-protocol.js';

/** Everything a stream check works with. */
export interface CheckEnv extends RunEnv<ConformancePair, RecordingProtocol> {
  readonly transport: Transport;
  readonly protocol: RecordingProtocol;
  readonly peer: ConformancePeer;
  readonly loop: AbstractEventLoop;
  readonly caps: ConformanceCapabilities;
  /** True in the `BufferedProtocol` run. */
  readonly buffered: boolean;
  readonly maxFillBytes: number;
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

/** Lets a paused peer read again and checks it reads exactly `data` (in order, all of it). */
export async function resumePeerAndRead(env: CheckEnv, data: Uint8Array): Promise<void> {
  env.peer.resumeReading();
  const got = await env.wait(env.peer.readExactly(data.byteLength), 'the peer to read everything');
  assertBytesEqual(got, data, 'data the peer read');
}

/** The exception-handler contexts whose message is `message`. */
export function contextsWithMessage(env: CheckEnv, message: string): ExceptionContext[] {
  return env.exceptions.filter((context) => context.message === message);
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

/** The stream view of a run's environment. */
function streamEnv(
  base: RunEnv<ConformancePair, RecordingProtocol>,
  caps: ConformanceCapabilities,
  buffered: boolean,
  maxFillBytes: number,
): CheckEnv {
  return envWithPair(base, { caps, buffered, maxFillBytes });
}

/** Runs one stream check: connect, run, then the invariants every connection must satisfy. */
export function runCheck(
  check: ConformanceCheck,
  factory: ConformanceFactory,
  caps: ConformanceCapabilities,
  buffered: boolean,
  timeoutMs: number,
  maxFillBytes: number,
): Promise<void> {
  return runConformance<ConformancePair, RecordingProtocol>({
    makeProtocol: () => {
      const protocol: RecordingProtocol = buffered
        ? new RecordingBufferedProtocol({ bufferSize: BUFFERED_RUN_BUFFER, ...check.protocol })
        : new RecordingProtocol(check.protocol);
      check.configure?.(protocol);
      return protocol;
    },
    factory,
    timeoutMs,
    manualConnect: check.manualConnect,
    expectsExceptions: check.expectsExceptions,
    run: (base) => check.run(streamEnv(base, caps, buffered, maxFillBytes)),
    assertEnds: (base, pair) =>
      assertConnectionEnds(streamEnv(base, caps, buffered, maxFillBytes), pair),
  });
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
