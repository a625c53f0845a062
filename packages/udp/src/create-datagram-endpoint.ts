import { createSocket, type RemoteInfo, type Socket, type SocketOptions } from 'node:dgram';
import { once } from 'node:events';
import {
  type AbstractEventLoop,
  type CreateDatagramEndpointOptions,
  type DatagramProtocol,
  type DatagramTransport,
  describeType,
  type InetAddress,
  toError,
} from '@x/transport-core';
import { checkEndpointOptions } from './endpoint-options.js';
import { loadNativeUdp } from './native-handle.js';
import { resolveEndpoint } from './resolve-endpoint.js';
import { UdpTransport, type UdpTransportInit } from './udp-transport.js';

/**
 * Binds (and connects) a new socket as planned; closes it again on failure. Datagrams
 * that arrive before the transport takes over are collected into `early` (Node reads
 * from the moment of binding and would drop them for want of a listener).
 */
async function openSocket(
  family: 4 | 6,
  local: InetAddress | null,
  remote: InetAddress | null,
  reusePort: boolean,
  allowBroadcast: boolean,
  early: [Buffer, RemoteInfo][],
): Promise<Socket> {
  const options: SocketOptions & { reusePort?: boolean } = { type: family === 6 ? 'udp6' : 'udp4' };
  if (reusePort) options.reusePort = true;
  const sock = createSocket(options);
  sock.on('message', (data: Buffer, rinfo: RemoteInfo) => early.push([data, rinfo]));
  // Until the transport listens: a stray receive error (ICMP) must not crash the process.
  sock.on('error', ignoreError);
  try {
    const listening = once(sock, 'listening');
    sock.bind({
      port: local?.[1] ?? 0,
      address: local?.[0] ?? (family === 6 ? '::' : '0.0.0.0'),
      exclusive: true,
    });
    await listening;
    if (allowBroadcast) sock.setBroadcast(true);
    // With allowBroadcast the socket stays unconnected (asyncio): replies may come from any host.
    if (remote !== null && !allowBroadcast) {
      const connected = once(sock, 'connect');
      sock.connect(remote[1], remote[0]);
      await connected;
    }
    return sock;
  } catch (err) {
    sock.close();
    throw err;
  }
}

function ignoreError(): void {}

/** Connects `transport` and `protocol` (on the loop) and settles the creation. */
function makeConnection<P extends DatagramProtocol>(
  transport: UdpTransport,
  protocol: P,
  resolve: (value: [DatagramTransport, P]) => void,
  reject: (err: Error) => void,
): void {
  try {
    protocol.connectionMade?.(transport);
  } catch (err) {
    // As on every other transport (SPEC §6.3): a throwing connectionMade aborts, the creation rejects.
    transport._callbackFailed(err, 'connectionMade');
    reject(toError(err));
    return;
  }
  transport._start();
  resolve([transport, protocol]);
}

/**
 * `loop.createDatagramEndpoint(protocolFactory, options)` (asyncio
 * `create_datagram_endpoint`): a UDP endpoint bound to `localAddr` (and connected to
 * `remoteAddr`), or over an existing bound `sock`. Resolves after `connectionMade`.
 *
 * Options are checked before any I/O (see `checkEndpointOptions`); host names in the
 * addresses are resolved with `dns.lookup` before binding.
 */
export async function createDatagramEndpoint<P extends DatagramProtocol>(
  loop: AbstractEventLoop,
  protocolFactory: () => P,
  options: CreateDatagramEndpointOptions,
): Promise<[DatagramTransport, P]> {
  if (typeof protocolFactory !== 'function') {
    throw new TypeError(
      `protocolFactory must be a function, not '${describeType(protocolFactory)}'`,
    );
  }
  const plan = checkEndpointOptions(options);
  if (plan.sock === null) await loadNativeUdp();
  let sock: Socket;
  let init: UdpTransportInit;
  const early: [Buffer, RemoteInfo][] = [];
  if (plan.sock !== null) {
    sock = plan.sock;
    init = existingSocketInit(sock);
  } else {
    const resolved = await resolveEndpoint(plan.local, plan.remote, plan.family);
    sock = await openSocket(
      resolved.family,
      resolved.local,
      resolved.remote,
      plan.reusePort,
      plan.allowBroadcast,
      early,
    );
    init = {
      family: resolved.family,
      remote: resolved.remote,
      remoteGiven: plan.remote,
      connected: resolved.remote !== null && !plan.allowBroadcast,
      ownSocket: true,
      early,
    };
  }
  let protocol: P;
  try {
    protocol = protocolFactory();
  } catch (err) {
    if (plan.sock === null) sock.close();
    throw err;
  }
  if (plan.sock === null) {
    sock.removeAllListeners('message');
    sock.removeListener('error', ignoreError);
  }
  const transport = new UdpTransport(loop, protocol, sock, init);
  return new Promise<[DatagramTransport, P]>((resolve, reject) => {
    loop.callSoon(makeConnection<P>, transport, protocol, resolve, reject);
  });
}

/** What a user's bound (maybe connected) socket already is. */
function existingSocketInit(sock: Socket): UdpTransportInit {
  const family = sock.address().family === 'IPv6' ? 6 : 4;
  let remote: InetAddress | null = null;
  try {
    const peer = sock.remoteAddress();
    remote = [peer.address, peer.port];
  } catch {
    // Not connected: sendto() needs an address.
  }
  return { family, remote, remoteGiven: remote, connected: remote !== null };
}
