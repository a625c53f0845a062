import assert from 'node:assert/strict';
import type { WriteTransport } from '../transports.js';
import {
  answerEnd,
  assertBytesEqual,
  type CheckGroup,
  fill,
  pattern,
  resumePeerAndRead,
} from './conformance-harness.js';

const KIB = 1024;

/**
 * Checks `setWriteBufferLimits`/`getWriteBufferLimits` (SPEC §4.6): the defaults, how one
 * limit derives the other, `high = 0`, and RangeError for bad limits leaving them as
 * they were. Leaves the default limits set.
 */
export function assertWriteBufferLimitsContract(
  transport: Pick<WriteTransport, 'setWriteBufferLimits' | 'getWriteBufferLimits'>,
): void {
  assert.deepEqual(transport.getWriteBufferLimits(), [16 * KIB, 64 * KIB], 'default limits');
  transport.setWriteBufferLimits(100);
  assert.deepEqual(transport.getWriteBufferLimits(), [25, 100], 'high alone: low = high / 4');
  transport.setWriteBufferLimits(null, 100);
  assert.deepEqual(transport.getWriteBufferLimits(), [100, 400], 'low alone: high = 4 * low');
  transport.setWriteBufferLimits(1000, 10);
  assert.deepEqual(transport.getWriteBufferLimits(), [10, 1000]);
  transport.setWriteBufferLimits(0);
  assert.deepEqual(transport.getWriteBufferLimits(), [0, 0], 'high = 0 forces low = 0');
  transport.setWriteBufferLimits();
  assert.deepEqual(
    transport.getWriteBufferLimits(),
    [16 * KIB, 64 * KIB],
    'no arguments: the defaults',
  );
  assert.throws(() => transport.setWriteBufferLimits(-1), RangeError, 'negative high');
  assert.throws(() => transport.setWriteBufferLimits(null, -1), RangeError, 'negative low');
  assert.throws(() => transport.setWriteBufferLimits(1, 2), RangeError, 'low > high');
  assert.deepEqual(
    transport.getWriteBufferLimits(),
    [16 * KIB, 64 * KIB],
    'a rejected call changes nothing',
  );
}

/** SPEC §4.6: write flow control. */
export const writeFlowChecks: CheckGroup = {
  title: 'write flow control (SPEC §4.6)',
  checks: [
    {
      title:
        'setWriteBufferLimits derives and validates the limits; getWriteBufferLimits is [low, high]',
      async run({ transport }) {
        assertWriteBufferLimitsContract(transport);
        assert.equal(transport.getWriteBufferSize(), 0, 'nothing buffered on a new connection');
      },
    },
    {
      title: 'pauseWriting only above high, resumeWriting at or below low, once each',
      when: (caps) => caps.backpressure,
      async run(env) {
        const { protocol, peer, transport, wait } = env;
        const high = 256 * KIB;
        const low = 32 * KIB;
        transport.setWriteBufferLimits(high, low);
        peer.pauseReading();
        const data = fill(
          env,
          () => protocol.count('pauseWriting') > 0,
          () => {
            const size = transport.getWriteBufferSize();
            if (protocol.count('pauseWriting') === 0) {
              assert.ok(size <= high, `buffer at ${size} > high ${high} without pauseWriting`);
            }
          },
        );
        const pausedAt = protocol.flowEvents[0]?.writeBufferSize ?? -1;
        assert.ok(
          pausedAt > high,
          `pauseWriting came with the buffer at ${pausedAt}, not above high ${high}`,
        );
        const more = pattern(64 * KIB, 99);
        transport.write(more);
        assert.equal(protocol.count('pauseWriting'), 1, 'no second pauseWriting while paused');
        assert.equal(
          protocol.count('resumeWriting'),
          0,
          'no resumeWriting while the peer does not read',
        );
        await resumePeerAndRead(env, Buffer.concat([data, more]));
        await wait(protocol.waitFor('resumeWriting'), 'resumeWriting');
        const resumedAt = protocol.flowEvents[1]?.writeBufferSize ?? -1;
        assert.ok(
          resumedAt <= low,
          `resumeWriting came with the buffer at ${resumedAt}, above low ${low}`,
        );
        assert.equal(protocol.count('pauseWriting'), 1);
        assert.equal(protocol.count('resumeWriting'), 1);
      },
    },
    {
      title: 'high = 0: pauseWriting as soon as anything is buffered, resumeWriting when empty',
      when: (caps) => caps.backpressure,
      async run(env) {
        const { protocol, peer, transport, wait } = env;
        transport.setWriteBufferLimits(0);
        peer.pauseReading();
        const data = fill(
          env,
          () => transport.getWriteBufferSize() > 0,
          () => {
            const buffered = transport.getWriteBufferSize() > 0;
            assert.equal(
              protocol.count('pauseWriting'),
              buffered ? 1 : 0,
              'pauseWriting exactly when bytes are buffered',
            );
          },
        );
        await resumePeerAndRead(env, data);
        await wait(protocol.waitFor('resumeWriting'), 'resumeWriting');
        assert.equal(
          protocol.flowEvents[1]?.writeBufferSize,
          0,
          'with low = 0, resumeWriting only when empty',
        );
        assert.equal(transport.getWriteBufferSize(), 0, 'getWriteBufferSize() is 0 once flushed');
      },
    },
    {
      title: 'setWriteBufferLimits below the buffered size pauses at once',
      when: (caps) => caps.backpressure,
      async run(env) {
        const { protocol, peer, transport, wait } = env;
        transport.setWriteBufferLimits(2 ** 30);
        peer.pauseReading();
        const data = fill(env, () => transport.getWriteBufferSize() > 0);
        assert.equal(protocol.count('pauseWriting'), 0);
        const size = transport.getWriteBufferSize();
        transport.setWriteBufferLimits(size - 1);
        assert.equal(protocol.count('pauseWriting'), 1, 'pauseWriting inside setWriteBufferLimits');
        await resumePeerAndRead(env, data);
        await wait(protocol.waitFor('resumeWriting'), 'resumeWriting');
      },
    },
    {
      title: 'a write fully handed to the OS calls no flow-control callback',
      async run({ protocol, peer, transport, wait }) {
        transport.setWriteBufferLimits(0);
        const data = pattern(100, 5);
        transport.write(data);
        if (transport.getWriteBufferSize() === 0) {
          assert.equal(protocol.count('pauseWriting'), 0, 'pauseWriting without anything buffered');
        }
        assertBytesEqual(await wait(peer.readExactly(data.length), 'the data'), data, 'data');
      },
    },
  ],
};

/** SPEC §4.7 and §6.4: read flow control. */
export const readFlowChecks: CheckGroup = {
  title: 'read flow control (SPEC §4.7)',
  checks: [
    {
      title: 'pauseReading() stops delivery until resumeReading()',
      async run({ protocol, peer, transport, wait, turns }) {
        transport.pauseReading();
        assert.equal(transport.isReading(), false);
        const data = pattern(50_000, 2);
        await wait(peer.write(data), 'peer.write');
        await turns(10);
        assert.equal(protocol.receivedLength, 0, 'data delivered while reading was paused');
        transport.resumeReading();
        assert.equal(protocol.receivedLength, 0, 'data delivered inside resumeReading()');
        assert.equal(transport.isReading(), true);
        assertBytesEqual(
          await wait(protocol.waitBytes(data.length), 'the data'),
          data,
          'data after resume',
        );
      },
    },
    {
      title: 'pauseReading() and resumeReading() are idempotent, also after close',
      async run(env) {
        const { protocol, peer, transport, wait } = env;
        transport.pauseReading();
        transport.pauseReading();
        assert.equal(transport.isReading(), false);
        transport.resumeReading();
        transport.resumeReading();
        assert.equal(transport.isReading(), true);
        const data = pattern(1000, 4);
        await wait(peer.write(data), 'peer.write');
        assertBytesEqual(await wait(protocol.waitBytes(data.length), 'the data'), data, 'data');
        transport.close();
        transport.pauseReading();
        transport.resumeReading();
        assert.equal(transport.isReading(), false, 'isReading() after close()');
        await answerEnd(env);
        await wait(protocol.waitLost(), 'connectionLost');
      },
    },
    {
      title: 'pauseReading() inside connectionMade holds data until resumeReading()',
      configure: (protocol) => {
        protocol.hooks = { connectionMade: (p) => p.transport?.pauseReading() };
      },
      async run({ protocol, peer, transport, wait, turns }) {
        assert.equal(transport.isReading(), false);
        const data = pattern(3000, 6);
        await wait(peer.write(data), 'peer.write');
        await turns(10);
        assert.equal(protocol.receivedLength, 0, 'data delivered while reading was paused');
        transport.resumeReading();
        assertBytesEqual(
          await wait(protocol.waitBytes(data.length), 'the data'),
          data,
          'data after resume',
        );
      },
    },
    {
      title: 'EOF while reading is paused comes after resumeReading()',
      async run({ protocol, peer, transport, wait, turns }) {
        transport.pauseReading();
        const data = pattern(2000, 8);
        await wait(peer.write(data), 'peer.write');
        await wait(peer.end(), 'peer.end');
        await turns(10);
        assert.deepEqual(
          protocol.names(),
          ['connectionMade'],
          'callbacks while reading was paused',
        );
        transport.resumeReading();
        await wait(protocol.waitEof(), 'eofReceived');
        assertBytesEqual(protocol.received(), data, 'data before EOF');
        assert.equal(await wait(protocol.waitLost(), 'connectionLost'), null);
      },
    },
  ],
};
