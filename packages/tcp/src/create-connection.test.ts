import { createServer as createNetServer, Socket } from 'node:net';
import { TransportNotInstalledError } from '@x/transport-core';
import { RecordingProtocol, withTimeout } from '@x/transport-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Cleanups,
  makeLoop,
  rawConnect,
  rawServer,
  readBytes,
  turnsUntil,
} from './test-support.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());
const wait = <T>(p: PromiseLike<T>, what: string) => withTimeout(p, 5000, what);

function setup(): ReturnType<typeof makeLoop> {
  const tl = makeLoop();
  cleanups.add(() => tl.loop.close());
  return tl;
}

/** A port nobody listens on (bound then closed). */
async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('option keys (asyncio: TypeError for an unexpected keyword argument)', () => {
  it('every stream method refuses an unknown key by name, pointing asyncio spellings to ours', async () => {
    const { loop } = setup();
    const factory = () => new RecordingProtocol();
    const port = await closedPort();
    await expect(
      loop.createConnection(factory, '127.0.0.1', port, { server_hostname: 'x' } as never),
    ).rejects.toThrow(
      /createConnection\(\) got an unknown option 'server_hostname' \(did you mean 'serverHostname'\?\)/,
    );
    await expect(
      loop.createServer(factory, '127.0.0.1', 0, { reuse_port: true } as never),
    ).rejects.toThrow(
      /createServer\(\) got an unknown option 'reuse_port' \(did you mean 'reusePort'\?\)/,
    );
    await expect(
      loop.createServer(factory, '127.0.0.1', 0, { backLog: 5 } as never),
    ).rejects.toThrow(/createServer\(\) got an unknown option 'backLog'; known: .*backlog/);
    await expect(
      loop.createUnixConnection(factory, '/nonexistent/x.sock', { path: 'y' } as never),
    ).rejects.toThrow(/createUnixConnection\(\) got an unknown option 'path'/);
    await expect(
      loop.createUnixServer(factory, '/nonexistent/x.sock', { clean_up: true } as never),
    ).rejects.toThrow(/createUnixServer\(\) got an unknown option 'clean_up'; known: /);
    await expect(
      loop.connectAcceptedSocket(factory, new Socket(), { ssl_context: null } as never),
    ).rejects.toThrow(/connectAcceptedSocket\(\) got an unknown option 'ssl_context'/);
    // A known key, or an unknown one whose value is undefined (spread in), is fine.
    await expect(
      loop.createConnection(factory, '127.0.0.1', port, {
        family: 4,
        extra: undefined,
      } as never),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('createConnection', () => {
  it('resolves after connectionMade returned, with the same transport (SPEC §4.1)', async () => {
    const { loop } = setup();
    const { port } = await rawServer(cleanups);
    const protocol = new RecordingProtocol();
    const [transport, p] = await loop.createConnection(() => protocol, '127.0.0.1', port);
    cleanups.add(() => transport.abort());
    expect(p).toBe(protocol);
    expect(protocol.names()).toEqual(['connectionMade']);
    expect(protocol.transport).toBe(transport);
  });

  it('connection refused: rejects with the OS error; the protocol sees nothing', async () => {
    const { loop } = setup();
    const port = await closedPort();
    const protocol = new RecordingProtocol();
    const err = await loop
      .createConnection(() => protocol, '127.0.0.1', port)
      .catch((e: unknown) => e);
    expect((err as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    expect(protocol.events).toEqual([]);
  });

  it('DNS failure: rejects with the resolver error', async () => {
    const { loop } = setup();
    const protocol = new RecordingProtocol();
    const err = await loop
      .createConnection(() => protocol, 'no-such-host.invalid', 80)
      .catch((e: unknown) => e);
    expect(['ENOTFOUND', 'EAI_AGAIN']).toContain((err as NodeJS.ErrnoException).code);
    expect(protocol.events).toEqual([]);
  });

  it('unreachable local address (bind fails): rejects with the OS error', async () => {
    const { loop } = setup();
    const { port } = await rawServer(cleanups);
    const err = await loop
      .createConnection(() => new RecordingProtocol(), '127.0.0.1', port, {
        localAddr: ['192.0.2.1', 0],
      })
      .catch((e: unknown) => e);
    expect((err as NodeJS.ErrnoException).code).toBe('EADDRNOTAVAIL');
  });

  it('IPv6 loopback and family', async () => {
    const { loop } = setup();
    const { port, accepted } = await rawServer(cleanups, '::1');
    const [transport] = await loop.createConnection(() => new RecordingProtocol(), '::1', port, {
      family: 6,
    });
    cleanups.add(() => transport.abort());
    await accepted();
    expect((transport.getExtraInfo('peername') as readonly [string, number])[0]).toBe('::1');
    const err = await loop
      .createConnection(() => new RecordingProtocol(), '::1', port, { family: 4 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
  });

  it('host names: localhost with happyEyeballsDelay and interleave connects', async () => {
    const { loop } = setup();
    const { port, accepted } = await rawServer(cleanups);
    const [transport] = await loop.createConnection(
      () => new RecordingProtocol(),
      'localhost',
      port,
      {
        happyEyeballsDelay: 50,
        interleave: 1,
      },
    );
    cleanups.add(() => transport.abort());
    await accepted();
    expect((transport.getExtraInfo('peername') as readonly [string, number])[1]).toBe(port);
  });

  it('allErrors: every failed attempt in an AggregateError', async () => {
    const { loop } = setup();
    const port = await closedPort();
    const err = await loop
      .createConnection(() => new RecordingProtocol(), '127.0.0.1', port, { allErrors: true })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AggregateError);
    expect((err as AggregateError).errors[0].code).toBe('ECONNREFUSED');
  });

  it('localAddr of another family than the host: rejects naming the family, no connection made', async () => {
    const { loop } = setup();
    const { port } = await rawServer(cleanups);
    const protocol = new RecordingProtocol();
    await expect(
      loop.createConnection(() => protocol, '127.0.0.1', port, { localAddr: ['::1', 0] }),
    ).rejects.toThrow(new Error('no matching local address with family=4 found'));
    expect(protocol.events).toEqual([]);
  });

  it('localAddr binds the local side', async () => {
    const { loop } = setup();
    const { port, accepted } = await rawServer(cleanups);
    const [transport] = await loop.createConnection(
      () => new RecordingProtocol(),
      '127.0.0.1',
      port,
      {
        localAddr: ['127.0.0.1', 0],
      },
    );
    cleanups.add(() => transport.abort());
    const peer = await accepted();
    expect(transport.getExtraInfo('sockname')).toEqual(['127.0.0.1', peer.remotePort]);
  });

  it('sock: uses an already connected net.Socket (data buffered before is kept)', async () => {
    const { loop } = setup();
    const { port, accepted } = await rawServer(cleanups);
    const sock = await rawConnect(cleanups, port);
    const peer = await accepted();
    // The bytes reach the socket (Node read them into its buffer) before the transport exists.
    peer.write('before');
    await wait(
      turnsUntil(() => sock.readableLength >= 6),
      'the bytes to be read into the socket buffer',
    );
    const [transport, protocol] = await loop.createConnection(
      () => new RecordingProtocol(),
      null,
      null,
      { sock },
    );
    cleanups.add(() => transport.abort());
    expect(transport.getExtraInfo('socket')).toBe(sock);
    await wait(protocol.waitBytes(6), 'the data buffered before');
    expect(protocol.text()).toBe('before');
    peer.write(' and after');
    await wait(protocol.waitBytes(16), 'data');
    expect(protocol.text()).toBe('before and after');
    transport.write(Buffer.from('back'));
    expect((await wait(readBytes(peer, 4), 'back')).toString()).toBe('back');
  });

  it('a throwing connectionMade aborts the connection and rejects with that error (SPEC §6.3)', async () => {
    const { loop, errors } = setup();
    const { port, accepted } = await rawServer(cleanups);
    const boom = new Error('bad connectionMade');
    const protocol = new RecordingProtocol({ throwFrom: 'connectionMade', error: boom });
    const err = await loop
      .createConnection(() => protocol, '127.0.0.1', port)
      .catch((e: unknown) => e);
    expect(err).toBe(boom);
    expect(await wait(protocol.waitLost(), 'connectionLost')).toBe(boom);
    expect(errors[0]?.message).toBe('Fatal error: protocol.connectionMade() call failed.');
    const peer = await accepted();
    await wait(
      new Promise((resolve) => {
        if (peer.readableEnded) resolve(null);
        else peer.once('end', resolve);
        peer.resume();
      }),
      'peer sees EOF',
    );
  });

  it('a throwing protocol factory rejects with its error and closes the socket', async () => {
    const { loop } = setup();
    const { port, accepted } = await rawServer(cleanups);
    const boom = new Error('no protocol');
    const err = await loop
      .createConnection(
        () => {
          throw boom;
        },
        '127.0.0.1',
        port,
      )
      .catch((e: unknown) => e);
    expect(err).toBe(boom);
    const peer = await accepted();
    await wait(
      new Promise((resolve) => {
        if (peer.readableEnded) resolve(null);
        else peer.once('end', resolve);
        peer.resume();
      }),
      'peer sees EOF',
    );
  });

  describe('bad input rejects before any I/O', () => {
    const cases: Array<[string, unknown[], new (...a: never[]) => Error]> = [
      ['factory not a function', [null, '127.0.0.1', 80], TypeError],
      ['port out of range', [() => ({}), '127.0.0.1', 70000], RangeError],
      ['negative port', [() => ({}), '127.0.0.1', -1], RangeError],
      ['port not a number', [() => ({}), '127.0.0.1', '80'], TypeError],
      ['no host/port/sock', [() => ({})], TypeError],
      ['host and sock', [() => ({}), '127.0.0.1', 80, { sock: new Socket() }], TypeError],
      ['sock not connected', [() => ({}), null, null, { sock: new Socket() }], Error],
      ['sock not a socket', [() => ({}), null, null, { sock: {} }], TypeError],
      ['bad family', [() => ({}), '127.0.0.1', 80, { family: 5 }], TypeError],
      ['options not an object', [() => ({}), '127.0.0.1', 80, 42], TypeError],
      ['bad localAddr', [() => ({}), '127.0.0.1', 80, { localAddr: ['127.0.0.1'] }], TypeError],
      [
        'negative happyEyeballsDelay',
        [() => ({}), '127.0.0.1', 80, { happyEyeballsDelay: -1 }],
        RangeError,
      ],
      [
        'serverHostname without ssl',
        [() => ({}), '127.0.0.1', 80, { serverHostname: 'x' }],
        TypeError,
      ],
      [
        'sslHandshakeTimeout without ssl',
        [() => ({}), '127.0.0.1', 80, { sslHandshakeTimeout: 10 }],
        TypeError,
      ],
      [
        'sslShutdownTimeout without ssl',
        [() => ({}), '127.0.0.1', 80, { sslShutdownTimeout: 10 }],
        TypeError,
      ],
    ];
    for (const [name, args, type] of cases) {
      it(name, async () => {
        const { loop } = setup();
        const call = loop.createConnection as (...a: unknown[]) => Promise<unknown>;
        await expect(call(...args)).rejects.toBeInstanceOf(type);
      });
    }

    it('ssl without @x/ssl installed names the package', async () => {
      const { loop } = setup();
      const err = await loop
        .createConnection(() => new RecordingProtocol(), '127.0.0.1', 1, { ssl: true })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportNotInstalledError);
      expect((err as Error).message).toMatch(/@x\/ssl/);
    });
  });
});
