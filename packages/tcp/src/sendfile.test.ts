import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { RecordingProtocol, withTimeout } from '@x/transport-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Cleanups,
  clientPair,
  gatedFile,
  makeLoop,
  readAll,
  readBytes,
  tempDir,
  turnsUntil,
} from './test-support.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());
const wait = <T>(p: PromiseLike<T>, what: string) => withTimeout(p, 10_000, what);

/** The sendfile chunk size (sendfile.ts). */
const CHUNK = 256 * 1024;

async function fixture(size = 3 * 1024 * 1024 + 17) {
  const tl = makeLoop();
  cleanups.add(() => tl.loop.close());
  const content = randomBytes(size);
  const path = join(tempDir(cleanups), 'data.bin');
  writeFileSync(path, content);
  const file = await open(path, 'r');
  cleanups.add(() => file.close());
  const pair = await clientPair(tl.loop, cleanups, () => new RecordingProtocol());
  return { ...tl, ...pair, content, file };
}

describe('sendfile (SPEC §6.9)', () => {
  it('sends exactly count bytes from offset (FileHandle), then the whole rest (fd)', async () => {
    const { loop, transport, peer, content, file } = await fixture();
    const got = readBytes(peer, 1000);
    expect(await wait(loop.sendfile(transport, file, 5, 1000), 'sendfile')).toBe(1000);
    expect((await wait(got, 'bytes')).equals(content.subarray(5, 1005))).toBe(true);
    const rest = readAll(peer);
    expect(await wait(loop.sendfile(transport, file.fd, 1005), 'sendfile to end')).toBe(
      content.length - 1005,
    );
    transport.close();
    expect((await wait(rest, 'rest')).equals(content.subarray(1005))).toBe(true);
  });

  it('flow control: a peer that does not read holds sendfile back, the write buffer stays bounded', async () => {
    // Bigger than what the kernel buffers of a never-read connection take (a few MiB).
    const { loop, transport, peer, content, file } = await fixture(16 * 1024 * 1024);
    peer.pause();
    let settled = false;
    const sending = loop.sendfile(transport, file);
    sending.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    // A chunk stays in the transport's buffer: the kernel took all it could.
    await wait(
      turnsUntil(() => settled || transport.getWriteBufferSize() > 0),
      'the buffer to fill',
    );
    for (let round = 0; round < 2; round++) {
      // Reads of the same file through the thread pool, each after any read sendfile had
      // asked for: a sendfile that did not wait would have written those chunks by now.
      for (let i = 0; i < 4; i++) await file.read(Buffer.alloc(CHUNK), 0, CHUNK, i * CHUNK);
      expect(settled).toBe(false);
      // One chunk in flight at most (the socket path writes one at a time).
      expect(transport.getWriteBufferSize()).toBeLessThanOrEqual(CHUNK);
    }
    const all = readBytes(peer, content.length);
    peer.resume();
    expect(await wait(sending, 'sendfile')).toBe(content.length);
    expect((await wait(all, 'bytes')).equals(content)).toBe(true);
  });

  it('writeEof() while sendfile runs throws (nothing is cut off); after it, it ends the stream', async () => {
    const { loop, transport, peer, content, file } = await fixture();
    const gated = gatedFile(file, CHUNK);
    const sending = loop.sendfile(transport, gated.file, 0, 2 * CHUNK);
    expect(() => transport.writeEof()).toThrow(/unable to writeEof; sendfile is in progress/);
    await wait(gated.reached, 'the second chunk');
    expect(() => transport.writeEof()).toThrow(/unable to writeEof; sendfile is in progress/);
    const all = readAll(peer);
    gated.open();
    expect(await wait(sending, 'sendfile')).toBe(2 * CHUNK);
    transport.writeEof();
    expect((await wait(all, 'bytes until EOF')).equals(content.subarray(0, 2 * CHUNK))).toBe(true);
  });

  it('a write() while sendfile runs throws; writes after it work', async () => {
    const { loop, transport, peer, content, file } = await fixture();
    const sending = loop.sendfile(transport, file, 0, 100_000);
    expect(() => transport.write(Buffer.from('x'))).toThrow(/sendfile is in progress/);
    expect(() => transport.writelines([Buffer.from('x')])).toThrow(/sendfile is in progress/);
    await expect(loop.sendfile(transport, file)).rejects.toThrow(/another sendfile/);
    await wait(sending, 'sendfile');
    transport.write(Buffer.from('tail'));
    const got = await wait(readBytes(peer, 100_004), 'bytes');
    expect(got.subarray(0, 100_000).equals(content.subarray(0, 100_000))).toBe(true);
    expect(got.subarray(100_000).toString()).toBe('tail');
  });

  it('validates offset/count/file before any I/O; a closing transport rejects', async () => {
    const { loop, transport, file } = await fixture();
    await expect(loop.sendfile(transport, file, -1)).rejects.toBeInstanceOf(RangeError);
    await expect(loop.sendfile(transport, file, 1.5)).rejects.toBeInstanceOf(TypeError);
    await expect(loop.sendfile(transport, file, 0, 0)).rejects.toBeInstanceOf(RangeError);
    await expect(loop.sendfile(transport, file, 0, -5)).rejects.toBeInstanceOf(RangeError);
    await expect(loop.sendfile(transport, 'file' as never)).rejects.toBeInstanceOf(TypeError);
    transport.close();
    await expect(loop.sendfile(transport, file)).rejects.toThrow('Transport is closing');
  });

  it('the peer closing mid-transfer rejects', async () => {
    const { loop, transport, peer, file } = await fixture();
    peer.pause();
    const sending = loop.sendfile(transport, file);
    peer.resetAndDestroy();
    await expect(wait(sending, 'sendfile')).rejects.toBeInstanceOf(Error);
  });
});
