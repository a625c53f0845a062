import {
  type AbstractEventLoop,
  type CreateConnectionOptions,
  describeType,
  type StreamProtocol,
  type Transport,
  validateHost,
  validateInetAddress,
  validatePort,
} from '@x/transport-core';
import { connectTcp } from './connect-tcp.js';
import { startTransport } from './start-transport.js';
import { resolveTls } from './tls-options.js';
import {
  normalizeFamily,
  validateConnectedSocket,
  validateFactory,
  validateFlag,
  validateOptions,
} from './validate.js';

function optionalNumber(
  value: unknown,
  name: string,
  min: number,
  integer: boolean,
): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || Number.isNaN(value) || (integer && !Number.isInteger(value))) {
    throw new TypeError(
      `${name} must be ${integer ? 'an integer' : 'a number'}, not '${describeType(value)}'`,
    );
  }
  if (value < min) throw new RangeError(`${name} must be >= ${min}, got ${value}`);
  return value;
}

/**
 * `loop.createConnection` (asyncio `create_connection`): connects to `host`:`port` or
 * uses the connected `options.sock`; resolves after `protocol.connectionMade` returned.
 */
export async function createConnection<P extends StreamProtocol>(
  loop: AbstractEventLoop,
  protocolFactory: () => P,
  host?: string | null,
  port?: number | null,
  rawOptions?: CreateConnectionOptions,
): Promise<[Transport, P]> {
  validateFactory(protocolFactory);
  const options = validateOptions<CreateConnectionOptions>(rawOptions, 'createConnection');
  const family = normalizeFamily(options.family);
  const localAddr =
    options.localAddr == null ? null : validateInetAddress(options.localAddr, 'localAddr');
  const happyEyeballsDelay = optionalNumber(
    options.happyEyeballsDelay,
    'happyEyeballsDelay',
    0,
    false,
  );
  const interleave = optionalNumber(options.interleave, 'interleave', 1, true);
  const allErrors = validateFlag(options.allErrors, 'allErrors');
  const sock = options.sock ?? null;
  const hasAddress = (host !== undefined && host !== null) || (port !== undefined && port !== null);
  if (sock !== null && hasAddress)
    throw new TypeError('host/port and sock can not be specified at the same time');
  if (sock === null && !hasAddress)
    throw new TypeError('host and port was not specified and no sock specified');
  if (sock === null) {
    validateHost(host, 'host');
    validatePort(port, 'port');
  } else {
    validateConnectedSocket(sock);
  }
  let tlsOptions = options;
  if (options.ssl != null && options.serverHostname == null) {
    if (sock !== null)
      throw new TypeError('You must set serverHostname when using ssl without a host');
    // The name to verify (and send as SNI) defaults to the host connected to.
    tlsOptions = { ...options, serverHostname: host as string };
  }
  const tls = resolveTls(loop, tlsOptions, false);

  const socket =
    sock ??
    (await connectTcp(loop, host as string, port as number, {
      family,
      localAddr,
      happyEyeballsDelay,
      interleave,
      allErrors,
      onread: tls === null,
    }));
  return startTransport(loop, protocolFactory, socket, { tls, serverSide: false });
}
