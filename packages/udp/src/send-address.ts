import { isIP } from 'node:net';
import {
  describeType,
  formatAddress,
  type InetAddress,
  unbracketHost,
  validateInetAddress,
  validatePort,
} from '@x/transport-core';

/** The host `'<broadcast>'` means the limited broadcast address (as in Python and uvloop). */
const BROADCAST_HOST = '<broadcast>';

/**
 * Checks a `sendto()` destination and returns its numeric host (brackets stripped,
 * `'<broadcast>'` mapped to `255.255.255.255`).
 *
 * Host names are refused rather than looked up: a DNS query per datagram would make
 * `sendto()` wait on the network and reorder datagrams (uvloop refuses them too).
 *
 * @throws TypeError when `addr` is not a `[host, port]` tuple (a Unix path included:
 *   node:dgram has no Unix datagram sockets); RangeError for a port outside 1..65535;
 *   Error for a host name or an address of the other IP family.
 */
export function checkSendAddress(addr: unknown, family: 4 | 6): string {
  if (typeof addr === 'string') {
    throw new TypeError(
      `addr must be a [host, port] tuple, not a Unix path ('${addr}'): node:dgram has no Unix datagram sockets`,
    );
  }
  if (!Array.isArray(addr) || addr.length !== 2) {
    throw new TypeError(`addr must be a [host, port] tuple, not '${describeType(addr)}'`);
  }
  const [rawHost, port] = addr as unknown[];
  if (typeof rawHost !== 'string' || rawHost === '') {
    throw new TypeError(
      `addr[0] (host) must be a non-empty string, not '${describeType(rawHost)}'`,
    );
  }
  validatePort(port, 'addr[1] (port)');
  if (port === 0) throw new RangeError('addr[1] (port) must be in 1..65535, got 0');
  const host = rawHost === BROADCAST_HOST ? '255.255.255.255' : unbracketHost(rawHost);
  const hostFamily = isIP(host);
  if (hostFamily === 0) {
    throw new Error(
      `sendto() needs a numeric IP address, got host name '${rawHost}': ` +
        'resolve it first (no DNS lookup is made per datagram)',
    );
  }
  if (hostFamily !== family) {
    throw new Error(
      `socket family mismatch: cannot send to IPv${hostFamily} address ${formatAddress([host, port as number])} ` +
        `from an IPv${family} endpoint`,
    );
  }
  return host;
}

/** True when `a` and `b` name the same `[host, port]` (hosts compared without brackets). */
export function sameAddress(host: string, port: number, other: InetAddress): boolean {
  return port === other[1] && host === unbracketHost(other[0]);
}

/**
 * The `sendto()` address rules of one endpoint: with `remoteAddr`, `addr` must name it
 * (as given, or its numeric form: asyncio's check); without, any numeric `[host, port]`
 * of the endpoint's family. Remembers the last host that passed, because a server
 * replies to few peers and the full check is not free.
 */
export class SendDestinations {
  readonly #family: 4 | 6;
  readonly #remote: InetAddress | null;
  readonly #remoteGiven: InetAddress | null;
  #checkedHost: string | null = null;

  constructor(family: 4 | 6, remote: InetAddress | null, remoteGiven: InetAddress | null) {
    this.#family = family;
    this.#remote = remote;
    this.#remoteGiven = remoteGiven;
  }

  /** Checks `addr` on an endpoint without `remoteAddr`; returns its numeric host. */
  host(addr: unknown): string {
    const host = (addr as InetAddress)[0];
    if (host === this.#checkedHost && Array.isArray(addr) && addr.length === 2) {
      const port = addr[1];
      if (typeof port === 'number' && Number.isInteger(port) && port > 0 && port <= 65535) {
        return host;
      }
    }
    const checked = checkSendAddress(addr, this.#family);
    if (checked === host) this.#checkedHost = host;
    return checked;
  }

  /** Checks that `addr` names `remoteAddr`. @throws as {@link checkSendAddress}, or Error "Invalid address". */
  remote(addr: unknown, remote: InetAddress): void {
    if (typeof addr === 'string') checkSendAddress(addr, this.#family);
    const [host, port] = validateInetAddress(addr, 'addr');
    const given = this.#remoteGiven;
    const plain = unbracketHost(host);
    if (!sameAddress(plain, port, remote) && !(given !== null && sameAddress(plain, port, given))) {
      throw new Error(`Invalid address: must be null or ${formatAddress(this.#remote ?? remote)}`);
    }
  }
}
