import { validateSuiteArgs } from './check-runner.js';
import { closeChecks, connectionChecks } from './checks-connection.js';
import { errorChecks, failingConnectCheck } from './checks-errors.js';
import { readFlowChecks, writeFlowChecks } from './checks-flow.js';
import { nestedChecks } from './checks-nested.js';
import { halfCloseChecks, protocolSwitchChecks, writeChecks } from './checks-writes.js';
import { type CheckGroup, runCheck } from './conformance-harness.js';
import type {
  ConformanceCapabilities,
  ConformanceFactory,
  ConformanceOptions,
  TestRegistrar,
} from './conformance-types.js';

/** The check groups, in the order they are registered. */
const GROUPS: readonly CheckGroup[] = [
  connectionChecks,
  closeChecks,
  writeFlowChecks,
  readFlowChecks,
  halfCloseChecks,
  writeChecks,
  protocolSwitchChecks,
  nestedChecks,
  errorChecks,
];

const DEFAULT_CAPABILITIES: ConformanceCapabilities = {
  writeEof: true,
  peerHalfClose: true,
  reset: true,
  backpressure: true,
  connectRejects: true,
  buffered: true,
};

/**
 * Registers the transport conformance suite with your test framework: every
 * transport-agnostic rule of SPEC §4 and §6 for stream transports (callback grammar,
 * data order, EOF and half-open, close/abort, write and read flow control, half-close,
 * writes after close, bad input, `setProtocol`, throwing callbacks, peer reset). Each
 * check makes a fresh connection with `factory`, bounds every wait by
 * `options.timeoutMs` and ends by checking that the connection ended by the grammar
 * (one `connectionLost`, nothing after it) and that the loop's exception handler got
 * nothing unexpected. With `capabilities.buffered` (default) everything runs twice:
 * with a `RecordingProtocol` and with a `RecordingBufferedProtocol`.
 *
 * Assertions use `node:assert/strict`; the framework only registers and runs.
 *
 * @param t your framework's `describe`/`it` (and `skip`, e.g. `it.skip`, for `options.skip`).
 * @param name shown as `<name> transport conformance`.
 * @param factory makes one connected pair per check (see {@link ConformanceFactory}).
 * @throws TypeError when `t` lacks `describe`/`it` or `factory` is not a function.
 *
 * @example
 * import { describe, it } from 'vitest';
 * import net from 'node:net';
 * import { EventLoop } from '@x/loop';
 * import { tcp } from '@x/tcp';
 * import { defineTransportConformance, DuplexPeer } from '@x/transport-core/testing';
 *
 * defineTransportConformance({ describe, it, skip: it.skip }, 'TCP', async (ctx) => {
 *   const loop = new EventLoop({ transports: [tcp()], logger: ctx.logger });
 *   loop.setExceptionHandler(ctx.exceptionHandler);
 *   ctx.addCleanup(() => loop.close());
 *   const server = net.createServer({ allowHalfOpen: true });
 *   ctx.addCleanup(() => server.close());
 *   await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
 *   const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
 *   const port = (server.address() as net.AddressInfo).port;
 *   const [transport, protocol] = await loop.createConnection(ctx.protocolFactory, '127.0.0.1', port);
 *   const socket = await accepted;
 *   ctx.addCleanup(() => socket.destroy());
 *   return { loop, transport, protocol, peer: new DuplexPeer(socket), close: async () => transport.abort() };
 * });
 */
export function defineTransportConformance(
  t: TestRegistrar,
  name: string,
  factory: ConformanceFactory,
  options: ConformanceOptions = {},
): void {
  validateSuiteArgs(t, factory);
  const caps: ConformanceCapabilities = { ...DEFAULT_CAPABILITIES, ...options.capabilities };
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxFillBytes = options.maxFillBytes ?? 64 * 1024 * 1024;
  const skip = options.skip ?? {};
  const groups: readonly CheckGroup[] = options.failingConnect
    ? [
        ...GROUPS,
        {
          title: 'failed connection (SPEC §4.11)',
          checks: [failingConnectCheck(options.failingConnect)],
        },
      ]
    : GROUPS;
  t.describe(`${name} transport conformance`, () => {
    for (const buffered of caps.buffered ? [false, true] : [false]) {
      t.describe(buffered ? 'BufferedProtocol' : 'Protocol', () => {
        for (const group of groups) {
          t.describe(group.title, () => {
            for (const check of group.checks) {
              if (check.when && !check.when(caps, buffered)) continue;
              const fn = () => runCheck(check, factory, caps, buffered, timeoutMs, maxFillBytes);
              if (check.title in skip)
                t.skip?.(`${check.title} [skipped: ${skip[check.title]}]`, fn);
              else t.it(check.title, fn);
            }
          });
        }
      });
    }
  });
}

/** The titles of every check, for `options.skip` (and to see what the suite covers). */
export function conformanceCheckTitles(): string[] {
  return GROUPS.flatMap((group) => group.checks.map((check) => check.title));
}
