import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { formatAddress, type InetAddress, unbracketHost } from '@x/transport-core';

/** The numeric addresses and IP family an endpoint will use. */
export interface ResolvedEndpoint {
  readonly family: 4 | 6;
  readonly local: InetAddress | null;
  readonly remote: InetAddress | null;
}

interface Candidate {
  readonly address: string;
  readonly family: 4 | 6;
}

/** A numeric host as it is (no DNS query, as asyncio skips `getaddrinfo`); a name through `dns.lookup`. */
async function candidates(addr: InetAddress, family: 0 | 4 | 6): Promise<Candidate[]> {
  const host = unbracketHost(addr[0]);
  const literal = isIP(host);
  if (literal !== 0) return [{ address: host, family: literal as 4 | 6 }];
  const found = await lookup(host, { all: true, family });
  return found.map((r) => ({ address: r.address, family: r.family as 4 | 6 }));
}

/**
 * Resolves `localAddr`/`remoteAddr` to numeric addresses of one common IP family (the
 * first family of the remote's results that the local address also has; asyncio
 * pairs `getaddrinfo` results the same way).
 * @throws Node's DNS error (`ENOTFOUND`, ...) for an unresolvable host; Error
 *   "can not get address information" when no family fits both.
 */
export async function resolveEndpoint(
  local: InetAddress | null,
  remote: InetAddress | null,
  family: 0 | 4 | 6,
): Promise<ResolvedEndpoint> {
  const [locals, remotes] = await Promise.all([
    local === null ? null : candidates(local, family),
    remote === null ? null : candidates(remote, family),
  ]);
  const order = remotes ?? locals ?? [];
  for (const c of order) {
    if (family !== 0 && c.family !== family) continue;
    const l = locals?.find((x) => x.family === c.family);
    const r = remotes?.find((x) => x.family === c.family);
    if (locals !== null && l === undefined) continue;
    return {
      family: c.family,
      local: local !== null && l !== undefined ? [l.address, local[1]] : null,
      remote: remote !== null && r !== undefined ? [r.address, remote[1]] : null,
    };
  }
  if (local === null && remote === null)
    return { family: family === 6 ? 6 : 4, local: null, remote: null };
  throw new Error(
    `can not get address information for localAddr=${formatAddress(local)} remoteAddr=${formatAddress(remote)}` +
      (family === 0 ? '' : ` with family IPv${family}`),
  );
}
