import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import type { Server, Transport } from '@x/transport-core';
import { RecordingProtocol, withTimeout } from '@x/transport-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { reusePortSupported } from './listen.js';
import { Cleanups, makeLoop, rawConnect, readAll, readBytes } from './test-support.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());
const wait = <T>(p: PromiseLike<T>, what: string, ms = 5000) => withTimeout(p, ms, what);

function setup(): ReturnType<typeof makeLoop> {
  const tl = makeLoop();
  cleanups.add(() => tl.loop.close());
  return tl;
}

class Echo extends RecordingProtocol {
  override dataReceived(data: Uint8Array): void {
    super.dataReceived(data);
    this.transport?.write(data);
  }
}

/** A factory of {@link Echo} protocols that keeps every protocol it made, in order. */
function echoFactory(): { factory: () => Echo; protocols: Echo[] } {
  const protocols: Echo[] = [];
  return {
    factory: () => {
      const p = new Echo();
      protocols.push(p);
      return p;
    },
    protocols,
  };
}

/**
 * The kernel's `timer_active` ("tr" in /proc/net/tcp and tcp6) of the TCP socket with
 * this local and remote port, or null if there is none.
 */
function tcpTimerActive(localPort: number, remotePort: number): number | null {
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when ...
      const fields = line.trim().split(/\s+/);
      const local = Number.parseInt(fields[1]?.split(':')[1] ?? '', 16);
      const remote = Number.parseInt(fields[2]?.split(':')[1] ?? '', 16);
      if (local === localPort && remote === remotePort) {
        return Number.parseInt(fields[5]?.split(':')[0] ?? '', 16);
      }
    }
  }
  return null;
}

/** The host each of the server's listening sockets is bound to, in socket order. */
function hostsOf(server: Server): string[] {
  return server.sockets.map((s) => (s.getsockname() as readonly [string, number])[0]);
}

function portOf(server: Server, i = 0): number {
  const name = server.sockets[i]?.getsockname() as readonly [string, number];
  return name[1];
}

async function tracked(server: Server): Promise<Server> {
  cleanups.add(async () => {
    server.close();
    server.abortClients();
    await withTimeout(server.waitClosed(), 2000, 'cleanup').catch(() => {});
  });
  return server;
}

describe('createServer / Server (SPEC §3, asyncio 3.13)', () => {
  it('port 0, sockets, getLoop, isServing; echoes', async () => {
    const { loop } = setup();
    const server = await tracked(await loop.createServer(() => new Echo(), '127.0.0.1', 0));
    expect(server.isServing()).toBe(true);
    expect(server.getLoop()).toBe(loop);
    const port = portOf(server);
    expect(port).toBeGreaterThan(0);
    const client = await rawConnect(cleanups, port);
    client.write('echo me');
    expect((await wait(readBytes(client, 7), 'echo')).toString()).toBe('echo me');
  });

  it('close() stops listening, leaves connections open; waitClosed() waits for the last one', async () => {
    const { loop } = setup();
    const { factory, protocols } = echoFactory();
    const server = await tracked(await loop.createServer(factory, '127.0.0.1', 0));
    const port = portOf(server);
    const client = await rawConnect(cleanups, port);
    client.write('a');
    await wait(readBytes(client, 1), 'echo');
    let closed = false;
    const waiting = server.waitClosed().then(() => {
      closed = true;
    });
    server.close();
    server.close();
    expect(server.isServing()).toBe(false);
    expect(server.sockets).toEqual([]);
    await expect(rawConnect(cleanups, port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    // The accepted connection still works.
    client.write('b');
    expect((await wait(readBytes(client, 1), 'echo after close')).toString()).toBe('b');
    expect(closed).toBe(false);
    client.end();
    await wait(waiting, 'waitClosed');
    expect(protocols[0]?.isLost).toBe(true);
  });

  it('waitClosed() before close() blocks until closed; resolves at once when already done', async () => {
    const { loop } = setup();
    const server = await tracked(await loop.createServer(() => new Echo(), '127.0.0.1', 0));
    let done = false;
    const waiting = server.waitClosed().then(() => {
      done = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    server.close();
    await wait(waiting, 'waitClosed');
    await wait(server.waitClosed(), 'second waitClosed');
  });

  for (const how of ['closeClients', 'abortClients'] as const) {
    it(`${how}() closes every accepted connection`, async () => {
      const { loop } = setup();
      const { factory, protocols } = echoFactory();
      const server = await tracked(await loop.createServer(factory, '127.0.0.1', 0));
      const clients = await Promise.all([1, 2, 3].map(() => rawConnect(cleanups, portOf(server))));
      for (const c of clients) c.write('x');
      await Promise.all(clients.map((c) => wait(readBytes(c, 1), 'echo')));
      const ends = clients.map((c) => readAll(c));
      server.close();
      server[how]();
      await wait(server.waitClosed(), 'waitClosed');
      await Promise.all(ends.map((e) => wait(e, 'client sees the end')));
      expect(protocols.map((p) => p.lostWith)).toEqual([null, null, null]);
    });
  }

  it('await using closes the server and finishes only after its last client closed', async () => {
    const { loop } = setup();
    const { factory, protocols } = echoFactory();
    let server: Server | null = null;
    let servingWhileDisposing: boolean | null = null;
    {
      await using s = await loop.createServer(factory, '127.0.0.1', 0);
      server = s;
      const c = await rawConnect(cleanups, portOf(s));
      c.write('x');
      await wait(readBytes(c, 1), 'echo');
      // Runs once the scope exit has called close() and disposal waits: the client leaves.
      setImmediate(() => {
        servingWhileDisposing = s.isServing();
        c.end();
      });
    }
    // Disposal waited for the client: its connection is over by now.
    expect(servingWhileDisposing).toBe(false);
    expect(protocols).toHaveLength(1);
    expect(protocols[0]?.isLost).toBe(true);
    expect(protocols[0]?.names()).toContain('eofReceived');
    expect(server.isServing()).toBe(false);
    expect(server.sockets).toEqual([]);
  });

  it('startServing: false accepts nothing until startServing() (idempotent)', async () => {
    const { loop } = setup();
    const server = await tracked(
      await loop.createServer(() => new Echo(), '127.0.0.1', 0, { startServing: false }),
    );
    expect(server.isServing()).toBe(false);
    await server.startServing();
    await server.startServing();
    expect(server.isServing()).toBe(true);
    const client = await rawConnect(cleanups, portOf(server));
    client.write('y');
    expect((await wait(readBytes(client, 1), 'echo')).toString()).toBe('y');
  });

  it('serveForever() starts serving; startServing/serveForever on a closed server reject (SPEC §6.8)', async () => {
    const { loop } = setup();
    const server = await tracked(
      await loop.createServer(() => new Echo(), '127.0.0.1', 0, { startServing: false }),
    );
    const forever = server.serveForever();
    await expect(server.serveForever()).rejects.toThrow(/already being awaited/);
    // The start serveForever began (startServing() joins it).
    await wait(server.startServing(), 'serving');
    expect(server.isServing()).toBe(true);
    const client = await rawConnect(cleanups, portOf(server));
    client.write('f');
    expect((await wait(readBytes(client, 1), 'echo')).toString()).toBe('f');
    server.close();
    client.end();
    await wait(forever, 'serveForever');
    await expect(server.startServing()).rejects.toThrow(/closed/);
    await expect(server.serveForever()).rejects.toThrow(/closed/);
  });

  it('serveForever() resolves (not CancelledError) only after close() and waitClosed()', async () => {
    const { loop } = setup();
    const { factory, protocols } = echoFactory();
    const server = await tracked(await loop.createServer(factory, '127.0.0.1', 0));
    const order: string[] = [];
    const forever = server.serveForever().then(() => {
      order.push('serveForever');
    });
    const client = await rawConnect(cleanups, portOf(server));
    client.write('a');
    await wait(readBytes(client, 1), 'echo');
    server.waitClosed().then(() => order.push('waitClosed'));
    server.close();
    // The server is closed but a client is still connected: an echo round trip later,
    // serveForever() has not finished.
    client.write('b');
    expect((await wait(readBytes(client, 1), 'echo after close')).toString()).toBe('b');
    expect(order).toEqual([]);
    client.end();
    await wait(forever, 'serveForever');
    expect(protocols[0]?.isLost).toBe(true);
    expect(order).toEqual(['waitClosed', 'serveForever']);
  });

  it('a list of hosts binds each; host null binds all interfaces', async () => {
    const { loop } = setup();
    const server = await tracked(
      await loop.createServer(() => new Echo(), ['127.0.0.1', '::1'], 0),
    );
    const names = hostsOf(server).sort();
    expect(names).toEqual(['127.0.0.1', '::1']);
    const all = await tracked(await loop.createServer(() => new Echo(), null, 0, { family: 4 }));
    expect(hostsOf(all)).toEqual(['0.0.0.0']);
    const client = await rawConnect(cleanups, portOf(all));
    client.write('z');
    expect((await wait(readBytes(client, 1), 'echo')).toString()).toBe('z');
  });

  it('a host name binds each address it resolves to, once; family filters them', async () => {
    const { loop } = setup();
    const resolved = await lookup('localhost', { all: true, verbatim: true });
    const expected = [...new Set(resolved.map((entry) => entry.address))].sort();
    const named = await tracked(await loop.createServer(() => new Echo(), 'localhost', 0));
    const names = hostsOf(named);
    expect(names.sort()).toEqual(expected);
    const v4 = await tracked(
      await loop.createServer(() => new Echo(), ['localhost', '127.0.0.1', '127.0.0.1'], 0, {
        family: 4,
      }),
    );
    expect(hostsOf(v4)).toEqual(['127.0.0.1']);
    const client = await rawConnect(cleanups, portOf(v4));
    client.write('n');
    expect((await wait(readBytes(client, 1), 'echo')).toString()).toBe('n');
  });

  it('an empty host list is a RangeError at the call, not a server on every interface', async () => {
    const { loop } = setup();
    await expect(loop.createServer(() => new Echo(), [], 0)).rejects.toThrow(
      new RangeError('host is an empty list: give at least one host, or null for all interfaces'),
    );
  });

  it('backlog and reuseAddress: true are accepted; a port in use rejects with EADDRINUSE', async () => {
    const { loop } = setup();
    const server = await tracked(
      await loop.createServer(() => new Echo(), '127.0.0.1', 0, {
        backlog: 10,
        reuseAddress: true,
      }),
    );
    const err = await loop
      .createServer(() => new Echo(), '127.0.0.1', portOf(server))
      .catch((e: unknown) => e);
    expect((err as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
  });

  it('reuseAddress: false rejects before binding (libuv always sets SO_REUSEADDR)', async () => {
    const { loop } = setup();
    const err = await loop
      .createServer(() => new Echo(), '127.0.0.1', 0, { reuseAddress: false })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      /reuseAddress: false is not supported: libuv always sets SO_REUSEADDR/,
    );
  });

  it.runIf(process.platform === 'linux')(
    'keepAlive sets SO_KEEPALIVE on accepted sockets (the kernel runs their keepalive timer)',
    async () => {
      const { loop } = setup();
      const timers: Record<string, number | null> = {};
      for (const keepAlive of [true, false]) {
        let made: (t: Transport) => void = () => {};
        const accepted = new Promise<Transport>((resolve) => {
          made = resolve;
        });
        const server = await tracked(
          await loop.createServer(
            () =>
              new RecordingProtocol({
                hooks: { connectionMade: (p) => made(p.transport as Transport) },
              }),
            '127.0.0.1',
            0,
            { keepAlive },
          ),
        );
        const client = await rawConnect(cleanups, portOf(server));
        await wait(accepted, 'accepted');
        timers[String(keepAlive)] = tcpTimerActive(portOf(server), client.localPort as number);
      }
      // /proc/net/tcp "tr": 2 = keepalive timer pending, 0 = no timer (idle, nothing unacked).
      expect(timers).toEqual({ true: 2, false: 0 });
    },
  );

  it.runIf(reusePortSupported())(
    'reusePort: two servers listen on the same port and both serve',
    async () => {
      const { loop } = setup();
      const first = await tracked(
        await loop.createServer(() => new Echo(), '127.0.0.1', 0, { reusePort: true }),
      );
      const port = portOf(first);
      const second = await tracked(
        await loop.createServer(() => new Echo(), '127.0.0.1', port, { reusePort: true }),
      );
      expect(portOf(second)).toBe(port);
      // Without reusePort the port is taken.
      const err = await loop
        .createServer(() => new Echo(), '127.0.0.1', port)
        .catch((e: unknown) => e);
      expect((err as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
      const client = await rawConnect(cleanups, port);
      client.write('r');
      expect((await wait(readBytes(client, 1), 'echo')).toString()).toBe('r');
      first.close();
      first.closeClients();
      await wait(first.waitClosed(), 'first closed');
      const other = await rawConnect(cleanups, port);
      other.write('s');
      expect((await wait(readBytes(other, 1), 'echo from the second')).toString()).toBe('s');
    },
  );

  it('sock: serves on a listening net.Server', async () => {
    const { loop } = setup();
    const netServer = createNetServer();
    await new Promise<void>((resolve) => netServer.listen(0, '127.0.0.1', resolve));
    cleanups.add(() => netServer.close());
    const server = await tracked(
      await loop.createServer(() => new Echo(), null, null, { sock: netServer }),
    );
    const client = await rawConnect(cleanups, portOf(server));
    client.write('s');
    expect((await wait(readBytes(client, 1), 'echo')).toString()).toBe('s');
  });

  it('1,000 concurrent connections echo correctly', async () => {
    const { loop } = setup();
    const server = await tracked(
      await loop.createServer(() => new Echo(), '127.0.0.1', 0, { backlog: 1024 }),
    );
    const port = portOf(server);
    const results = await wait(
      Promise.all(
        Array.from({ length: 1000 }, async (_, i) => {
          const [transport, protocol] = await loop.createConnection(
            () => new RecordingProtocol(),
            '127.0.0.1',
            port,
          );
          const msg = `message ${i} `.repeat(1 + (i % 50));
          transport.write(Buffer.from(msg));
          await protocol.waitBytes(msg.length);
          transport.close();
          await protocol.waitLost();
          return protocol.text() === msg;
        }),
      ),
      '1000 echoes',
      15_000,
    );
    expect(results.every(Boolean)).toBe(true);
    server.close();
    await wait(server.waitClosed(), 'waitClosed');
  }, 20_000);

  describe('bad input rejects before any I/O', () => {
    const cases: Array<[string, unknown[], new (...a: never[]) => Error]> = [
      ['no host/port/sock', [() => ({})], TypeError],
      ['port out of range', [() => ({}), '127.0.0.1', 65536], RangeError],
      ['float backlog', [() => ({}), '127.0.0.1', 0, { backlog: 1.5 }], TypeError],
      ['string backlog', [() => ({}), '127.0.0.1', 0, { backlog: '1' }], TypeError],
      ['negative backlog', [() => ({}), '127.0.0.1', 0, { backlog: -1 }], RangeError],
      ['options not an object', [() => ({}), '127.0.0.1', 0, 'fast'], TypeError],
      ['keepAlive not a boolean', [() => ({}), '127.0.0.1', 0, { keepAlive: 1 }], TypeError],
      ['host and sock', [() => ({}), '127.0.0.1', 0, { sock: createNetServer() }], TypeError],
      ['sock not listening', [() => ({}), null, null, { sock: createNetServer() }], Error],
      [
        'sslHandshakeTimeout without ssl',
        [() => ({}), '127.0.0.1', 0, { sslHandshakeTimeout: 1 }],
        TypeError,
      ],
      ['bad host list', [() => ({}), [1], 0], TypeError],
      ['reusePort on Node 20', [() => ({}), '127.0.0.1', 0, { reusePort: true }], Error],
    ];
    for (const [name, args, type] of cases) {
      it(name, async () => {
        const { loop } = setup();
        const call = loop.createServer as (...a: unknown[]) => Promise<Server>;
        const result = await call(...args).then(
          (s) => {
            s.close();
            return null;
          },
          (e: unknown) => e,
        );
        if (name === 'reusePort on Node 20' && result === null) return; // supported on newer Node
        expect(result).toBeInstanceOf(type);
      });
    }
  });
});

describe('connectAcceptedSocket', () => {
  it('wraps a socket accepted outside the loop', async () => {
    const { loop } = setup();
    let resolveAccepted: (t: [Transport, RecordingProtocol]) => void = () => {};
    const got = new Promise<[Transport, RecordingProtocol]>((resolve) => {
      resolveAccepted = resolve;
    });
    const netServer = createNetServer((sock) => {
      loop.connectAcceptedSocket(() => new Echo(), sock).then(resolveAccepted);
    });
    await new Promise<void>((resolve) => netServer.listen(0, '127.0.0.1', resolve));
    cleanups.add(() => netServer.close());
    const client = await rawConnect(cleanups, (netServer.address() as { port: number }).port);
    const [transport] = await wait(got, 'accepted');
    cleanups.add(() => transport.abort());
    client.write('hi');
    expect((await wait(readBytes(client, 2), 'echo')).toString()).toBe('hi');
    await expect(loop.connectAcceptedSocket(() => new Echo(), {} as never)).rejects.toBeInstanceOf(
      TypeError,
    );
    await expect(
      loop.connectAcceptedSocket(() => new Echo(), client, { sslShutdownTimeout: 5 }),
    ).rejects.toBeInstanceOf(TypeError);
  });
});
