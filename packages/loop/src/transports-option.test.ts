import type { ProviderMethodName, TlsEngine, TransportProvider } from '@x/transport-core';
import { METHOD_PACKAGES, TransportNotInstalledError } from '@x/transport-core';
import { afterEach, describe, expect, it } from 'vitest';
import { EventLoop } from './event-loop.js';

const EXPECTED_PACKAGE: Record<ProviderMethodName, string> = {
  createConnection: '@x/tcp',
  createServer: '@x/tcp',
  createUnixConnection: '@x/tcp',
  createUnixServer: '@x/tcp',
  connectAcceptedSocket: '@x/tcp',
  sendfile: '@x/tcp',
  createDatagramEndpoint: '@x/udp',
  startTls: '@x/ssl',
  subprocessExec: '@x/subprocess',
  subprocessShell: '@x/subprocess',
  connectReadPipe: '@x/subprocess',
  connectWritePipe: '@x/subprocess',
};
const METHODS = Object.keys(EXPECTED_PACKAGE) as ProviderMethodName[];

type AnyMethod = (...args: unknown[]) => Promise<unknown>;
function method(loop: EventLoop, name: ProviderMethodName): AnyMethod {
  return loop[name] as unknown as AnyMethod;
}

/** A provider passed alone rather than in an array. */
function tcpLike(): TransportProvider {
  return { packageName: '@x/tcp', methods: {} };
}

const loops: EventLoop[] = [];
function makeLoop(...providers: TransportProvider[]): EventLoop {
  const loop = new EventLoop({ transports: providers });
  loops.push(loop);
  return loop;
}

afterEach(() => {
  for (const loop of loops.splice(0)) loop.close();
});

describe('the transports option: a loop has the transports it is given', () => {
  it('METHOD_PACKAGES covers exactly the 12 provider methods', () => {
    expect(Object.keys(METHOD_PACKAGES).sort()).toEqual([...METHODS].sort());
  });

  it.each(METHODS)(
    '%s without its transport rejects with an Error naming the package',
    async (name) => {
      const loop = makeLoop();
      let returned: unknown;
      expect(() => {
        returned = method(loop, name)(() => ({}), 'a', 1);
      }).not.toThrow();
      expect(returned).toBeInstanceOf(Promise);
      const err = await (returned as Promise<unknown>).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TransportNotInstalledError);
      expect(err).toBeInstanceOf(Error);
      expect((err as TransportNotInstalledError).name).toBe('TransportNotInstalledError');
      expect((err as TransportNotInstalledError).packageName).toBe(EXPECTED_PACKAGE[name]);
      expect((err as Error).message).toContain(EXPECTED_PACKAGE[name]);
      expect((err as Error).message).toContain(`loop.${name}()`);
    },
  );

  it('getTlsEngine without @x/ssl throws an Error naming @x/ssl', () => {
    const loop = makeLoop();
    expect(() => loop.getTlsEngine()).toThrow(TransportNotInstalledError);
    expect(() => loop.getTlsEngine()).toThrow(/@x\/ssl/);
  });

  it('getTlsEngine returns the engine of the provider that has one', () => {
    const engine = { wrap: () => {} } as unknown as TlsEngine;
    const loop = makeLoop({ packageName: '@x/fake-ssl', methods: {}, tls: engine });
    expect(loop.getTlsEngine()).toBe(engine);
  });

  it('a provider method is called with the loop first, then the caller arguments, and its promise is returned', async () => {
    const calls: unknown[][] = [];
    const factory = (): object => ({});
    const provider: TransportProvider = {
      packageName: '@x/fake',
      methods: {
        createConnection: async (...args: unknown[]) => {
          calls.push(args);
          return ['transport', 'protocol'] as never;
        },
      },
    };
    const loop = makeLoop(provider);
    const options = { family: 4 as const };
    const result = await loop.createConnection(factory as never, '127.0.0.1', 8888, options);
    expect(result).toEqual(['transport', 'protocol']);
    expect(calls).toEqual([[loop, factory, '127.0.0.1', 8888, options]]);
    // the other methods are still not installed
    await expect(loop.createDatagramEndpoint(factory as never, {})).rejects.toThrow(/@x\/udp/);
  });

  it('a provider method that throws synchronously becomes a rejection', async () => {
    const err = new TypeError('bad argument');
    const loop = makeLoop({
      packageName: '@x/fake',
      methods: {
        sendfile: () => {
          throw err;
        },
      },
    });
    let promise: Promise<number> | undefined;
    expect(() => {
      promise = loop.sendfile(null as never, 0);
    }).not.toThrow();
    await expect(promise).rejects.toBe(err);
  });

  it('two providers for one method: the constructor throws an Error naming the method', () => {
    const a: TransportProvider = { packageName: '@x/a', methods: { sendfile: async () => 1 } };
    const b: TransportProvider = { packageName: '@x/b', methods: { sendfile: async () => 2 } };
    expect(() => new EventLoop({ transports: [a, b] })).toThrow(/sendfile/);
    expect(() => new EventLoop({ transports: [a, a] })).toThrow(Error);
  });

  it('two providers of a TLS engine: the constructor throws', () => {
    const engine = {} as TlsEngine;
    expect(
      () =>
        new EventLoop({
          transports: [
            { packageName: '@x/ssl', methods: {}, tls: engine },
            { packageName: '@x/ssl', methods: {}, tls: engine },
          ],
        }),
    ).toThrow(/TLS engine/);
  });

  it('providers for different methods combine', async () => {
    const loop = makeLoop(
      { packageName: '@x/a', methods: { sendfile: async () => 1 } },
      { packageName: '@x/b', methods: { subprocessShell: async () => ['t', 'p'] as never } },
    );
    expect(await loop.sendfile(null as never, 0)).toBe(1);
    expect(await loop.subprocessShell(() => ({}), 'true')).toEqual(['t', 'p']);
  });

  it('a provider method on a closed loop rejects with "Event loop is closed" without calling it', async () => {
    let called = false;
    const loop = makeLoop({
      packageName: '@x/fake',
      methods: {
        sendfile: async () => {
          called = true;
          return 0;
        },
      },
    });
    loop.close();
    await expect(loop.sendfile(null as never, 0)).rejects.toThrow('Event loop is closed');
    expect(called).toBe(false);
  });

  it('bad options or providers are a TypeError at construction', () => {
    expect(() => new EventLoop(null as never)).toThrow(TypeError);
    expect(() => new EventLoop('x' as never)).toThrow(TypeError);
    expect(() => new EventLoop({ transports: [null as never] })).toThrow(TypeError);
    expect(() => new EventLoop({ transports: [{ methods: {} } as never] })).toThrow(TypeError);
    expect(() => new EventLoop({ transports: tcpLike() as never })).toThrow(TypeError);
  });

  it('other bad options are a TypeError/RangeError at construction', () => {
    expect(() => new EventLoop({ debug: 'yes' as never })).toThrow(TypeError);
    expect(() => new EventLoop({ slowCallbackDuration: '5' as never })).toThrow(TypeError);
    expect(() => new EventLoop({ slowCallbackDuration: -1 })).toThrow(RangeError);
    expect(() => new EventLoop({ logger: {} as never })).toThrow(TypeError);
    expect(() => new EventLoop({ logger: console })).not.toThrow();
  });
});
