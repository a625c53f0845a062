import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'vitest';
import { EventLoop } from '../../../loop/src/index.js';
import type { ExceptionContext } from '../event-loop.js';
import { createMemoryDatagramTransport } from './create-memory-datagram-transport.js';
import { defineDatagramConformance } from './define-datagram-conformance.js';
import { MemoryDatagramPeer } from './memory-datagram-peer.js';
import { RecordingDatagramProtocol } from './recording-datagram-protocol.js';
import { RecordingLogger } from './recording-logger.js';

// The datagram kit's reference: the memory endpoint passes the suite in both modes.
for (const connected of [false, true]) {
  defineDatagramConformance(
    { describe, it },
    `MemoryDatagramTransport ${connected ? 'connected' : 'unconnected'}`,
    async (ctx) => {
      const loop = new EventLoop({ logger: ctx.logger });
      loop.setExceptionHandler(ctx.exceptionHandler);
      ctx.addCleanup(() => loop.close());
      const peerAddress = ['10.0.0.2', 5000] as const;
      const [transport, protocol] = await createMemoryDatagramTransport(loop, ctx.protocolFactory, {
        remoteAddr: connected ? peerAddress : null,
      });
      const peer = new MemoryDatagramPeer(transport, peerAddress);
      return { loop, transport, protocol, peer, close: async () => transport.abort() };
    },
    { capabilities: { connected } },
  );
}

describe('MemoryDatagramTransport (a test double for datagram protocols)', () => {
  let loop: EventLoop;
  let reported: ExceptionContext[];
  beforeEach(() => {
    loop = new EventLoop({ logger: new RecordingLogger() });
    reported = [];
    loop.setExceptionHandler((_loop, context) => {
      reported.push(context);
    });
  });
  afterEach(() => loop.close());

  it('feeds datagrams and errors, records what the protocol sends', async () => {
    const [transport, protocol] = await createMemoryDatagramTransport(
      loop,
      new RecordingDatagramProtocol(),
    );
    transport.feedDatagram(Buffer.from('ping'), ['10.0.0.9', 7]);
    transport.feedDatagram(new Uint8Array(0), null);
    const refused = Object.assign(new Error('ECONNREFUSED'), { code: 'ECONNREFUSED' });
    transport.feedError(refused);
    transport.sendto(Buffer.from('pong'), ['10.0.0.9', 7]);
    assert.deepEqual(
      protocol.datagrams.map((d) => [Buffer.from(d.data).toString(), d.addr]),
      [
        ['ping', ['10.0.0.9', 7]],
        ['', null],
      ],
    );
    assert.deepEqual(protocol.errors, [refused]);
    assert.deepEqual(
      transport.takeSent().map((d) => [Buffer.from(d.data).toString(), d.addr]),
      [['pong', ['10.0.0.9', 7]]],
    );
    assert.equal(transport.sent().length, 0);
    assert.throws(() => transport.feedError('x' as never), TypeError);
  });

  it('validates sendto addresses like @x/udp', async () => {
    const [open] = await createMemoryDatagramTransport(loop, new RecordingDatagramProtocol());
    assert.throws(() => open.sendto(Buffer.from('x')), TypeError);
    assert.throws(() => open.sendto(Buffer.from('x'), ['h', -1] as never), RangeError);
    const [bound] = await createMemoryDatagramTransport(loop, new RecordingDatagramProtocol(), {
      remoteAddr: ['10.0.0.2', 9],
    });
    bound.sendto(Buffer.from('a'));
    bound.sendto(Buffer.from('b'), ['10.0.0.2', 9]);
    assert.throws(
      () => bound.sendto(Buffer.from('c'), ['10.0.0.2', 10]),
      /Invalid address: must be null or 10.0.0.2:9/,
    );
    assert.deepEqual(
      bound.takeSent().map((d) => d.addr),
      [
        ['10.0.0.2', 9],
        ['10.0.0.2', 9],
      ],
    );
  });

  it('a throwing errorReceived is reported and the endpoint keeps serving', async () => {
    const protocol = new RecordingDatagramProtocol({ throwFrom: 'errorReceived' });
    const [transport] = await createMemoryDatagramTransport(loop, () => protocol);
    transport.feedError(new Error('x'));
    assert.equal(
      reported[0]?.message,
      'Exception in protocol.errorReceived() call; the datagram endpoint keeps serving.',
    );
    assert.equal(transport.isClosing(), false);
  });

  it('a throwing connectionMade rejects and closes the endpoint with the error', async () => {
    const error = new Error('made');
    const protocol = new RecordingDatagramProtocol({ throwFrom: 'connectionMade', error });
    await assert.rejects(createMemoryDatagramTransport(loop, protocol), (err) => err === error);
    assert.equal(await protocol.waitLost(), error);
  });
});
