/**
 * The kit must catch broken transports: each mutant below breaks one SPEC rule, and the
 * checks named for it must fail against it (while the plain MemoryTransport passes them
 * all, see memory-transport.conformance.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { EventLoop } from '../../../loop/src/index.js';
import type { Protocol, StreamProtocol } from '../protocols.js';
import type { ConformanceFactory, ConformanceOptions, TestRegistrar } from './conformance-types.js';
import { defineTransportConformance } from './define-transport-conformance.js';
import { MemoryPeer } from './memory-peer.js';
import { MemoryTransport } from './memory-transport.js';

type Ctor = new (loop: EventLoop, protocol: StreamProtocol) => MemoryTransport;

/** Registers the suite into a map `'<kind> > <title>' -> check` instead of a framework. */
function collect(
  factory: ConformanceFactory,
  options?: ConformanceOptions,
): Map<string, () => Promise<void>> {
  const checks = new Map<string, () => Promise<void>>();
  const path: string[] = [];
  const registrar: TestRegistrar = {
    describe(name, fn) {
      path.push(name);
      fn();
      path.pop();
    },
    it(name, fn) {
      checks.set(`${path[1]} > ${name}`, fn);
    },
  };
  defineTransportConformance(registrar, 'kit', factory, { timeoutMs: 1000, ...options });
  return checks;
}

function factoryOf(Transport: Ctor): ConformanceFactory {
  return async (ctx) => {
    const loop = new EventLoop({ logger: ctx.logger });
    loop.setExceptionHandler(ctx.exceptionHandler);
    ctx.addCleanup(() => loop.close());
    const protocol = ctx.protocolFactory();
    const transport = new Transport(loop, protocol);
    await transport.start();
    return {
      loop,
      transport,
      protocol,
      peer: new MemoryPeer(transport),
      close: async () => transport.abort(),
    };
  };
}

class DoubleConnectionLost extends MemoryTransport {
  override _callConnectionLost(exc: Error | null): void {
    super._callConnectionLost(exc);
    this._protocol.connectionLost?.(exc);
  }
}

class IgnoresReadState extends MemoryTransport {
  override feed(data: ArrayBufferView): void {
    (this._protocol as Protocol).dataReceived?.(
      Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    );
  }
}

class PauseReadingNoop extends MemoryTransport {
  override pauseReading(): void {}
}

class AlwaysClosesOnEof extends MemoryTransport {
  override feedEof(): void {
    (this._protocol as Protocol).eofReceived?.();
    this.close();
  }
}

class PausesEveryWrite extends MemoryTransport {
  protected override _maybePauseProtocol(): void {
    if (this.getWriteBufferSize() > this.getWriteBufferLimits()[1]) this._protocol.pauseWriting?.();
  }
}

class ThrowsAfterClose extends MemoryTransport {
  override write(data: ArrayBufferView): void {
    if (this.isClosing()) throw new Error('closed');
    super.write(data);
  }
}

class NeverWarns extends MemoryTransport {
  protected override _dropWrite(): void {}
}

class EmptyChunks extends MemoryTransport {
  override feed(data: ArrayBufferView): void {
    super.feed(data);
    (this._protocol as Protocol).dataReceived?.(Buffer.alloc(0));
  }
}

class SyncConnectionLost extends MemoryTransport {
  override close(): void {
    super.close();
    this._callConnectionLost(null);
  }
}

class SilentCallbackFailure extends MemoryTransport {
  override _callbackFailed(err: unknown): void {
    this._forceClose(err as Error);
  }
}

class AcceptsStrings extends MemoryTransport {
  override write(data: ArrayBufferView): void {
    super.write(typeof data === 'string' ? Buffer.from(data) : data);
  }
}

class AbortFlushes extends MemoryTransport {
  override abort(): void {
    this.close();
  }
}

const MUTANTS: ReadonlyArray<[string, Ctor, readonly string[]]> = [
  [
    'connectionLost twice',
    DoubleConnectionLost,
    ['Protocol > close() and abort() are idempotent; isClosing() is true from the first call'],
  ],
  [
    'data delivered regardless of state',
    IgnoresReadState,
    [
      'Protocol > pauseReading() stops delivery until resumeReading()',
      'Protocol > no data is delivered after close()',
    ],
  ],
  [
    'pauseReading() does nothing',
    PauseReadingNoop,
    ['Protocol > pauseReading() inside connectionMade holds data until resumeReading()'],
  ],
  [
    'eofReceived() result ignored',
    AlwaysClosesOnEof,
    ['Protocol > eofReceived returning true keeps the transport open for writing'],
  ],
  [
    'pauseWriting on every write above high',
    PausesEveryWrite,
    ['Protocol > pauseWriting only above high, resumeWriting at or below low, once each'],
  ],
  [
    'write() after close() throws',
    ThrowsAfterClose,
    ['Protocol > write() after close() is dropped, never throws, warns from the 5th'],
  ],
  [
    'no warning for dropped writes',
    NeverWarns,
    ['Protocol > write() after abort() is dropped, never throws, warns from the 5th'],
  ],
  [
    'empty dataReceived',
    EmptyChunks,
    ['Protocol > data arrives complete and in order, never empty'],
  ],
  [
    'connectionLost inside close()',
    SyncConnectionLost,
    ['Protocol > close() and abort() are idempotent; isClosing() is true from the first call'],
  ],
  [
    'callback failures not reported',
    SilentCallbackFailure,
    [
      'Protocol > a throwing dataReceived() closes the transport with that error and is reported',
      'BufferedProtocol > a throwing bufferUpdated() closes the transport with that error and is reported',
    ],
  ],
  [
    'write() accepts strings',
    AcceptsStrings,
    ['Protocol > write() of anything not bytes-like throws TypeError and writes nothing'],
  ],
  [
    'abort() flushes',
    AbortFlushes,
    ['Protocol > abort() drops buffered data and calls connectionLost(null)'],
  ],
];

describe('the conformance kit catches broken transports', () => {
  for (const [what, Transport, titles] of MUTANTS) {
    for (const title of titles) {
      it(`${what}: fails "${title}"`, async () => {
        const check = collect(factoryOf(Transport)).get(title);
        expect(check, `no check titled "${title}"`).toBeDefined();
        const err = await check?.().then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(Error);
      });
    }
  }

  it('the unbroken MemoryTransport passes the same checks', async () => {
    const checks = collect(factoryOf(MemoryTransport));
    for (const [, , titles] of MUTANTS) for (const title of titles) await checks.get(title)?.();
  });

  it('registers the checks a capability needs only when the transport has it', () => {
    const all = collect(factoryOf(MemoryTransport));
    const limited = collect(factoryOf(MemoryTransport), {
      capabilities: { backpressure: false, writeEof: false, reset: false, buffered: false },
    });
    expect(limited.size).toBeLessThan(all.size / 2);
    expect([...limited.keys()].some((k) => k.startsWith('BufferedProtocol'))).toBe(false);
    expect(limited.has('Protocol > canWriteEof() false: writeEof() throws')).toBe(true);
    expect(
      limited.has('Protocol > abort() drops buffered data and calls connectionLost(null)'),
    ).toBe(false);
  });

  it('failingConnect: passes an OS error with no callbacks; fails otherwise', async () => {
    const title =
      'Protocol > a failed connect rejects with the OS error and calls no protocol callback';
    const refused = () =>
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const run = (failingConnect: ConformanceOptions['failingConnect']) =>
      collect(factoryOf(MemoryTransport), { failingConnect }).get(title)?.();
    await run(async (ctx) => {
      ctx.protocolFactory();
      throw refused();
    });
    await expect(run(async () => undefined)).rejects.toThrow(/rejects with an Error/);
    await expect(
      run(async () => {
        throw new Error('no code');
      }),
    ).rejects.toThrow(/its code/);
    await expect(
      run(async (ctx) => {
        ctx.protocolFactory().connectionMade({} as never);
        throw refused();
      }),
    ).rejects.toThrow(/no protocol callback/);
  });

  it('rejects a registrar without describe/it and a factory that is not a function', () => {
    expect(() =>
      defineTransportConformance({} as TestRegistrar, 'x', factoryOf(MemoryTransport)),
    ).toThrow(TypeError);
    expect(() =>
      defineTransportConformance(
        { describe() {}, it() {} },
        'x',
        'nope' as unknown as ConformanceFactory,
      ),
    ).toThrow(TypeError);
  });
});
