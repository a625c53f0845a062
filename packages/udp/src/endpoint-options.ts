import { Socket as DgramSocket } from 'node:dgram';
import { isIP, Socket as NetSocket } from 'node:net';
import {
  type AddressFamily,
  type CreateDatagramEndpointOptions,
  checkOptionKeys,
  describeType,
  type InetAddress,
  unbracketHost,
  validateInetAddress,
} from '@x/transport-core';

/** `createDatagramEndpoint` options, checked and normalised once, before any I/O. */
export interface EndpointPlan {
  readonly sock: DgramSocket | null;
  readonly local: InetAddress | null;
  readonly remote: InetAddress | null;
  /** 0: decided by the addresses. */
  readonly family: 0 | 4 | 6;
  readonly reusePort: boolean;
  readonly allowBroadcast: boolean;
}

const NO_UNIX =
  'Unix datagram sockets are not supported: node:dgram has no AF_UNIX datagram sockets';

/**
 * Why `reuseAddress: true` is refused (asyncio refused `reuse_address=True` from 3.8.1 and
 * removed the parameter in 3.11): SO_REUSEADDR on a UDP socket lets any other socket bind
 * the same port and receive its datagrams.
 */
export const REUSE_ADDRESS_REFUSED =
  'reuseAddress: true is not supported: SO_REUSEADDR on a UDP socket lets any other socket ' +
  'bind the same port and receive its datagrams (asyncio removed reuse_address for this ' +
  'reason); use reusePort: true to share a port between sockets on purpose';

/** Whether this Node's `dgram.createSocket` honours `reusePort` (added in 22.12 and 23.1). */
export function dgramSupportsReusePort(version: string = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

/** Normalises `family` (0, 4, 6, 'IPv4', 'IPv6'). @throws TypeError, Error for 'unix'. */
function checkFamily(family: unknown): 0 | 4 | 6 {
  if (family === undefined || family === null || family === 0) return 0;
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  if (family === 'unix') throw new Error(`family 'unix': ${NO_UNIX}`);
  throw new TypeError(
    `family must be 0, 4, 6, 'IPv4' or 'IPv6', not ${typeof family === 'string' ? `'${family}'` : describeType(family)}`,
  );
}

function checkAddress(value: unknown, name: string): InetAddress | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') throw new Error(`${name} '${value}' is a Unix path: ${NO_UNIX}`);
  return validateInetAddress(value, name);
}

function checkFlag(value: unknown, name: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean')
    throw new TypeError(`${name} must be a boolean, not '${describeType(value)}'`);
  return value;
}

function checkSock(sock: unknown): DgramSocket | null {
  if (sock === undefined || sock === null) return null;
  if (sock instanceof NetSocket)
    throw new Error(`A datagram socket was expected, got a stream socket (net.Socket)`);
  if (!(sock instanceof DgramSocket)) {
    throw new TypeError(`sock must be a dgram.Socket, not '${describeType(sock)}'`);
  }
  try {
    sock.address();
  } catch {
    throw new Error(
      'sock must be a bound dgram.Socket: call bind() and wait for "listening" first',
    );
  }
  return sock;
}

/** The IP family of a literal host (0 for a host name). */
export function literalFamily(addr: InetAddress | null): 0 | 4 | 6 {
  return addr === null ? 0 : (isIP(unbracketHost(addr[0])) as 0 | 4 | 6);
}

/** The option keys of `createDatagramEndpoint` (`reuseAddress` too: it gets its own error). */
const ENDPOINT_OPTION_KEYS: ReadonlySet<string> = new Set([
  'localAddr',
  'remoteAddr',
  'family',
  'reusePort',
  'allowBroadcast',
  'sock',
  'reuseAddress',
]);

/**
 * Validates `createDatagramEndpoint` options the way asyncio 3.13 does, before any I/O.
 * `reuseAddress` (not in `CreateDatagramEndpointOptions`; asyncio removed it) may be
 * false or absent, which is what happens anyway (SO_REUSEADDR is never set); `true` is
 * refused rather than silently ignored, with TypeError as Python 3.13 (unexpected
 * keyword) and as this project's other option checks do.
 * @throws TypeError for a wrong type (options, addresses, flags, sock, family) and for
 *   `reuseAddress: true` ({@link REUSE_ADDRESS_REFUSED}); RangeError for a bad port;
 *   Error for impossible combinations: `sock` with any other option, no address and no
 *   family, families that cannot match, `'unix'`, `reusePort` on a Node without it.
 */
export function checkEndpointOptions(options: unknown): EndpointPlan {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object') {
    throw new TypeError(`options must be an object, not '${describeType(options)}'`);
  }
  checkOptionKeys('createDatagramEndpoint', options as object, ENDPOINT_OPTION_KEYS);
  const o = options as CreateDatagramEndpointOptions & { reuseAddress?: unknown };
  if (checkFlag(o.reuseAddress, 'reuseAddress')) throw new TypeError(REUSE_ADDRESS_REFUSED);
  const family = checkFamily(o.family as AddressFamily | undefined);
  const local = checkAddress(o.localAddr, 'localAddr');
  const remote = checkAddress(o.remoteAddr, 'remoteAddr');
  if (remote !== null && remote[1] === 0)
    throw new RangeError('remoteAddr[1] (port) must be in 1..65535, got 0');
  const reusePort = checkFlag(o.reusePort, 'reusePort');
  const allowBroadcast = checkFlag(o.allowBroadcast, 'allowBroadcast');
  const sock = checkSock(o.sock);

  if (sock !== null) {
    const problems: string[] = [];
    if (local !== null) problems.push(`localAddr=${JSON.stringify(local)}`);
    if (remote !== null) problems.push(`remoteAddr=${JSON.stringify(remote)}`);
    if (family !== 0) problems.push(`family=${family}`);
    if (reusePort) problems.push('reusePort=true');
    if (allowBroadcast) problems.push('allowBroadcast=true');
    if (problems.length > 0) {
      throw new Error(
        `socket modifier keyword arguments can not be used when sock is specified. (${problems.join(', ')})`,
      );
    }
    return { sock, local, remote, family, reusePort, allowBroadcast };
  }

  if (local === null && remote === null && family === 0) {
    throw new Error('unexpected address family: give localAddr, remoteAddr or family');
  }
  const families = [family, literalFamily(local), literalFamily(remote)].filter((f) => f !== 0);
  if (families.some((f) => f !== families[0])) {
    throw new Error(
      `can not get address information: the address families do not match (family=${family}, ` +
        `localAddr=${JSON.stringify(local)}, remoteAddr=${JSON.stringify(remote)})`,
    );
  }
  if (reusePort && !dgramSupportsReusePort()) {
    throw new Error(
      `reusePort is not supported by node:dgram on Node ${process.versions.node} (it needs 22.12+ or 23.1+)`,
    );
  }
  return { sock, local, remote, family, reusePort, allowBroadcast };
}
