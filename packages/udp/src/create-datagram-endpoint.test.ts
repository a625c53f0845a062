import { createSocket, type Socket } from 'node:dgram';
import { Socket as NetSocket } from 'node:net';
import type { DatagramTransport } from '@x/transport-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dgramSupportsReusePort } from './endpoint-options.js';
import { openEndpoint, Recorder, TestLoop } from './test-support.js';
import { UdpTransport } from './udp-transport.js';

let loop: TestLoop;
const transports: DatagramTransport[] = [];
const sockets: Socket[] = [];

async function endpoint(options: Parameters<TestLoop['createDatagramEndpoint']>[1]) {
  const [transport, protocol] = await loop.createDatagramEndpoint(
    () => new Recorder(loop),
    options,
  );
  transports.push(transport);
  return [transport, protocol] as const;
}

function boundSocket(type: 'udp4' | 'udp6' = 'udp4'): Promise<Socket> {
  const sock = createSocket(type);
  sockets.push(sock);
  return new Promise((resolve) =>
    sock.bind(0, type === 'udp4' ? '127.0.0.1' : '::1', () => resolve(sock)),
  );
}

beforeEach(() => {
  loop = new TestLoop();
});

afterEach(async () => {
  for (const t of transports.splice(0)) t.abort();
  for (const s of sockets.splice(0)) {
    try {
      s.close();
    } catch {}
  }
  // Fails the test if a callback threw (a Recorder grammar check included).
  await loop.dispose();
});

describe('createDatagramEndpoint: validation before any I/O (asyncio 3.13 errors)', () => {
  const factory = () => new Recorder(loop);

  it('rejects sock together with an address option, naming the options (B-087)', async () => {
    const sock = await boundSocket();
    await expect(
      loop.createDatagramEndpoint(factory, { sock, localAddr: ['127.0.0.1', 0] }),
    ).rejects.toThrow(
      /socket modifier keyword arguments can not be used when sock is specified\. \(localAddr=/,
    );
    await expect(
      loop.createDatagramEndpoint(factory, { sock, allowBroadcast: true, family: 4 }),
    ).rejects.toThrow(/family=4, allowBroadcast=true/);
    await expect(
      loop.createDatagramEndpoint(factory, {
        sock,
        remoteAddr: ['127.0.0.1', 9],
        reusePort: true,
      }),
    ).rejects.toThrow(/\(remoteAddr=\["127\.0\.0\.1",9\], reusePort=true\)$/);
  });

  it('options that are not an object are a TypeError', async () => {
    await expect(loop.createDatagramEndpoint(factory, 'udp4' as never)).rejects.toThrow(
      new TypeError("options must be an object, not 'string'"),
    );
  });

  it('rejects a stream socket and a non-socket as sock (B-088)', async () => {
    const stream = new NetSocket();
    await expect(
      loop.createDatagramEndpoint(factory, { sock: stream as unknown as Socket }),
    ).rejects.toThrow(/A datagram socket was expected/);
    stream.destroy();
    await expect(
      loop.createDatagramEndpoint(factory, { sock: {} as unknown as Socket }),
    ).rejects.toThrow(TypeError);
  });

  it('rejects an unbound dgram socket as sock', async () => {
    const sock = createSocket('udp4');
    sockets.push(sock);
    await expect(loop.createDatagramEndpoint(factory, { sock })).rejects.toThrow(
      /must be a bound dgram.Socket/,
    );
  });

  it('rejects no address and no family (B-089 "unexpected address family")', async () => {
    await expect(loop.createDatagramEndpoint(factory, {})).rejects.toThrow(
      /unexpected address family/,
    );
    await expect(
      loop.createDatagramEndpoint(factory, undefined as unknown as Record<string, never>),
    ).rejects.toThrow(/unexpected address family/);
  });

  it('rejects a non-tuple or out-of-range localAddr/remoteAddr (TypeError/RangeError)', async () => {
    const bad = (localAddr: unknown) =>
      loop.createDatagramEndpoint(factory, { localAddr: localAddr as [string, number] });
    await expect(bad(['127.0.0.1', 0, 1])).rejects.toThrow(TypeError);
    await expect(bad([127, 0])).rejects.toThrow(TypeError);
    await expect(bad(['127.0.0.1', 70000])).rejects.toThrow(RangeError);
    await expect(
      loop.createDatagramEndpoint(factory, { remoteAddr: ['127.0.0.1', 0] }),
    ).rejects.toThrow(RangeError);
  });

  it('rejects Unix datagram paths and family "unix": node:dgram cannot', async () => {
    await expect(
      loop.createDatagramEndpoint(factory, { localAddr: '/tmp/x.sock' }),
    ).rejects.toThrow(/Unix datagram sockets are not supported/);
    await expect(loop.createDatagramEndpoint(factory, { family: 'unix' })).rejects.toThrow(
      /Unix datagram sockets are not supported/,
    );
  });

  it('rejects families that cannot match (B-089 "can not get address information")', async () => {
    await expect(
      loop.createDatagramEndpoint(factory, { localAddr: ['::1', 0], remoteAddr: ['127.0.0.1', 9] }),
    ).rejects.toThrow(/can not get address information/);
    await expect(
      loop.createDatagramEndpoint(factory, { localAddr: ['127.0.0.1', 0], family: 6 }),
    ).rejects.toThrow(/can not get address information/);
  });

  it('refuses an unknown option key by name, pointing an asyncio spelling to ours', async () => {
    await expect(
      loop.createDatagramEndpoint(factory, { local_addr: ['127.0.0.1', 0] } as never),
    ).rejects.toThrow(
      /createDatagramEndpoint\(\) got an unknown option 'local_addr' \(did you mean 'localAddr'\?\)/,
    );
  });

  it('rejects bad option types and a non-function factory with TypeError', async () => {
    await expect(
      loop.createDatagramEndpoint(factory, { family: 5 as unknown as 4 }),
    ).rejects.toThrow(TypeError);
    await expect(
      loop.createDatagramEndpoint(factory, {
        family: 4,
        allowBroadcast: 'yes' as unknown as boolean,
      }),
    ).rejects.toThrow(TypeError);
    await expect(
      loop.createDatagramEndpoint(null as unknown as () => Recorder, { family: 4 }),
    ).rejects.toThrow(TypeError);
  });

  it("rejects reuseAddress: true with asyncio's message (TypeError); false and undefined are accepted", async () => {
    const withReuse = (reuseAddress: unknown, more: object = { localAddr: ['127.0.0.1', 0] }) =>
      loop.createDatagramEndpoint(factory, {
        ...more,
        reuseAddress,
      } as Parameters<TestLoop['createDatagramEndpoint']>[1]);
    const refused = withReuse(true);
    await expect(refused).rejects.toThrow(TypeError);
    await expect(refused).rejects.toThrow(
      'reuseAddress: true is not supported: SO_REUSEADDR on a UDP socket lets any other socket bind the same port',
    );
    // Checked first, as asyncio did: also with sock.
    await expect(withReuse(true, { sock: await boundSocket() })).rejects.toThrow(
      /reuseAddress: true/,
    );
    await expect(withReuse('yes')).rejects.toThrow(/reuseAddress must be a boolean/);
    for (const accepted of [false, undefined, null]) {
      const [t] = await withReuse(accepted);
      transports.push(t);
      expect(t.isClosing()).toBe(false);
    }
  });

  it.runIf(!dgramSupportsReusePort())('rejects reusePort where node:dgram lacks it', async () => {
    await expect(
      loop.createDatagramEndpoint(factory, { family: 4, reusePort: true }),
    ).rejects.toThrow(/reusePort is not supported/);
  });

  it('leaves the loop usable after a rejected call', async () => {
    await expect(loop.createDatagramEndpoint(factory, {})).rejects.toThrow();
    const [t] = await endpoint({ localAddr: ['127.0.0.1', 0] });
    expect(t.isClosing()).toBe(false);
  });
});

describe('createDatagramEndpoint: endpoints', () => {
  it('resolves after connectionMade returned, with a DatagramTransport (B-071)', async () => {
    let madeBeforeResolve = false;
    const [transport, protocol] = await endpoint({ localAddr: ['127.0.0.1', 0] });
    madeBeforeResolve = protocol.names()[0] === 'made';
    expect(madeBeforeResolve).toBe(true);
    expect(transport).toBeInstanceOf(UdpTransport);
    expect(protocol.transport).toBe(transport);
  });

  it('binds localAddr; sockname and socket extra info; no peername when unconnected (B-085)', async () => {
    const [t] = await endpoint({ localAddr: ['127.0.0.1', 0] });
    const [host, port] = t.getExtraInfo('sockname') as [string, number];
    expect(host).toBe('127.0.0.1');
    expect(port).toBeGreaterThan(0);
    expect(t.getExtraInfo('peername')).toBeNull();
    expect(t.getExtraInfo('socket')).toBeDefined();
  });

  it('resolves a host name in localAddr before binding (localhost)', async () => {
    const [t] = await endpoint({ localAddr: ['localhost', 0], family: 4 });
    expect((t.getExtraInfo('sockname') as [string, number])[0]).toBe('127.0.0.1');
  });

  it('remoteAddr connects: peername set, datagrams go to the peer without addr', async () => {
    const [server, serverProto, serverAddr] = await openEndpoint(loop);
    transports.push(server);
    const [client, clientProto] = await endpoint({ remoteAddr: serverAddr });
    expect(client.getExtraInfo('peername')).toEqual(serverAddr);
    client.sendto(new TextEncoder().encode('ping'));
    await serverProto.received(1);
    expect(Buffer.from(serverProto.datagrams[0] as Uint8Array).toString()).toBe('ping');
    const from = serverProto.events[1]?.[2] as [string, number];
    server.sendto(Buffer.from('pong'), from);
    await clientProto.received(1);
    expect(clientProto.events[1]).toEqual(['datagram', Buffer.from('pong'), serverAddr]);
  });

  it('localAddr and remoteAddr together: bound where asked, connected to the peer (uvloop test_create_datagram_1)', async () => {
    const [server, serverProto, serverAddr] = await openEndpoint(loop);
    transports.push(server);
    const [probe] = await endpoint({ localAddr: ['127.0.0.1', 0] });
    const fixedPort = (probe.getExtraInfo('sockname') as [string, number])[1];
    probe.close();
    await (probe.getProtocol() as Recorder).lost;
    const [client] = await endpoint({
      localAddr: ['127.0.0.1', fixedPort],
      remoteAddr: serverAddr,
    });
    expect(client.getExtraInfo('sockname')).toEqual(['127.0.0.1', fixedPort]);
    expect(client.getExtraInfo('peername')).toEqual(serverAddr);
    client.sendto(Buffer.from('from fixed port'));
    await serverProto.received(1);
    expect(serverProto.events[1]?.[2]).toEqual(['127.0.0.1', fixedPort]);
  });

  it('family 6 with no address binds an IPv6 endpoint (uvloop test_create_datagram_endpoint_ipv6_family)', async () => {
    const [t] = await endpoint({ family: 6 });
    expect((t.getExtraInfo('sockname') as [string, number])[0]).toBe('::');
  });

  it('IPv6 echo on ::1: addresses are [host, port] tuples', async () => {
    const [a, aProto, aAddr] = await openEndpoint(loop, '::1');
    const [b, bProto, bAddr] = await openEndpoint(loop, '::1');
    transports.push(a, b);
    b.sendto(Buffer.from('six'), aAddr);
    await aProto.received(1);
    expect(aProto.events[1]).toEqual(['datagram', Buffer.from('six'), bAddr]);
    expect(bProto.datagrams).toHaveLength(0);
  });

  it('sock: wraps a bound dgram.Socket and closes it with the transport', async () => {
    const sock = await boundSocket();
    const [t, p] = await endpoint({ sock });
    expect(t.getExtraInfo('socket')).toBe(sock);
    const closed = new Promise<void>((resolve) => sock.once('close', () => resolve()));
    t.close();
    expect(await p.lost).toBeNull();
    await closed;
  });

  it('sock: a connected socket gives peername and connected sendto', async () => {
    const [server, serverProto, serverAddr] = await openEndpoint(loop);
    transports.push(server);
    const sock = await boundSocket();
    await new Promise<void>((resolve) =>
      sock.connect(serverAddr[1], serverAddr[0], () => resolve()),
    );
    const [t] = await endpoint({ sock });
    expect(t.getExtraInfo('peername')).toEqual(serverAddr);
    t.sendto(Buffer.from('via sock'));
    await serverProto.received(1);
  });

  it('allowBroadcast sets SO_BROADCAST; with remoteAddr it stays unconnected but checks sendto (B-085)', async () => {
    const [server, serverProto, serverAddr] = await openEndpoint(loop);
    transports.push(server);
    const [t] = await endpoint({ remoteAddr: serverAddr, allowBroadcast: true });
    expect(t.getExtraInfo('peername')).toBeNull();
    expect(() => t.sendto(Buffer.from('x'), ['127.0.0.1', 9])).toThrow(/Invalid address/);
    t.sendto(Buffer.from('b'));
    await serverProto.received(1);
    // SO_BROADCAST is on: the limited broadcast address is accepted by the kernel.
    const [b, bProto] = await endpoint({ family: 4, allowBroadcast: true });
    b.sendto(Buffer.from('all'), ['<broadcast>', serverAddr[1]]);
    b.sendto(Buffer.from('done'), serverAddr);
    await serverProto.received(2);
    expect(bProto.errors.filter((e) => (e as NodeJS.ErrnoException).code === 'EACCES')).toEqual([]);
  });

  it.runIf(dgramSupportsReusePort() && process.platform === 'linux')(
    'reusePort: true lets two endpoints bind one port (SO_REUSEPORT); one without it cannot (B-086)',
    async () => {
      const [first, firstProto] = await endpoint({ localAddr: ['127.0.0.1', 0], reusePort: true });
      const shared = first.getExtraInfo('sockname') as [string, number];
      const [second, secondProto] = await endpoint({ localAddr: shared, reusePort: true });
      expect(second.getExtraInfo('sockname')).toEqual(shared);
      await expect(
        loop.createDatagramEndpoint(() => new Recorder(loop), { localAddr: shared }),
      ).rejects.toMatchObject({ code: 'EADDRINUSE' });
      // The kernel hands a datagram for the shared port to one of the two.
      const [sender] = await endpoint({ localAddr: ['127.0.0.1', 0] });
      sender.sendto(Buffer.from('shared'), shared);
      await Promise.race([firstProto.received(1), secondProto.received(1)]);
      expect([...firstProto.datagrams, ...secondProto.datagrams]).toEqual([Buffer.from('shared')]);
    },
  );

  it('a failed bind rejects with the OS error (EADDRINUSE) and never calls the factory', async () => {
    const taken = await boundSocket();
    let called = false;
    await expect(
      loop.createDatagramEndpoint(
        () => {
          called = true;
          return new Recorder(loop);
        },
        { localAddr: ['127.0.0.1', taken.address().port] },
      ),
    ).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(called).toBe(false);
  });

  it('a throwing protocol factory rejects and closes the socket it made', async () => {
    const boom = new Error('factory');
    await expect(
      loop.createDatagramEndpoint(
        () => {
          throw boom;
        },
        { localAddr: ['127.0.0.1', 0] },
      ),
    ).rejects.toBe(boom);
  });

  it('a throwing connectionMade rejects, is reported, and connectionLost(err) follows', async () => {
    loop.expectExceptions();
    const boom = new Error('made');
    const lost = loop.createFuture<Error | null>();
    const proto = {
      connectionMade() {
        throw boom;
      },
      connectionLost: (exc: Error | null) => lost.setResult(exc),
    };
    await expect(
      loop.createDatagramEndpoint(() => proto, { localAddr: ['127.0.0.1', 0] }),
    ).rejects.toBe(boom);
    expect(await lost).toBe(boom);
    expect(loop.exceptions[0]?.message).toBe('Fatal error: protocol.connectionMade() call failed.');
  });
});
