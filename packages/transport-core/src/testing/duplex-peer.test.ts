import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'vitest';
import { DuplexPeer } from './duplex-peer.js';
import { withTimeout } from './with-timeout.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanups.splice(0).reverse()) fn();
});

/** A connected pair of real sockets over `listen` (TCP on 127.0.0.1, or a Unix path). */
async function socketPair(path: string | null = null): Promise<[net.Socket, net.Socket]> {
  const server = net.createServer({ allowHalfOpen: true });
  cleanups.push(() => server.close());
  await new Promise<void>((resolve) => {
    if (path === null) server.listen(0, '127.0.0.1', resolve);
    else server.listen(path, resolve);
  });
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const address = server.address();
  const client =
    typeof address === 'string'
      ? net.connect({ path: address, allowHalfOpen: true })
      : net.connect({
          port: (address as net.AddressInfo).port,
          host: '127.0.0.1',
          allowHalfOpen: true,
        });
  const other = await accepted;
  cleanups.push(
    () => client.destroy(),
    () => other.destroy(),
  );
  return [client, other];
}

const within = <T>(p: Promise<T>, what: string) => withTimeout(p, 5000, what);

describe('DuplexPeer over real sockets', () => {
  it('writes, reads exactly, sees the end after the other side ends', async () => {
    const [mine, theirs] = await socketPair();
    const peer = new DuplexPeer(mine);
    await within(peer.write(Buffer.from('to them')), 'write');
    const got: Buffer[] = [];
    theirs.on('data', (chunk: Buffer) => got.push(chunk));
    theirs.write('hello world');
    assert.equal(Buffer.from(await within(peer.readExactly(5), 'read')).toString(), 'hello');
    theirs.end();
    assert.equal(Buffer.from(await within(peer.readUntilEnd(), 'end')).toString(), ' world');
    await within(peer.end(), 'end');
    await within(new Promise((resolve) => theirs.once('end', resolve)), 'their end');
    assert.equal(Buffer.concat(got).toString(), 'to them');
  });

  it('reset() sends an RST on TCP: the other side gets ECONNRESET', async () => {
    const [mine, theirs] = await socketPair();
    const peer = new DuplexPeer(mine);
    const failed = new Promise<Error>((resolve) => theirs.once('error', resolve));
    peer.reset();
    const err = (await within(failed, 'the reset')) as Error & { code?: string };
    assert.equal(err.code, 'ECONNRESET');
  });

  it('reset() on a Unix socket (no RST) destroys it instead of throwing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'x-peer-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const [mine, theirs] = await socketPair(join(dir, 's.sock'));
    const peer = new DuplexPeer(mine);
    const ended = new Promise((resolve) => theirs.once('end', resolve));
    theirs.resume();
    peer.reset();
    await within(ended, 'the other side to see the end');
    assert.equal(mine.destroyed, true);
  });

  it('split mode: writes to one stream, reads another', async () => {
    const [writeEnd, writeOther] = await socketPair();
    const [readEnd, readOther] = await socketPair();
    const peer = new DuplexPeer(writeEnd, readEnd);
    const got = new Promise<Buffer>((resolve) => writeOther.once('data', resolve));
    await within(peer.write(Buffer.from('out')), 'write');
    assert.equal((await within(got, 'data')).toString(), 'out');
    readOther.end('in');
    assert.equal(Buffer.from(await within(peer.readUntilEnd(), 'end')).toString(), 'in');
    peer.destroy();
    assert.equal(writeEnd.destroyed && readEnd.destroyed, true);
  });
});
