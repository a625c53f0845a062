import type { Address } from '@x/transport-core';

/**
 * Python's `repr()` of a `str`, so that an app prints exactly what the seed's `%r` or
 * `'{!r}'.format(...)` prints: single quotes unless the text has a single quote and no
 * double quote; backslash escapes for `\\`, the quote, `\n`, `\r`, `\t` and the other
 * control characters (`\xNN`). Never throws.
 *
 * @example pyRepr("it's") // => `"it's"`
 */
export function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\' || ch === quote) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/**
 * Python's `str()` of a socket address (what the seed prints for
 * `get_extra_info('peername')` or a datagram's sender): `('127.0.0.1', 50000)` for IPv4,
 * `('::1', 50000, 0, 0)` for IPv6 (Python's 4-tuple), the `repr()` of a Unix socket
 * path, `None` for no address.
 */
export function pyAddress(addr: Address | null): string {
  if (addr === null) return 'None';
  if (typeof addr === 'string') return pyRepr(addr);
  const [host, port] = addr;
  return host.includes(':') ? `(${pyRepr(host)}, ${port}, 0, 0)` : `(${pyRepr(host)}, ${port})`;
}
