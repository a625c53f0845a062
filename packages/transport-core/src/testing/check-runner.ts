import assert from 'node:assert/strict';
import type { AbstractEventLoop, ExceptionContext, ExceptionHandler } from '../event-loop.js';
import { RecordingLogger } from './recording-logger.js';
import { withTimeout } from './with-timeout.js';

/** What the suite hands a factory for one connection or endpoint. */
export interface ConformanceContextOf<P> {
  /**
   * Makes the protocol the connection must use: pass it to the loop method (or call it
   * once). Each check configures it (a callback that throws, a return value, ...).
   */
  readonly protocolFactory: () => P;
  /** Give this to the loop (`new EventLoop({ logger: ctx.logger })`): the suite reads warnings from it. */
  readonly logger: RecordingLogger;
  /**
   * Install this on the loop before connecting (`loop.setExceptionHandler(ctx.exceptionHandler)`):
   * the suite reads reported errors from it.
   */
  readonly exceptionHandler: ExceptionHandler;
  /**
   * Registers a cleanup that runs after the check even if the factory rejects (e.g. the
   * server and loop when `connectionMade` throws and the connection fails). Run in
   * reverse order, each bounded in time; errors are ignored.
   */
  addCleanup(fn: () => unknown): void;
}

/** What every pair a factory makes has. */
export interface PairBase {
  readonly loop: AbstractEventLoop;
  close(): Promise<void>;
}

/** What a check runs with, whatever the transport kind. */
export interface RunEnv<Pair extends PairBase, P> {
  /** The connected pair (throws before `connect()`). */
  readonly pair: Pair;
  /** The last protocol the factory made (also when connecting failed). */
  readonly lastProtocol: P | null;
  /** What the factory gets (for checks that connect in their own way). */
  readonly ctx: ConformanceContextOf<P>;
  /** Every context the loop's exception handler got. */
  readonly exceptions: ExceptionContext[];
  readonly logger: RecordingLogger;
  /** Calls the factory (done before the check unless it connects itself). */
  connect(): Promise<Pair>;
  /** `promise`, bounded by the suite's timeout. */
  wait<T>(promise: PromiseLike<T>, what: string): Promise<T>;
  /** Lets `n` rounds of I/O and loop callbacks happen (not a timed sleep). */
  turns(n?: number): Promise<void>;
}

/** How to run one check. */
export interface RunSpec<Pair extends PairBase, P> {
  makeProtocol(): P;
  factory(ctx: ConformanceContextOf<P>): Promise<Pair>;
  timeoutMs: number;
  /** The check calls `env.connect()` itself. */
  manualConnect?: boolean | undefined;
  /** The check expects exception-handler calls (otherwise any is a failure). */
  expectsExceptions?: boolean | undefined;
  run(env: RunEnv<Pair, P>): Promise<void>;
  /** The invariants every pair must satisfy at the end (it may end the connection first). */
  assertEnds(env: RunEnv<Pair, P>, pair: Pair): Promise<void>;
}

/** A pair with the parts every kind has (stream or datagram). */
export interface ViewablePair extends PairBase {
  readonly transport: unknown;
  readonly protocol: unknown;
  readonly peer: unknown;
}

/** The pair's parts as properties of a check's environment (read when used). */
export interface PairView<Pair extends ViewablePair> {
  readonly transport: Pair['transport'];
  readonly protocol: Pair['protocol'];
  readonly peer: Pair['peer'];
  readonly loop: AbstractEventLoop;
}

/** A check's environment: `base`, the pair's parts, and `extra` (capabilities, ...). */
export function envWithPair<Pair extends ViewablePair, P, X extends object>(
  base: RunEnv<Pair, P>,
  extra: X,
): RunEnv<Pair, P> & PairView<Pair> & X {
  const env = {
    get pair() {
      return base.pair;
    },
    get transport() {
      return base.pair.transport;
    },
    get protocol() {
      return base.pair.protocol;
    },
    get peer() {
      return base.pair.peer;
    },
    get loop() {
      return base.pair.loop;
    },
    get lastProtocol() {
      return base.lastProtocol;
    },
    ctx: base.ctx,
    exceptions: base.exceptions,
    logger: base.logger,
    connect: base.connect,
    wait: base.wait,
    turns: base.turns,
  };
  return Object.assign(env, extra);
}

/**
 * Validates the arguments of a `define*Conformance` call.
 * @throws TypeError when `t` lacks `describe`/`it` or `factory` is not a function.
 */
export function validateSuiteArgs(t: unknown, factory: unknown): void {
  const registrar = t as { describe?: unknown; it?: unknown } | null;
  if (
    registrar === null ||
    typeof registrar !== 'object' ||
    typeof registrar.describe !== 'function' ||
    typeof registrar.it !== 'function'
  ) {
    throw new TypeError(
      't must have describe() and it() (e.g. { describe, it } from your test framework)',
    );
  }
  if (typeof factory !== 'function')
    throw new TypeError('factory must be a function making a connected pair');
}

function turn(loop: AbstractEventLoop | undefined): Promise<void> {
  return new Promise((resolve) => {
    setImmediate(() => {
      if (loop === undefined || loop.isClosed()) resolve();
      else loop.callSoon(resolve);
    });
  });
}

/**
 * Runs one check: connect, run, check the end invariants and that nothing unexpected
 * reached the exception handler; always frees the pair and runs the cleanups.
 */
export async function runConformance<Pair extends PairBase, P>(
  spec: RunSpec<Pair, P>,
): Promise<void> {
  const cleanups: Array<() => unknown> = [];
  const exceptions: ExceptionContext[] = [];
  const logger = new RecordingLogger();
  let lastProtocol: P | null = null;
  let pair: Pair | null = null;
  const wait = <T>(promise: PromiseLike<T>, what: string): Promise<T> =>
    withTimeout(promise, spec.timeoutMs, what);
  const ctx: ConformanceContextOf<P> = {
    protocolFactory: () => {
      const protocol = spec.makeProtocol();
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
  const connected = (): Pair => {
    if (pair === null) throw new Error('the check did not connect');
    return pair;
  };
  const env: RunEnv<Pair, P> = {
    get pair() {
      return connected();
    },
    get lastProtocol() {
      return lastProtocol;
    },
    ctx,
    exceptions,
    logger,
    connect: async () => {
      pair = await wait(spec.factory(ctx), 'the factory to connect');
      return pair;
    },
    wait,
    turns: async (n = 4) => {
      for (let i = 0; i < n; i++) await turn((pair as Pair | null)?.loop);
    },
  };
  try {
    if (!spec.manualConnect) await env.connect();
    await spec.run(env);
    if (pair !== null) await spec.assertEnds(env, pair);
    if (!spec.expectsExceptions) {
      assert.deepEqual(
        exceptions.map((context) => context.message),
        [],
        'the loop exception handler was called unexpectedly',
      );
    }
  } finally {
    const done = pair as Pair | null;
    if (done !== null)
      await withTimeout(done.close(), spec.timeoutMs, 'pair.close()').catch(() => {});
    for (const cleanup of cleanups.reverse()) {
      await withTimeout(Promise.resolve().then(cleanup), spec.timeoutMs, 'a cleanup').catch(
        () => {},
      );
    }
  }
}
