import assert from 'node:assert/strict';
import {
  answerEnd,
  assertBytesEqual,
  type CheckGroup,
  fill,
  pattern,
} from './conformance-harness.js';
import { RecordingBufferedProtocol } from './recording-buffered-protocol.js';
import { eventName } from './stream-grammar.js';

const DATA_CALLBACKS = new Set(['dataReceived', 'getBuffer', 'bufferUpdated']);

/** SPEC §4 rules 1-3: the callback grammar, data delivery and EOF. */
export const connectionChecks: CheckGroup = {
  title: 'callbacks and data (SPEC §4.1-4.4)',
  checks: [
    {
      title: 'connectionMade is called once, first, before the connection resolves',
      async run({ protocol, transport }) {
        assert.deepEqual(
          protocol.names(),
          ['connectionMade'],
          'only connectionMade has run when the factory resolves',
        );
        assert.equal(protocol.transport, transport, 'connectionMade got the transport');
        assert.equal(transport.getProtocol(), protocol, 'getProtocol() is the protocol');
        assert.equal(transport.isClosing(), false);
        assert.equal(transport.isReading(), true, 'a new transport is reading');
      },
    },
    {
      title: 'data arrives complete and in order, never empty',
      async run({ protocol, peer, wait }) {
        const parts: Buffer[] = [];
        for (let i = 0; i < 60; i++) parts.push(pattern(1 + ((i * 7919) % 30000), i));
        const all = Buffer.concat(parts);
        for (const part of parts) await wait(peer.write(part), 'peer.write');
        const got = await wait(protocol.waitBytes(all.length), `${all.length} bytes`);
        // received() joins the chunks dataReceived kept: a transport reusing its read
        // buffer for later reads (SPEC: never) shows up here as corrupted data.
        assertBytesEqual(got, all, 'received data (as kept by the protocol)');
        protocol.assertGrammar();
        if (protocol instanceof RecordingBufferedProtocol) {
          assert.equal(
            protocol.count('dataReceived'),
            0,
            'a BufferedProtocol gets no dataReceived',
          );
          assert.ok(
            protocol.count('bufferUpdated') >= all.length / protocol.buffer.length,
            'reads fill the buffer at most',
          );
        }
      },
    },
    {
      title: 'eofReceived comes once, after all the data, and nothing after it',
      async run({ protocol, peer, wait, turns }) {
        const data = pattern(100_000, 3);
        let receivedAtEof = -1;
        protocol.hooks = { eofReceived: (p) => (receivedAtEof = p.receivedLength) };
        await wait(peer.write(data), 'peer.write');
        await wait(peer.end(), 'peer.end');
        await wait(protocol.waitEof(), 'eofReceived');
        assert.equal(receivedAtEof, data.length, 'every byte came before eofReceived');
        assertBytesEqual(protocol.received(), data, 'received data');
        await turns();
        assert.equal(protocol.count('eofReceived'), 1);
        protocol.assertGrammar();
      },
    },
    {
      title: 'eofReceived returning undefined closes the transport: connectionLost(null)',
      async run({ protocol, peer, transport, wait }) {
        await wait(peer.end(), 'peer.end');
        assert.equal(await wait(protocol.waitLost(), 'connectionLost'), null);
        assert.equal(transport.isClosing(), true);
        await wait(peer.readUntilEnd(), 'the peer to see the transport close');
      },
    },
    {
      title: 'eofReceived returning true keeps the transport open for writing',
      when: (caps) => caps.peerHalfClose,
      configure: (protocol) => {
        protocol.eofResult = true;
      },
      async run({ protocol, peer, transport, wait, turns }) {
        await wait(peer.end(), 'peer.end');
        await wait(protocol.waitEof(), 'eofReceived');
        await turns();
        assert.equal(protocol.isLost, false, 'no connectionLost after a truthy eofReceived');
        assert.equal(transport.isClosing(), false, 'not closing after a truthy eofReceived');
        assert.equal(transport.isReading(), false, 'isReading() is false after EOF (SPEC §6.4)');
        const reply = pattern(5000, 9);
        transport.write(reply);
        assertBytesEqual(
          await wait(peer.readExactly(reply.length), 'the reply'),
          reply,
          'data written after EOF',
        );
        transport.close();
        assert.equal(await wait(protocol.waitLost(), 'connectionLost'), null);
        assert.equal((await wait(peer.readUntilEnd(), 'the peer to see the end')).length, 0);
      },
    },
  ],
};

/** SPEC §4.5: close() and abort(). */
export const closeChecks: CheckGroup = {
  title: 'close and abort (SPEC §4.5)',
  checks: [
    {
      title: 'close() flushes buffered data, then connectionLost(null)',
      async run(env) {
        const { protocol, peer, transport, wait } = env;
        if (env.caps.backpressure) peer.pauseReading();
        const data = fill(env, () => transport.getWriteBufferSize() > 0);
        transport.close();
        assert.equal(transport.isClosing(), true, 'isClosing() right after close()');
        assert.equal(protocol.isLost, false, 'connectionLost is never called inside close()');
        if (env.caps.backpressure) peer.resumeReading();
        assertBytesEqual(await answerEnd(env), data, 'data flushed by close()');
        assert.equal(await wait(protocol.waitLost(), 'connectionLost'), null);
        assert.equal(protocol.count('resumeWriting') <= protocol.count('pauseWriting'), true);
      },
      when: (caps) => caps.backpressure,
    },
    {
      title: 'close() with nothing buffered: connectionLost(null), the peer sees the end',
      async run(env) {
        const { protocol, transport, wait } = env;
        const data = pattern(1000, 1);
        transport.write(data);
        transport.close();
        assert.equal(transport.isClosing(), true);
        assertBytesEqual(await answerEnd(env), data, 'data before the end');
        assert.equal(await wait(protocol.waitLost(), 'connectionLost'), null);
      },
    },
    {
      title: 'no data is delivered after close()',
      async run(env) {
        const { protocol, peer, transport, wait, turns } = env;
        transport.close();
        const at = protocol.events.length;
        // Not awaited: a closed transport reads no more, so a write may never complete.
        const writing = peer.write(pattern(1000)).catch(() => {});
        await turns(8);
        await answerEnd(env);
        await wait(protocol.waitLost(), 'connectionLost');
        await wait(writing, 'peer.write to settle');
        const late = protocol.events
          .slice(at)
          .map(eventName)
          .filter((name) => DATA_CALLBACKS.has(name));
        assert.deepEqual(late, [], 'data callbacks after close()');
      },
    },
    {
      title: 'abort() drops buffered data and calls connectionLost(null)',
      when: (caps) => caps.backpressure,
      async run(env) {
        const { protocol, peer, transport, wait } = env;
        transport.setWriteBufferLimits(2 ** 30);
        peer.pauseReading();
        const data = fill(env, () => transport.getWriteBufferSize() > 0);
        const buffered = transport.getWriteBufferSize();
        transport.abort();
        assert.equal(transport.isClosing(), true);
        assert.equal(transport.getWriteBufferSize(), 0, 'abort() empties the write buffer');
        assert.equal(protocol.isLost, false, 'connectionLost is never called inside abort()');
        assert.equal(await wait(protocol.waitLost(), 'connectionLost'), null);
        peer.resumeReading();
        const got = await wait(
          peer.readUntilEnd().catch(() => null),
          'the peer to see the end',
        );
        if (got !== null) {
          assert.ok(
            got.length <= data.length - buffered,
            `abort() should drop the ${buffered} buffered bytes: the peer got ${got.length} of ${data.length}`,
          );
        }
      },
    },
    {
      title: 'close() and abort() are idempotent; isClosing() is true from the first call',
      async run(env) {
        const { protocol, transport, wait, turns } = env;
        transport.close();
        assert.equal(transport.isClosing(), true);
        assert.equal(protocol.isLost, false, 'connectionLost is never called inside close()');
        transport.close();
        await answerEnd(env);
        transport.close();
        transport.abort();
        transport.close();
        await wait(protocol.waitLost(), 'connectionLost');
        await turns();
        assert.equal(protocol.count('connectionLost'), 1);
        assert.equal(protocol.lostWith, null);
      },
    },
    {
      title: 'abort() then close(): one connectionLost(null)',
      async run({ protocol, transport, wait, turns }) {
        transport.abort();
        assert.equal(transport.isClosing(), true);
        transport.close();
        transport.abort();
        assert.equal(await wait(protocol.waitLost(), 'connectionLost'), null);
        await turns();
        assert.equal(protocol.count('connectionLost'), 1);
      },
    },
  ],
};
