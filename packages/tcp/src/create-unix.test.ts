import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, Server as NetServer, Socket } from 'node:net';
import { join } from 'node:path';
import type { Server } from '@x/transport-core';
import {
  RecordingBufferedProtocol,
  RecordingProtocol,
  withTimeout,
} from '@x/transport-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanups, makeLoop, rawConnect, rawServer, readBytes, tempDir } from './test-support.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());
const wait = <T>(p: PromiseLike<T>, what: string) => withTimeout(p, 5000, what);

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

function tracked(server: Server): Server {
  cleanups.add(() => {
    server.close();
    server.abortClients();
  });
  return server;
}

describe('Unix sockets', () => {
  it('createUnixServer + createUnixConnection echo (Protocol and BufferedProtocol); extra info is the path', async () => {
    const { loop } = setup();
    const path = join(tempDir(cleanups), 's.sock');
    const server = tracked(await loop.createUnixServer(() => new Echo(), path));
    expect(server.sockets[0]?.getsockname()).toBe(path);
    for (const factory of [
      () => new RecordingProtocol(),
      () => new RecordingBufferedProtocol({ bufferSize: 7 }),
    ]) {
      const [transport, protocol] = await loop.createUnixConnection(factory, path);
      expect(transport.getExtraInfo('peername')).toBe(path);
      transport.write(Buffer.from('over unix'));
      await wait(protocol.waitBytes(9), 'echo');
      expect(protocol.text()).toBe('over unix');
      transport.writeEof();
      expect(await wait(protocol.waitLost(), 'connectionLost')).toBe(null);
      protocol.assertGrammar({ complete: true });
    }
  });

  it('close() removes the socket file (cleanupSocket), not when disabled', async () => {
    const { loop } = setup();
    const dir = tempDir(cleanups);
    const path = join(dir, 'a.sock');
    const server = await loop.createUnixServer(() => new Echo(), path);
    expect(existsSync(path)).toBe(true);
    server.close();
    expect(existsSync(path)).toBe(false);
    const kept = join(dir, 'b.sock');
    const other = await loop.createUnixServer(() => new Echo(), kept, { cleanupSocket: false });
    other.close();
    expect(existsSync(kept)).toBe(true);
  });

  it('close() leaves a file that replaced the socket file (inode changed)', async () => {
    const { loop } = setup();
    const path = join(tempDir(cleanups), 'c.sock');
    const server = await loop.createUnixServer(() => new Echo(), path);
    unlinkSync(path);
    writeFileSync(path, 'someone else');
    server.close();
    expect(readFileSync(path, 'utf8')).toBe('someone else');
  });

  it('a stale socket file is removed first; a live socket is EADDRINUSE; a regular file is an error', async () => {
    const { loop } = setup();
    const dir = tempDir(cleanups);
    const stale = join(dir, 'stale.sock');
    const old = await loop.createUnixServer(() => new Echo(), stale, { cleanupSocket: false });
    old.close();
    await wait(old.waitClosed(), 'closed');
    const fresh = tracked(await loop.createUnixServer(() => new Echo(), stale));
    const client = await rawConnect(cleanups, stale);
    client.write('ok');
    expect((await wait(readBytes(client, 2), 'echo')).toString()).toBe('ok');
    const live = await loop.createUnixServer(() => new Echo(), stale).catch((e: unknown) => e);
    expect((live as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
    expect(fresh.isServing()).toBe(true);
    const file = join(dir, 'regular');
    writeFileSync(file, 'not a socket');
    const err = await loop.createUnixServer(() => new Echo(), file).catch((e: unknown) => e);
    expect((err as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
    expect(existsSync(file)).toBe(true);
  });

  it('a path longer than 107 bytes is a RangeError before any I/O', async () => {
    const { loop } = setup();
    const long = `/tmp/${'x'.repeat(120)}`;
    await expect(loop.createUnixServer(() => new Echo(), long)).rejects.toBeInstanceOf(RangeError);
    await expect(loop.createUnixConnection(() => new Echo(), long)).rejects.toBeInstanceOf(
      RangeError,
    );
    await expect(loop.createUnixServer(() => new Echo(), '')).rejects.toBeInstanceOf(TypeError);
    await expect(loop.createUnixConnection(() => new Echo())).rejects.toBeInstanceOf(TypeError);
    expect(existsSync(long)).toBe(false);
  });

  it('path and sock together, or neither, are a TypeError before any I/O (asyncio messages)', async () => {
    const { loop } = setup();
    const path = join(tempDir(cleanups), 's.sock');
    const sock = new Socket();
    const server = new NetServer();
    await expect(loop.createUnixConnection(() => new Echo(), path, { sock })).rejects.toThrow(
      new TypeError('path and sock can not be specified at the same time'),
    );
    await expect(loop.createUnixServer(() => new Echo(), path, { sock: server })).rejects.toThrow(
      new TypeError('path and sock can not be specified at the same time'),
    );
    await expect(loop.createUnixServer(() => new Echo(), null)).rejects.toThrow(
      new TypeError('path was not specified, and no sock specified'),
    );
    expect(existsSync(path)).toBe(false);
  });

  it('connecting to a missing path rejects with ENOENT; the protocol sees nothing', async () => {
    const { loop } = setup();
    const protocol = new RecordingProtocol();
    const err = await loop
      .createUnixConnection(() => protocol, join(tempDir(cleanups), 'missing.sock'))
      .catch((e: unknown) => e);
    expect((err as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(protocol.events).toEqual([]);
  });

  it('sock: createUnixServer on a listening net.Server, createUnixConnection on a connected socket', async () => {
    const { loop } = setup();
    const path = join(tempDir(cleanups), 'given.sock');
    const netServer = createNetServer();
    await new Promise<void>((resolve) => netServer.listen(path, resolve));
    cleanups.add(() => netServer.close());
    tracked(await loop.createUnixServer(() => new Echo(), null, { sock: netServer }));
    const sock = await rawConnect(cleanups, path);
    const [transport, protocol] = await loop.createUnixConnection(
      () => new RecordingProtocol(),
      null,
      { sock },
    );
    transport.write(Buffer.from('given'));
    await wait(protocol.waitBytes(5), 'echo');
    transport.close();
    await wait(protocol.waitLost(), 'connectionLost');
  });

  it('sock: a TCP socket or TCP server is a TypeError (a UNIX domain stream socket was expected)', async () => {
    const { loop } = setup();
    const { port } = await rawServer(cleanups);
    const tcpSock = await rawConnect(cleanups, port);
    const protocol = new RecordingProtocol();
    const err = await loop
      .createUnixConnection(() => protocol, null, { sock: tcpSock })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(
      /a UNIX domain stream socket was expected, got a TCP socket \(127\.0\.0\.1:\d+\)/,
    );
    expect(protocol.events).toEqual([]);
    // Refused before any I/O: the socket is left as it was, still usable.
    expect(tcpSock.destroyed).toBe(false);
    const tcpServer = createNetServer();
    await new Promise<void>((resolve) => tcpServer.listen(0, '127.0.0.1', resolve));
    cleanups.add(() => tcpServer.close());
    const serverErr = await loop
      .createUnixServer(() => new Echo(), null, { sock: tcpServer })
      .catch((e: unknown) => e);
    expect(serverErr).toBeInstanceOf(TypeError);
    expect((serverErr as Error).message).toMatch(
      /a UNIX domain stream socket was expected, got a TCP server \(127\.0\.0\.1:\d+\)/,
    );
    expect(tcpServer.listening).toBe(true);
    expect(tcpServer.listenerCount('connection')).toBe(0);
  });
});
