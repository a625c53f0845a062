import { describeType } from './bytes.js';

/** An IP address and port: asyncio's `(host, port)` tuple. */
export type InetAddress = readonly [host: string, port: number];

/** A socket address: an `InetAddress`, or the path of a Unix domain socket. */
export type Address = InetAddress | string;

/**
 * Returns `port` if it is an integer in 0..65535.
 * @throws TypeError for a non-number or a non-integer number; RangeError when out of range.
 */
export function validatePort(port: unknown, name = 'port'): number {
  if (typeof port !== 'number') {
    throw new TypeError(`${name} must be an integer, not '${describeType(port)}'`);
  }
  if (!Number.isInteger(port)) throw new TypeError(`${name} must be an integer, got ${port}`);
  if (port < 0 || port > 65535) throw new RangeError(`${name} must be in 0..65535, got ${port}`);
  return port;
}

/** Throws `TypeError` unless `host` is a non-empty string. */
export function validateHost(host: unknown, name = 'host'): string {
  if (typeof host !== 'string')
    throw new TypeError(`${name} must be a string, not '${describeType(host)}'`);
  if (host === '') throw new TypeError(`${name} must not be empty`);
  return host;
}

/**
 * Validates a `[host, port]` tuple. Throws `TypeError` when it is not a 2-tuple of
 * string and integer, `RangeError` when the port is out of range.
 */
export function validateInetAddress(addr: unknown, name = 'address'): InetAddress {
  if (!Array.isArray(addr) || addr.length !== 2) {
    throw new TypeError(`${name} must be a [host, port] tuple, not '${describeType(addr)}'`);
  }
  validateHost(addr[0], `${name}[0] (host)`);
  validatePort(addr[1], `${name}[1] (port)`);
  return addr as unknown as InetAddress;
}

/** Throws `TypeError` unless `path` is a non-empty string (a Unix socket path). */
export function validatePath(path: unknown, name = 'path'): string {
  if (typeof path !== 'string')
    throw new TypeError(`${name} must be a string, not '${describeType(path)}'`);
  if (path === '') throw new TypeError(`${name} must not be empty`);
  return path;
}

/** Strips the brackets of an IPv6 literal (`[::1]` -> `::1`). */
export function unbracketHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Formats an address for messages: `127.0.0.1:80`, `[::1]:80`, or the path. */
export function formatAddress(addr: Address | null | undefined): string {
  if (addr == null) return 'null';
  if (typeof addr === 'string') return addr;
  const [host, port] = addr;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
