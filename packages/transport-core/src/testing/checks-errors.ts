import assert from 'node:assert/strict';
import { callbackFailedMessage } from '../transport-base.js';
import {
  type CheckEnv,
  type CheckGroup,
  type ConformanceCheck,
  contextsWithMessage,
  fill,
  pattern,
} from './conformance-harness.js';
import type { ConformanceContext } from './conformance-types.js';
import type { StreamCallbackName } from './stream-grammar.js';

/** Checks that `callback` threw `error`, the handler was told, and the transport closed with it. */
async function assertFatal(
  env: CheckEnv,
  callback: StreamCallbackName,
  error: Error | null,
): Promise<void> {
  const protocol = env.lastProtocol;
  assert.ok(protocol !== null, 'the factory made a protocol');
  const lost = await env.wait(protocol.waitLost(), 'connectionLost');
  if (error !== null) assert.equal(lost, error, `connectionLost got the error ${callback}() threw`);
  else assert.ok(lost instanceof Error, `connectionLost got an error, not ${String(lost)}`);
  const message = callbackFailedMessage(callback);
  const reported = contextsWithMessage(env, message);
  assert.equal(
    reported.length,
    1,
    `the exception handler got "${message}" once (got: ${JSON.stringify(env.exceptions.map((c) => c.message))})`,
  );
  assert.equal(reported[0]?.exception, lost, 'the context carries the exception');
}

function throwingCheck(
  callback: StreamCallbackName,
  trigger: (env: CheckEnv) => Promise<void>,
  when?: ConformanceCheck['when'],
): ConformanceCheck {
  return {
    title: `a throwing ${callback}() closes the transport with that error and is reported`,
    expectsExceptions: true,
    configure: (protocol) => {
      protocol.throwFrom = callback;
      protocol.error = new Error(`conformance: ${callback} throws`);
    },
    when,
    async run(env) {
      await trigger(env);
      await assertFatal(env, callback, env.protocol.error);
      assert.equal(env.transport.isClosing(), true);
      // The loop goes on (nothing escaped to crash the process).
      await env.turns(1);
    },
  };
}

const sendData = async (env: CheckEnv): Promise<void> => {
  await env.wait(env.peer.write(pattern(5000)), 'peer.write');
};

/** The SPEC §4.11 check of a failed connection, for {@link ConformanceOptions.failingConnect}. */
export function failingConnectCheck(
  failingConnect: (ctx: ConformanceContext) => Promise<unknown>,
): ConformanceCheck {
  return {
    title: 'a failed connect rejects with the OS error and calls no protocol callback',
    manualConnect: true,
    async run(env) {
      const outcome = await env.wait(
        failingConnect(env.ctx).then(
          () => null,
          (err: unknown) => err,
        ),
        'the failing connect',
      );
      assert.ok(outcome instanceof Error, 'the connect call rejects with an Error');
      assert.equal(
        typeof (outcome as { code?: unknown }).code,
        'string',
        'the OS error passes through with its code',
      );
      await env.turns(2);
      assert.deepEqual(
        env.lastProtocol?.names() ?? [],
        [],
        'no protocol callback for a failed connection',
      );
    },
  };
}

/** SPEC §4.9, §4.11, §6.3: failures. */
export const errorChecks: CheckGroup = {
  title: 'failures (SPEC §4.9, §4.11, §6.3)',
  checks: [
    throwingCheck('dataReceived', sendData, (_caps, buffered) => !buffered),
    throwingCheck('getBuffer', sendData, (_caps, buffered) => buffered),
    throwingCheck('bufferUpdated', sendData, (_caps, buffered) => buffered),
    throwingCheck('eofReceived', async (env) => {
      await env.wait(env.peer.end(), 'peer.end');
    }),
    throwingCheck(
      'pauseWriting',
      async (env) => {
        env.transport.setWriteBufferLimits(0);
        env.peer.pauseReading();
        fill(env, () => env.protocol.count('pauseWriting') > 0);
        env.peer.resumeReading();
      },
      (caps) => caps.backpressure,
    ),
    {
      title: 'a zero-length buffer from getBuffer() is fatal, never silent loss',
      when: (_caps, buffered) => buffered,
      protocol: { bufferSize: 0 },
      expectsExceptions: true,
      async run(env) {
        await sendData(env);
        await assertFatal(env, 'getBuffer', null);
      },
    },
    {
      title:
        'a throwing connectionMade() aborts the connection and the connect call rejects with it',
      manualConnect: true,
      expectsExceptions: true,
      configure: (protocol) => {
        protocol.throwFrom = 'connectionMade';
        protocol.error = new Error('conformance: connectionMade throws');
      },
      async run(env) {
        let rejectedWith: unknown = null;
        await env.connect().then(
          (pair) => {
            // Server-side transports have no pending call to reject; a client's must.
            if (env.caps.connectRejects) {
              pair.transport.abort();
              assert.fail('the connection resolved although connectionMade threw');
            }
          },
          (err: unknown) => {
            rejectedWith = err;
          },
        );
        const protocol = env.lastProtocol;
        assert.ok(protocol !== null);
        if (env.caps.connectRejects) {
          assert.equal(
            rejectedWith,
            protocol.error,
            'the connect call rejects with the error connectionMade threw',
          );
        }
        await assertFatal(env, 'connectionMade', protocol.error);
        assert.equal(protocol.count('connectionMade'), 1);
        assert.equal(protocol.count('connectionLost'), 1);
        protocol.assertGrammar({ complete: true });
      },
    },
    {
      title: 'a peer reset ends in connectionLost(err) once, without a report',
      when: (caps) => caps.reset,
      async run({ peer, protocol, wait }) {
        peer.reset();
        const lost = await wait(protocol.waitLost(), 'connectionLost');
        assert.ok(
          lost instanceof Error,
          `connectionLost(${String(lost)}) after a reset, expected an error`,
        );
      },
    },
  ],
};
