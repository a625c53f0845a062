import { lookup } from 'node:dns/promises';
import { isIP, Server as NetServer, type Socket } from 'node:net';
import {
  type AbstractEventLoop,
  type CreateServerOptions,
  describeType,
  type Server,
  type StreamProtocol,
  validateHost,
  validatePort,
} from '@x/transport-core';
import { listenOne, reusePortSupported, serverAddress } from './listen.js';
import { TcpServer } from './tcp-server.js';
import { resolveTls } from './tls-options.js';
import {
  normalizeFamily,
  validateBacklog,
  validateFactory,
  validateFlag,
  validateOptions,
} from './validate.js';

interface BindTarget {
  readonly address: string;
  readonly family: 4 | 6;
}

async function resolveHosts(
  hosts: readonly string[] | null,
  family: 0 | 4 | 6,
): Promise<BindTarget[]> {
  if (hosts === null) {
    // All interfaces, as asyncio's getaddrinfo(None, AI_PASSIVE): IPv4 and IPv6.
    const all: BindTarget[] = [
      { address: '0.0.0.0', family: 4 },
      { address: '::', family: 6 },
    ];
    return all.filter((t) => family === 0 || t.family === family);
  }
  const seen = new Set<string>();
  const out: BindTarget[] = [];
  const lists = await Promise.all(
    hosts.map(async (host) => {
      const literal = isIP(host);
      if (literal !== 0) return [{ address: host, family: literal }];
      return lookup(host, { all: true, family, verbatim: true });
    }),
  );
  for (const list of lists) {
    for (const entry of list) {
      if (family !== 0 && entry.family !== family) continue;
      if (seen.has(entry.address)) continue;
      seen.add(entry.address);
      out.push({ address: entry.address, family: entry.family as 4 | 6 });
    }
  }
  if (out.length === 0)
    throw Object.assign(new Error(`getaddrinfo(${hosts.join(', ')}) returned empty list`), {
      code: 'ENOTFOUND',
    });
  return out;
}

function normalizeHosts(host: unknown): readonly string[] | null {
  if (host === undefined || host === null || host === '') return null;
  if (typeof host === 'string') return [host];
  if (Array.isArray(host)) {
    // asyncio makes a server that listens nowhere; binding everywhere instead would be
    // worse. An empty list is almost surely a mistake (an empty config entry): say so.
    if (host.length === 0) {
      throw new RangeError(
        'host is an empty list: give at least one host, or null for all interfaces',
      );
    }
    return host.map((h, i) => validateHost(h, `host[${i}]`));
  }
  throw new TypeError(
    `host must be a string, a list of strings or null, not '${describeType(host)}'`,
  );
}

/** A user-given `net.Server` to serve on: it must already listen. */
function userServer(sock: unknown): NetServer {
  if (!(sock instanceof NetServer)) {
    throw new TypeError(`sock must be a listening net.Server, not '${describeType(sock)}'`);
  }
  if (!sock.listening) throw new Error('sock must be a listening net.Server (call listen() first)');
  return sock;
}

/** `loop.createServer` (asyncio `create_server`). */
export async function createServer(
  loop: AbstractEventLoop,
  protocolFactory: () => StreamProtocol,
  host?: string | readonly string[] | null,
  port?: number | null,
  rawOptions?: CreateServerOptions,
): Promise<Server> {
  validateFactory(protocolFactory);
  const options = validateOptions<CreateServerOptions>(rawOptions, 'createServer');
  const tls = resolveTls(loop, options, true);
  const family = normalizeFamily(options.family);
  const backlog = validateBacklog(options.backlog);
  validateFlag(options.reuseAddress, 'reuseAddress');
  if (options.reuseAddress === false) {
    throw new Error(
      'reuseAddress: false is not supported: libuv always sets SO_REUSEADDR on TCP ' +
        'listening sockets and node:net offers no way to clear it (true or undefined only)',
    );
  }
  const reusePort = validateFlag(options.reusePort, 'reusePort');
  const keepAlive = validateFlag(options.keepAlive, 'keepAlive');
  const startServing =
    options.startServing === undefined ? true : validateFlag(options.startServing, 'startServing');
  if (reusePort && !reusePortSupported()) {
    throw new Error(
      `reusePort is not supported by node:net in Node.js ${process.version} (needs 22.12 or later)`,
    );
  }
  const hasAddress = (host !== undefined && host !== null) || (port !== undefined && port !== null);
  let server: TcpServer;
  if (options.sock !== undefined && options.sock !== null) {
    if (hasAddress) throw new TypeError('host/port and sock can not be specified at the same time');
    const given = userServer(options.sock);
    server = new TcpServer(loop, protocolFactory, {
      tls,
      keepAlive,
      adopt: false,
      addressOf: serverAddress,
      listen: async (onConnection: (socket: Socket) => void) => {
        given.on('connection', onConnection);
        return [given];
      },
    });
  } else {
    if (!hasAddress) throw new TypeError('Neither host/port nor sock were specified');
    const hosts = normalizeHosts(host);
    const portNumber = port === undefined || port === null ? 0 : validatePort(port);
    server = new TcpServer(loop, protocolFactory, {
      tls,
      keepAlive,
      adopt: true,
      addressOf: serverAddress,
      listen: async (onConnection) => {
        const targets = await resolveHosts(hosts, family);
        const servers: NetServer[] = [];
        try {
          for (const target of targets) {
            try {
              servers.push(
                await listenOne(
                  {
                    host: target.address,
                    port: portNumber,
                    backlog,
                    ipv6Only: target.family === 6,
                    ...(reusePort ? { reusePort: true } : {}),
                  },
                  onConnection,
                ),
              );
            } catch (err) {
              // asyncio 3.13 skips addresses that are not available here (e.g. no IPv6).
              const code = (err as { code?: unknown }).code;
              if (code !== 'EADDRNOTAVAIL' && code !== 'EAFNOSUPPORT') throw err;
            }
          }
        } catch (err) {
          for (const s of servers) s.close();
          throw err;
        }
        if (servers.length === 0) {
          throw new Error(
            `could not bind on any address out of ${targets.map((t) => `${t.address}:${portNumber}`).join(', ')}`,
          );
        }
        return servers;
      },
    });
  }
  if (startServing) await server.startServing();
  return server;
}
