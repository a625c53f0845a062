import assert from 'node:assert/strict';
import { envWithPair, type RunEnv, runConformance, validateSuiteArgs } from './check-runner.js';
import { type DatagramCheck, type DatagramCheckEnv, datagramChecks } from './checks-datagram.js';
import type { TestRegistrar } from './conformance-types.js';
import type {
  DatagramCapabilities,
  DatagramConformanceFactory,
  DatagramConformanceOptions,
  DatagramConformancePair,
} from './datagram-conformance-types.js';
import { RecordingDatagramProtocol } from './recording-datagram-protocol.js';

type Base = RunEnv<DatagramConformancePair, RecordingDatagramProtocol>;

function datagramEnv(base: Base, caps: DatagramCapabilities): DatagramCheckEnv {
  return envWithPair(base, { caps });
}

/** Closes the endpoint if the check did not, then checks it ended by the grammar. */
async function assertEndpointEnds(
  env: DatagramCheckEnv,
  pair: DatagramConformancePair,
): Promise<void> {
  const { protocol, transport } = pair;
  if (!protocol.isLost) transport.close();
  assert.equal(transport.isClosing(), true);
  await env.wait(protocol.waitLost(), 'connectionLost');
  await env.turns(3);
  assert.equal(protocol.count('connectionLost'), 1, 'connectionLost is called exactly once');
  protocol.assertGrammar({ complete: true });
  transport.close();
  transport.abort();
  await env.turns(1);
  assert.equal(protocol.count('connectionLost'), 1, 'no second connectionLost');
}

function runDatagramCheck(
  check: DatagramCheck,
  factory: DatagramConformanceFactory,
  caps: DatagramCapabilities,
  timeoutMs: number,
): Promise<void> {
  return runConformance<DatagramConformancePair, RecordingDatagramProtocol>({
    makeProtocol: () => {
      const protocol = new RecordingDatagramProtocol();
      check.configure?.(protocol);
      return protocol;
    },
    factory,
    timeoutMs,
    expectsExceptions: check.expectsExceptions,
    run: (base) => check.run(datagramEnv(base, caps)),
    assertEnds: (base, pair) => assertEndpointEnds(datagramEnv(base, caps), pair),
  });
}

/**
 * Registers the datagram conformance suite (SPEC §4.1, §4.5, §4.12, §6.1, §6.3, §6.6):
 * callback grammar, one `datagramReceived` per datagram (empty ones too) with the sender
 * address, `sendto` (validation, connected/unconnected addressing, empty datagrams),
 * close/abort, sends after close dropped with a warning, a throwing `datagramReceived`
 * reported while the endpoint keeps serving, write-buffer limits and an exact buffer
 * size, `setProtocol`. Run it once per mode (`capabilities.connected`).
 *
 * @param t your framework's `describe`/`it` (and `skip` for `options.skip`).
 * @throws TypeError when `t` lacks `describe`/`it` or `factory` is not a function.
 * @example
 * defineDatagramConformance({ describe, it }, 'UDP', async (ctx) => {
 *   const loop = new EventLoop({ transports: [udp()], logger: ctx.logger });
 *   loop.setExceptionHandler(ctx.exceptionHandler);
 *   ctx.addCleanup(() => loop.close());
 *   const socket = dgram.createSocket('udp4');
 *   await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
 *   const [transport, protocol] = await loop.createDatagramEndpoint(ctx.protocolFactory, {
 *     localAddr: ['127.0.0.1', 0],
 *   });
 *   const peer = new DgramPeer(socket, transport.getExtraInfo('sockname') as [string, number]);
 *   return { loop, transport, protocol, peer, close: async () => { transport.abort(); peer.close(); } };
 * });
 */
export function defineDatagramConformance(
  t: TestRegistrar,
  name: string,
  factory: DatagramConformanceFactory,
  options: DatagramConformanceOptions = {},
): void {
  validateSuiteArgs(t, factory);
  const caps: DatagramCapabilities = { connected: false, ...options.capabilities };
  const timeoutMs = options.timeoutMs ?? 5000;
  const skip = options.skip ?? {};
  t.describe(`${name} datagram conformance`, () => {
    for (const check of datagramChecks) {
      if (check.when && !check.when(caps)) continue;
      const fn = () => runDatagramCheck(check, factory, caps, timeoutMs);
      if (check.title in skip) t.skip?.(`${check.title} [skipped: ${skip[check.title]}]`, fn);
      else t.it(check.title, fn);
    }
  });
}
