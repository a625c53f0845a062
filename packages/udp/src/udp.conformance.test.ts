/**
 * The datagram conformance kit of `@x/transport-core/testing` against this package's
 * transport: an unconnected endpoint and one made with `remoteAddr`, over 127.0.0.1,
 * with a raw `dgram.Socket` as the peer; and proof that the kit catches broken variants.
 */
import dgram from 'node:dgram';
import { EventLoop } from '@x/loop';
import type { Address, DatagramProtocol, DatagramTransport } from '@x/transport-core';
import {
  type DatagramConformanceContext,
  type DatagramConformanceFactory,
  type DatagramConformanceOptions,
  DgramPeer,
  defineDatagramConformance,
  type TestRegistrar,
} from '@x/transport-core/testing';
import { describe, expect, it } from 'vitest';
import { MODES, type Mode, useMode } from './test-support.js';
import { udp } from './udp.js';

const t = { describe, it, skip: it.skip };

async function boundSocket(ctx: DatagramConformanceContext): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  ctx.addCleanup(() => {
    try {
      socket.close();
    } catch {
      // closed already
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

/** A broken variant: wraps the transport or the protocol to break one rule. */
interface Mutation {
  transport?: (real: DatagramTransport) => Partial<DatagramTransport>;
  protocol?: (recording: DatagramProtocol) => DatagramProtocol;
}

function mutate(real: DatagramTransport, overrides: Partial<DatagramTransport>): DatagramTransport {
  return new Proxy(real, {
    get(target, prop) {
      if (prop in overrides) return overrides[prop as keyof DatagramTransport];
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function factory(
  connected: boolean,
  mutation: Mutation = {},
  mode: Mode = 'native',
): DatagramConformanceFactory {
  return async (ctx) => {
    const loop = new EventLoop({ transports: [udp()], logger: ctx.logger });
    loop.setExceptionHandler(ctx.exceptionHandler);
    ctx.addCleanup(() => loop.close());
    const socket = await boundSocket(ctx);
    const { address, port } = socket.address();
    const protocol = ctx.protocolFactory();
    useMode(mode);
    const [real] = await loop
      .createDatagramEndpoint(() => mutation.protocol?.(protocol) ?? protocol, {
        localAddr: ['127.0.0.1', 0],
        ...(connected ? { remoteAddr: [address, port] as const } : {}),
      })
      .finally(() => useMode('native'));
    const transport = mutation.transport ? mutate(real, mutation.transport(real)) : real;
    const peer = new DgramPeer(socket, real.getExtraInfo('sockname') as [string, number]);
    return { loop, transport, protocol, peer, close: async () => transport.abort() };
  };
}

for (const [name, mode] of MODES) {
  defineDatagramConformance(t, `UDP unconnected, ${name}`, factory(false, {}, mode));
  defineDatagramConformance(t, `UDP connected (remoteAddr), ${name}`, factory(true, {}, mode), {
    capabilities: { connected: true },
  });
}

/** Registers the datagram suite into a map `title -> check` instead of a framework. */
function collect(make: DatagramConformanceFactory, options?: DatagramConformanceOptions) {
  const checks = new Map<string, () => Promise<void>>();
  const registrar: TestRegistrar = {
    describe: (_name, fn) => fn(),
    it: (name, fn) => checks.set(name, fn),
  };
  defineDatagramConformance(registrar, 'kit', make, { timeoutMs: 1000, ...options });
  return checks;
}

const forward = (
  target: DatagramProtocol,
  datagram: (data: Uint8Array, addr: Address | null) => void,
) => ({
  connectionMade: target.connectionMade?.bind(target),
  connectionLost: target.connectionLost?.bind(target),
  errorReceived: target.errorReceived?.bind(target),
  datagramReceived: datagram,
});

const MUTANTS: ReadonlyArray<[string, boolean, Mutation, string]> = [
  [
    'sendto() throws after close()',
    false,
    {
      transport: (real) => ({
        sendto: (data, addr) => {
          if (real.isClosing()) throw new Error('closed');
          real.sendto(data, addr);
        },
      }),
    },
    'sendto() after close() is dropped, never throws, warns from the 5th',
  ],
  [
    'empty datagrams are dropped',
    false,
    {
      protocol: (p) =>
        forward(p, (data, addr) => {
          if (data.byteLength > 0) p.datagramReceived?.(data, addr);
        }),
    },
    'each datagram arrives whole in one datagramReceived with the sender address, empty ones too',
  ],
  [
    'sendto() without an address is silently ignored',
    false,
    {
      transport: (real) => ({
        sendto: (data, addr) => {
          if (addr != null) real.sendto(data, addr);
        },
      }),
    },
    'unconnected: sendto() without an address throws TypeError at the call',
  ],
  [
    'a throwing datagramReceived closes the endpoint',
    false,
    {
      protocol: (p) =>
        forward(p, (data, addr) => {
          try {
            p.datagramReceived?.(data, addr);
          } catch (err) {
            (p as { transport?: DatagramTransport | null }).transport?.close();
            throw err;
          }
        }),
    },
    'a throwing datagramReceived is reported and the endpoint keeps serving',
  ],
  [
    'sendto() to another address is accepted',
    true,
    {
      transport: (real) => ({
        sendto: (data) => real.sendto(data),
      }),
    },
    'connected: sendto() to another address throws Error; to the remote address it sends',
  ],
];

describe('the datagram conformance kit catches broken endpoints', () => {
  for (const [what, connected, mutation, title] of MUTANTS) {
    it(`${what}: fails "${title}"`, async () => {
      const caps = { capabilities: { connected } };
      const check = collect(factory(connected, mutation), caps).get(title);
      expect(check, `no check titled "${title}"`).toBeDefined();
      const err = await check?.().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      // The same check passes on the real endpoint.
      await collect(factory(connected), caps).get(title)?.();
    });
  }
});
