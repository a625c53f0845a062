import { Server as NetServer, Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { type AddressFamily, checkOptionKeys, describeType } from '@x/transport-core';

/** Throws `TypeError` unless `factory` is a function. */
export function validateFactory(factory: unknown): void {
  if (typeof factory !== 'function') {
    throw new TypeError(`protocolFactory must be a function, not '${describeType(factory)}'`);
  }
}

const TLS_KEYS = ['ssl', 'sslHandshakeTimeout', 'sslShutdownTimeout'] as const;

/** The option keys of each stream method (SPEC §3), for {@link validateOptions}. */
export const OPTION_KEYS = {
  createConnection: new Set<string>([
    ...TLS_KEYS,
    'family',
    'localAddr',
    'serverHostname',
    'sock',
    'happyEyeballsDelay',
    'interleave',
    'allErrors',
  ]),
  createServer: new Set<string>([
    ...TLS_KEYS,
    'family',
    'sock',
    'backlog',
    'reuseAddress',
    'reusePort',
    'keepAlive',
    'startServing',
  ]),
  createUnixConnection: new Set<string>([...TLS_KEYS, 'serverHostname', 'sock']),
  createUnixServer: new Set<string>([
    ...TLS_KEYS,
    'sock',
    'backlog',
    'startServing',
    'cleanupSocket',
  ]),
  connectAcceptedSocket: new Set<string>(TLS_KEYS),
} as const;

/**
 * Throws `TypeError` unless `options` is an object (or undefined/null, read as `{}`)
 * whose keys `method` knows (see `checkOptionKeys`).
 */
export function validateOptions<T extends object>(
  options: unknown,
  method: keyof typeof OPTION_KEYS,
): T {
  if (options === undefined || options === null) return {} as T;
  if (typeof options !== 'object')
    throw new TypeError(`options must be an object, not '${describeType(options)}'`);
  checkOptionKeys(method, options, OPTION_KEYS[method]);
  return options as T;
}

/** `family` as 0, 4 or 6. @throws TypeError for anything else. */
export function normalizeFamily(family: unknown): 0 | 4 | 6 {
  switch (family as AddressFamily | undefined | null) {
    case undefined:
    case null:
    case 0:
      return 0;
    case 4:
    case 'IPv4':
      return 4;
    case 6:
    case 'IPv6':
      return 6;
    default:
      throw new TypeError(
        `family must be 0, 4, 6, 'IPv4' or 'IPv6', not ${JSON.stringify(family) ?? String(family)}`,
      );
  }
}

/** `backlog` as an integer (default 100). @throws TypeError / RangeError. */
export function validateBacklog(backlog: unknown): number {
  if (backlog === undefined || backlog === null) return 100;
  if (typeof backlog !== 'number' || !Number.isInteger(backlog)) {
    throw new TypeError(`backlog must be an integer, not '${describeType(backlog)}'`);
  }
  if (backlog < 0) throw new RangeError(`backlog must be >= 0, got ${backlog}`);
  return backlog;
}

/** Throws `TypeError` unless `value` is undefined, null or a boolean. */
export function validateFlag(value: unknown, name: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean')
    throw new TypeError(`${name} must be a boolean, not '${describeType(value)}'`);
  return value;
}

/**
 * Throws unless `sock` is a connected stream `net.Socket` (asyncio: "A Stream Socket
 * was expected"): `TypeError` for another kind of object or a TLS socket, `Error` for a
 * socket that is not connected (still connecting, closed or destroyed).
 */
export function validateConnectedSocket(sock: unknown, name = 'sock'): Socket {
  if (!(sock instanceof Socket)) {
    throw new TypeError(
      `${name}: a connected stream socket (net.Socket) was expected, got '${describeType(sock)}'`,
    );
  }
  if (sock instanceof TLSSocket)
    throw new TypeError(`${name} must not be a tls.TLSSocket (pass the ssl option instead)`);
  if (sock.destroyed || sock.pending || sock.readyState === 'closed') {
    throw new Error(
      `${name} is not a connected socket (state: ${sock.destroyed ? 'destroyed' : sock.pending ? 'not connected' : sock.readyState})`,
    );
  }
  return sock;
}

/** `host:port` of a TCP address, as the error messages show it. */
function tcpAddress(address: { address?: string; port?: number }): string {
  return `${address.address ?? '?'}:${address.port ?? '?'}`;
}

/**
 * Throws unless the connected `sock` is a Unix domain socket (asyncio: "A UNIX Domain
 * Stream Socket was expected"): a TCP socket is a `TypeError`.
 */
export function validateUnixSocket(sock: Socket, name = 'sock'): Socket {
  const address = sock.address();
  if ('family' in address && typeof address.family === 'string') {
    throw new TypeError(
      `${name}: a UNIX domain stream socket was expected, got a TCP socket (${tcpAddress(address)})`,
    );
  }
  return sock;
}

/**
 * Throws `TypeError` unless `server` is a `net.Server` listening on a Unix domain socket
 * (asyncio: "A UNIX Domain Stream Socket was expected"): not a server, not listening, or
 * listening on TCP.
 */
export function validateUnixServer(server: unknown, name = 'sock'): NetServer {
  if (!(server instanceof NetServer) || !server.listening) {
    throw new TypeError(`${name} must be a listening net.Server, not '${describeType(server)}'`);
  }
  const address = server.address();
  if (typeof address !== 'string') {
    throw new TypeError(
      `${name}: a UNIX domain stream socket was expected, got a TCP server (${address === null ? 'unbound' : tcpAddress(address)})`,
    );
  }
  return server;
}
