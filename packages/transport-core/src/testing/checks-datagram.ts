import assert from 'node:assert/strict';
import { DROPPED_WRITE_WARN_THRESHOLD } from '../transport-base.js';
import type { DatagramTransport } from '../transports.js';
import type { RunEnv } from './check-runner.js';
import { assertWriteBufferLimitsContract } from './checks-flow.js';
import { pattern } from './conformance-harness.js';
import type {
  DatagramCapabilities,
  DatagramConformancePair,
  DatagramPeer,
} from './datagram-conformance-types.js';
import { datagramEventName } from './datagram-grammar.js';
import { RecordingDatagramProtocol } from './recording-datagram-protocol.js';

/** Everything a datagram check works with. */
export interface DatagramCheckEnv
  extends RunEnv<DatagramConformancePair, RecordingDatagramProtocol> {
  readonly transport: DatagramTransport;
  readonly protocol: RecordingDatagramProtocol;
  readonly peer: DatagramPeer;
  readonly caps: DatagramCapabilities;
}

/** One datagram conformance check. */
export interface DatagramCheck {
  readonly title: string;
  readonly when?: (caps: DatagramCapabilities) => boolean;
  readonly configure?: (protocol: RecordingDatagramProtocol) => void;
  readonly expectsExceptions?: boolean;
  run(env: DatagramCheckEnv): Promise<void>;
}

/** `sendto` to the peer: with its address, or none on a connected endpoint. */
function sendToPeer(env: DatagramCheckEnv, data: Uint8Array): void {
  if (env.caps.connected) env.transport.sendto(data);
  else env.transport.sendto(data, env.peer.address);
}

const hex = (data: Uint8Array): string =>
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex');

function sendAfterEndCheck(how: 'close' | 'abort'): DatagramCheck {
  return {
    title: `sendto() after ${how}() is dropped, never throws, warns from the ${DROPPED_WRITE_WARN_THRESHOLD}th`,
    async run(env) {
      env.transport[how]();
      const before = env.logger.warnings().length;
      for (let i = 1; i < DROPPED_WRITE_WARN_THRESHOLD; i++) sendToPeer(env, pattern(10, i));
      assert.equal(env.logger.warnings().length, before, 'no warning for the first dropped sends');
      sendToPeer(env, pattern(10));
      assert.ok(
        env.logger.warnings().length > before,
        `a warning at the ${DROPPED_WRITE_WARN_THRESHOLD}th dropped send`,
      );
      assert.throws(
        () => env.transport.sendto('abc' as never, env.peer.address),
        TypeError,
        'still validates',
      );
      assert.equal(await env.wait(env.protocol.waitLost(), 'connectionLost'), null);
    },
  };
}

/** SPEC §4.1, §4.5, §4.12, §6.1, §6.3, §6.6 for datagram endpoints. */
export const datagramChecks: readonly DatagramCheck[] = [
  {
    title: 'connectionMade is called once, first, before the endpoint resolves',
    async run({ protocol, transport }) {
      assert.deepEqual(protocol.names(), ['connectionMade']);
      assert.equal(protocol.transport, transport);
      assert.equal(transport.getProtocol(), protocol);
      assert.equal(transport.isClosing(), false);
    },
  },
  {
    title:
      'each datagram arrives whole in one datagramReceived with the sender address, empty ones too',
    async run({ protocol, peer, wait }) {
      const sizes = [0, 1, 7, 100, 1400, 9000, 0, 60_000];
      const sent = sizes.map((size, i) => pattern(size, i));
      for (const data of sent) await wait(peer.send(data), 'peer.send');
      const got = await wait(protocol.waitDatagrams(sent.length), `${sent.length} datagrams`);
      assert.deepEqual(
        got.map((d) => hex(d.data)).sort(),
        sent.map(hex).sort(),
        'one callback per datagram, whole',
      );
      for (const { data, addr } of got) {
        assert.ok(data instanceof Uint8Array);
        assert.deepEqual(addr, peer.address, 'datagramReceived gets the sender address');
      }
    },
  },
  {
    title: 'sendto() sends one datagram per call, empty ones too',
    async run(env) {
      const sent = [pattern(10, 1), new Uint8Array(0), pattern(5000, 2)];
      for (const data of sent) sendToPeer(env, data);
      const got: string[] = [];
      for (let i = 0; i < sent.length; i++)
        got.push(hex(await env.wait(env.peer.receive(), 'a datagram at the peer')));
      assert.deepEqual(got.sort(), sent.map(hex).sort());
    },
  },
  {
    title: 'sendto() of anything not bytes-like throws TypeError',
    async run({ transport, peer }) {
      const sendto = transport.sendto.bind(transport) as (data: unknown, addr?: unknown) => void;
      for (const bad of ['abc', 123, null, undefined, [1, 2]]) {
        assert.throws(
          () => sendto(bad, peer.address),
          TypeError,
          `sendto(${String(bad)}) throws TypeError`,
        );
      }
      assert.throws(() => sendto('abc', peer.address), /bytes-like/);
    },
  },
  {
    title: 'unconnected: sendto() without an address throws TypeError at the call',
    when: (caps) => !caps.connected,
    async run({ transport }) {
      assert.throws(() => transport.sendto(pattern(3)), TypeError);
      assert.throws(() => transport.sendto(pattern(3), null), TypeError);
    },
  },
  {
    title: 'connected: sendto() to another address throws Error; to the remote address it sends',
    when: (caps) => caps.connected,
    async run({ transport, peer, wait }) {
      const [host, port] = peer.address as readonly [string, number];
      const other: readonly [string, number] = [host, port === 65535 ? 65534 : port + 1];
      assert.throws(() => transport.sendto(pattern(3), other), Error);
      const data = pattern(30, 3);
      transport.sendto(data, peer.address);
      assert.equal(hex(await wait(peer.receive(), 'the datagram')), hex(data));
    },
  },
  {
    title: 'close(): connectionLost(null) once; isClosing() from the first call; idempotent',
    async run({ protocol, transport, wait, turns }) {
      transport.close();
      assert.equal(transport.isClosing(), true);
      assert.equal(protocol.isLost, false, 'connectionLost is never called inside close()');
      transport.close();
      transport.abort();
      assert.equal(await wait(protocol.waitLost(), 'connectionLost'), null);
      await turns();
      assert.equal(protocol.count('connectionLost'), 1);
    },
  },
  {
    title: 'abort(): connectionLost(null) once',
    async run({ protocol, transport, wait, turns }) {
      transport.abort();
      assert.equal(transport.isClosing(), true);
      transport.abort();
      transport.close();
      assert.equal(await wait(protocol.waitLost(), 'connectionLost'), null);
      await turns();
      assert.equal(protocol.count('connectionLost'), 1);
    },
  },
  {
    title: 'no datagramReceived after close()',
    async run({ protocol, peer, transport, wait, turns }) {
      transport.close();
      const at = protocol.events.length;
      await wait(peer.send(pattern(100)), 'peer.send');
      await turns(8);
      await wait(protocol.waitLost(), 'connectionLost');
      const late = protocol.events.slice(at).map(datagramEventName);
      assert.deepEqual(
        late.filter((name) => name === 'datagramReceived'),
        [],
      );
    },
  },
  sendAfterEndCheck('close'),
  sendAfterEndCheck('abort'),
  {
    title: 'a throwing datagramReceived is reported and the endpoint keeps serving',
    expectsExceptions: true,
    configure: (protocol) => {
      protocol.throwFrom = 'datagramReceived';
      protocol.error = new Error('conformance: datagramReceived throws');
    },
    async run({ protocol, peer, transport, wait, turns, exceptions }) {
      await wait(peer.send(pattern(10, 1)), 'peer.send');
      await wait(protocol.waitDatagrams(1), 'the first datagram');
      await turns();
      assert.equal(
        exceptions.filter((context) => context.exception === protocol.error).length,
        1,
        'the exception handler got the error once',
      );
      assert.equal(transport.isClosing(), false, 'the endpoint is not closed (SPEC §6.3)');
      protocol.throwFrom = null;
      await wait(peer.send(pattern(20, 2)), 'peer.send');
      await wait(protocol.waitDatagrams(2), 'the next datagram');
      assert.equal(protocol.isLost, false);
    },
  },
  {
    title: 'setWriteBufferLimits derives and validates the limits',
    async run({ transport }) {
      assertWriteBufferLimitsContract(transport);
    },
  },
  {
    title: 'getWriteBufferSize() returns to exactly 0 once the datagrams are sent (no drift)',
    async run(env) {
      const count = 50;
      for (let i = 0; i < count; i++) sendToPeer(env, pattern(1000, i));
      for (let i = 0; i < count; i++)
        await env.wait(env.peer.receive(), `datagram ${i} at the peer`);
      await env.turns(4);
      assert.equal(env.transport.getWriteBufferSize(), 0);
    },
  },
  {
    title: 'setProtocol() sends later datagrams to the new protocol',
    async run({ protocol, peer, transport, wait }) {
      const next = new RecordingDatagramProtocol();
      transport.setProtocol(next);
      assert.equal(transport.getProtocol(), next);
      await wait(peer.send(pattern(10)), 'peer.send');
      await wait(next.waitDatagrams(1), 'a datagram at the new protocol');
      assert.equal(protocol.datagrams.length, 0);
      transport.close();
      assert.equal(await wait(next.waitLost(), 'connectionLost at the new protocol'), null);
      // The runner waits on the pair's protocol: end it by hand, it is out of the game.
      protocol.connectionLost(null);
    },
  },
];
