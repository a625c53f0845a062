import assert from 'node:assert/strict';
import {
  answerEnd,
  assertBytesEqual,
  type CheckGroup,
  contextsWithMessage,
  fill,
  pattern,
} from './conformance-harness.js';
import type { RecordingProtocol } from './recording-protocol.js';
import { eventName } from './stream-grammar.js';

/** The callback that delivers data to this kind of protocol. */
function dataCallback(protocol: RecordingProtocol): 'dataReceived' | 'bufferUpdated' {
  return protocol.buffered ? 'bufferUpdated' : 'dataReceived';
}

function dataEvents(protocol: RecordingProtocol): number {
  return protocol.count(dataCallback(protocol));
}

/** Calls made from inside callbacks, failures of the last callbacks, and what survives close. */
export const nestedChecks: CheckGroup = {
  title: 'calls from inside callbacks, and the end (SPEC §4.5, §4.7, §4.9)',
  checks: [
    {
      title: 'pauseReading() inside a data callback: no more data until resumeReading()',
      async run({ protocol, peer, transport, wait, turns }) {
        let pauses = 0;
        const pauseOnce = (p: RecordingProtocol): void => {
          if (pauses++ === 0) p.transport?.pauseReading();
        };
        protocol.hooks = { dataReceived: pauseOnce, bufferUpdated: pauseOnce };
        const data = pattern(1024 * 1024, 11);
        // Not awaited yet: a peer's big write completes only once the transport reads again.
        const writing = peer.write(data);
        await wait(protocol.waitFor(dataCallback(protocol)), 'the first data');
        await turns(10);
        assert.equal(dataEvents(protocol), 1, 'data callbacks after pauseReading() returned');
        assert.equal(transport.isReading(), false);
        transport.resumeReading();
        assertBytesEqual(
          await wait(protocol.waitBytes(data.length), 'the rest'),
          data,
          'data after resume',
        );
        await wait(writing, 'peer.write');
      },
    },
    {
      title: 'close() inside a data callback: no more data, then connectionLost(null)',
      async run(env) {
        const { protocol, peer, wait } = env;
        const closeNow = (p: RecordingProtocol): void => p.transport?.close();
        protocol.hooks = { dataReceived: closeNow, bufferUpdated: closeNow };
        // Not awaited: once closed, the transport reads no more, so the write may not complete.
        const writing = peer.write(pattern(1024 * 1024, 12)).catch(() => {});
        await wait(protocol.waitFor(dataCallback(protocol)), 'the first data');
        await answerEnd(env);
        assert.equal(await wait(protocol.waitLost(), 'connectionLost'), null);
        peer.reset();
        await wait(writing, 'peer.write to settle');
        assert.equal(dataEvents(protocol), 1, 'data callbacks after close()');
      },
    },
    {
      title: 'close() while reading is paused still ends in connectionLost(null)',
      async run(env) {
        const { protocol, transport, wait } = env;
        transport.pauseReading();
        transport.close();
        await answerEnd(env);
        assert.equal(await wait(protocol.waitLost(), 'connectionLost'), null);
      },
    },
    {
      title: 'close() after writeEof(): the peer gets everything, connectionLost(null)',
      when: (caps) => caps.writeEof,
      async run(env) {
        const { protocol, transport, wait } = env;
        const data = pattern(100_000, 13);
        transport.write(data);
        transport.writeEof();
        transport.close();
        assertBytesEqual(await answerEnd(env), data, 'data');
        assert.equal(await wait(protocol.waitLost(), 'connectionLost'), null);
      },
    },
    {
      title: 'getExtraInfo() values survive close; unknown keys give the default',
      async run(env) {
        const { protocol, transport, wait } = env;
        const keys = ['peername', 'sockname', 'socket'] as const;
        const before = keys.map((key) => transport.getExtraInfo(key));
        assert.equal(transport.getExtraInfo('no-such-key'), null);
        assert.equal(transport.getExtraInfo('no-such-key', 42), 42);
        transport.close();
        await answerEnd(env);
        await wait(protocol.waitLost(), 'connectionLost');
        assert.deepEqual(
          keys.map((key) => transport.getExtraInfo(key)),
          before,
          'the same extra info after connectionLost',
        );
      },
    },
    {
      title: 'a throwing connectionLost() is reported, and nothing more is called',
      expectsExceptions: true,
      configure: (protocol) => {
        protocol.throwFrom = 'connectionLost';
        protocol.error = new Error('conformance: connectionLost throws');
      },
      async run(env) {
        const { protocol, transport, wait, turns, exceptions } = env;
        transport.close();
        await answerEnd(env);
        await wait(protocol.waitLost(), 'connectionLost');
        await turns(3);
        const reports = exceptions.filter((context) => context.exception === protocol.error);
        assert.equal(reports.length, 1, 'the exception handler got the connectionLost error once');
        assert.match(
          reports[0]?.message ?? '',
          /connectionLost/,
          'the message names connectionLost',
        );
        assert.equal(protocol.events.map(eventName).at(-1), 'connectionLost');
        // A server still stops counting the connection, so its waitClosed() resolves.
        const server = env.pair.server;
        if (server !== undefined) {
          server.close();
          await wait(server.waitClosed(), 'server.waitClosed() after a throwing connectionLost');
        }
      },
    },
    {
      title: 'a throwing resumeWriting() closes the transport with that error and is reported',
      when: (caps) => caps.backpressure,
      expectsExceptions: true,
      configure: (protocol) => {
        protocol.throwFrom = 'resumeWriting';
        protocol.error = new Error('conformance: resumeWriting throws');
      },
      async run(env) {
        const { protocol, peer, transport, wait } = env;
        transport.setWriteBufferLimits(0);
        peer.pauseReading();
        fill(env, () => protocol.count('pauseWriting') > 0);
        peer.resumeReading();
        assert.equal(await wait(protocol.waitLost(), 'connectionLost'), protocol.error);
        const reports = contextsWithMessage(
          env,
          'Fatal error: protocol.resumeWriting() call failed.',
        );
        assert.equal(reports.length, 1, 'reported once');
        assert.equal(reports[0]?.exception, protocol.error, 'the report carries the error');
        assert.equal(protocol.count('connectionLost'), 1, 'connectionLost(err) once');
        // The loop goes on: nothing escaped to crash the process.
        await env.turns(1);
      },
    },
  ],
};
