import assert from 'node:assert/strict';
import { DROPPED_WRITE_WARN_THRESHOLD } from '../transport-base.js';
import {
  answerEnd,
  assertBytesEqual,
  type CheckEnv,
  type CheckGroup,
  pattern,
} from './conformance-harness.js';
import { RecordingBufferedProtocol } from './recording-buffered-protocol.js';
import { RecordingProtocol } from './recording-protocol.js';
import { assertStreamGrammar } from './stream-grammar.js';

/** Calls that are not bytes-like, for the TypeError checks. */
const NOT_BYTES: readonly unknown[] = ['abc', 123, null, undefined, [1, 2], { length: 1 }];

function assertWriteValidates(env: CheckEnv): void {
  const write = env.transport.write.bind(env.transport) as (data: unknown) => void;
  for (const bad of NOT_BYTES) {
    assert.throws(
      () => write(bad),
      TypeError,
      `write(${JSON.stringify(bad) ?? String(bad)}) throws TypeError`,
    );
  }
  assert.throws(
    () => write('abc'),
    /bytes-like/,
    "write('abc') says a bytes-like object is needed",
  );
  const writelines = env.transport.writelines.bind(env.transport) as (data: unknown) => void;
  assert.throws(() => writelines('abc'), TypeError, "writelines('abc') throws TypeError");
  assert.throws(() => writelines(null), TypeError, 'writelines(null) throws TypeError');
}

/** Ends the connection the way `how` says, for the write-after-close checks. */
async function endConnection(env: CheckEnv, how: 'close' | 'abort' | 'lost'): Promise<void> {
  if (how === 'close') {
    env.transport.close();
    await answerEnd(env);
  } else if (how === 'abort') env.transport.abort();
  else {
    await env.wait(env.peer.end(), 'peer.end');
    await env.wait(env.protocol.waitLost(), 'connectionLost after EOF');
  }
}

function writeAfterEndCheck(how: 'close' | 'abort' | 'lost') {
  const after = how === 'lost' ? 'the connection was lost' : `${how}()`;
  return {
    title: `write() after ${after} is dropped, never throws, warns from the ${DROPPED_WRITE_WARN_THRESHOLD}th`,
    async run(env: CheckEnv): Promise<void> {
      await endConnection(env, how);
      const warnings = (): number => env.logger.warnings().length;
      const before = warnings();
      for (let i = 1; i < DROPPED_WRITE_WARN_THRESHOLD; i++) env.transport.write(pattern(10, i));
      assert.equal(
        warnings(),
        before,
        `no warning for the first ${DROPPED_WRITE_WARN_THRESHOLD - 1} dropped writes`,
      );
      env.transport.write(pattern(10));
      assert.ok(
        warnings() > before,
        `a warning to the loop's logger at the ${DROPPED_WRITE_WARN_THRESHOLD}th dropped write`,
      );
      env.transport.writelines([pattern(10), pattern(20)]);
      assert.equal(env.transport.getWriteBufferSize(), 0, 'dropped writes are not buffered');
      assertWriteValidates(env);
      await env.wait(env.protocol.waitLost(), 'connectionLost');
    },
  };
}

/** SPEC §4.10, §6.1, §6.2: write(), writelines() and what they accept. */
export const writeChecks: CheckGroup = {
  title: 'writing (SPEC §4.10, §6.1)',
  checks: [
    {
      title: 'write() of anything not bytes-like throws TypeError and writes nothing',
      async run(env) {
        assertWriteValidates(env);
        const good = pattern(10, 1);
        const writelines = env.transport.writelines.bind(env.transport) as (data: unknown) => void;
        assert.throws(() => writelines([good, 'x']), TypeError, 'writelines with one bad item');
        const marker = Buffer.from('marker');
        env.transport.write(marker);
        assertBytesEqual(
          await env.wait(env.peer.readExactly(marker.length), 'the marker'),
          marker,
          'a rejected writelines() wrote nothing (validation comes before any write)',
        );
      },
    },
    {
      title: 'write() accepts any ArrayBufferView; empty data is a no-op',
      async run({ transport, peer, wait }) {
        transport.write(new Uint8Array(0));
        transport.write(Buffer.alloc(0));
        assert.equal(transport.getWriteBufferSize(), 0);
        const u16 = new Uint16Array([0x0201, 0x0403]);
        const view = new DataView(new Uint8Array([5, 6, 7, 8]).buffer, 1, 2);
        const sub = new Uint8Array([9, 10, 11, 12]).subarray(1, 3);
        transport.write(u16);
        transport.write(view);
        transport.write(sub);
        const expected = Buffer.concat([
          Buffer.from(u16.buffer),
          Buffer.from([6, 7]),
          Buffer.from([10, 11]),
        ]);
        assertBytesEqual(
          await wait(peer.readExactly(expected.length), 'the data'),
          expected,
          'bytes of the views',
        );
      },
    },
    {
      title: 'writelines() writes every item in order, like write()',
      async run({ transport, peer, wait }) {
        const a = pattern(3000, 1);
        const b = pattern(1, 2);
        const c = pattern(70_000, 3);
        transport.writelines([a, new Uint8Array(0), b]);
        transport.writelines(
          (function* () {
            yield c;
          })(),
        );
        transport.writelines([]);
        const all = Buffer.concat([a, b, c]);
        assertBytesEqual(
          await wait(peer.readExactly(all.length), 'the data'),
          all,
          'writelines() data',
        );
      },
    },
    writeAfterEndCheck('close'),
    writeAfterEndCheck('abort'),
    writeAfterEndCheck('lost'),
  ],
};

/** SPEC §4.8: half-close. */
export const halfCloseChecks: CheckGroup = {
  title: 'half-close (SPEC §4.8)',
  checks: [
    {
      title: 'writeEof() flushes, the peer sees EOF, and data is still received',
      when: (caps) => caps.writeEof,
      async run({ transport, protocol, peer, wait }) {
        assert.equal(transport.canWriteEof(), true);
        const data = pattern(200_000, 1);
        transport.write(data);
        transport.writeEof();
        transport.writeEof();
        assert.equal(transport.isClosing(), false, 'writeEof() does not close');
        assertBytesEqual(
          await wait(peer.readUntilEnd(), 'the peer to see EOF'),
          data,
          'data before EOF',
        );
        const reply = pattern(30_000, 2);
        await wait(peer.write(reply), 'peer.write');
        assertBytesEqual(
          await wait(protocol.waitBytes(reply.length), 'the reply'),
          reply,
          'data after writeEof()',
        );
        assert.equal(protocol.isLost, false);
        await wait(peer.end(), 'peer.end');
        assert.equal(
          await wait(protocol.waitLost(), 'connectionLost'),
          null,
          'EOF both ways: connectionLost(null)',
        );
      },
    },
    {
      title: 'canWriteEof() false: writeEof() throws',
      when: (caps) => !caps.writeEof,
      async run({ transport }) {
        assert.equal(transport.canWriteEof(), false);
        assert.throws(() => transport.writeEof(), Error);
      },
    },
  ],
};

/** SPEC §4.14: setProtocol/getProtocol. */
export const protocolSwitchChecks: CheckGroup = {
  title: 'protocol switching (SPEC §4.14)',
  checks: [
    {
      title: 'setProtocol() sends later callbacks to the new protocol (also across kinds)',
      async run(env) {
        const { transport, protocol, peer, wait } = env;
        const next = protocol.buffered
          ? new RecordingProtocol()
          : new RecordingBufferedProtocol({ bufferSize: 1000 });
        transport.setProtocol(next);
        assert.equal(transport.getProtocol(), next);
        const data = pattern(10_000, 7);
        await wait(peer.write(data), 'peer.write');
        assertBytesEqual(
          await wait(next.waitBytes(data.length), 'data at the new protocol'),
          data,
          'data',
        );
        assert.equal(next.count('connectionMade'), 0, 'setProtocol() calls no connectionMade');
        assertStreamGrammar(['connectionMade', ...next.events], { buffered: next.buffered });
        transport.close();
        await answerEnd(env);
        assert.equal(await wait(next.waitLost(), 'connectionLost at the new protocol'), null);
        assert.equal(protocol.receivedLength, 0, 'the old protocol got no data');
        assert.equal(protocol.isLost, false, 'the old protocol got no connectionLost');
        // The harness waits on the pair's protocol: end it by hand, it is out of the game.
        protocol.connectionLost(null);
      },
    },
  ],
};
