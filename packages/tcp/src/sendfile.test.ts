import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { RecordingProtocol, withTimeout } from '@x/transport-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanups, clientPair, makeLoop, readAll, readBytes, tempDir } from './test-support.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());
const wait = <T>(p: PromiseLike<T>, what: string) => withTimeout(p, 10_000, what);

async function fixture() {
  const tl = makeLoop();
  cleanups.add(() => tl.loop.close());
  const content = randomBytes(3 * 1024 * 1024 + 17);
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

  it('flow control: a slow peer makes sendfile wait; all bytes arrive in order', async () => {
    const { loop, transport, peer, content, file } = await fixture();
    peer.pause();
    const sending = loop.sendfile(transport, file);
    const all = readAll(peer);
    peer.resume();
    expect(await wait(sending, 'sendfile')).toBe(content.length);
    transport.close();
    expect((await wait(all, 'bytes')).equals(content)).toBe(true);
  });

  it('a write() while sendfile runs throws; writes after it work', async () => {
    const { loop, transport, peer, content, file } = await fixture();
    const sending = loop.sendfile(transport, file, 0, 100_000);
    expect(() => transport.write(Buffer.from('x'))).toThrow(/sendfile is in progress/);
    expect(() => transport.writelines([Buffer.from('x')])).toThrow(/sendfile is in progress/);
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
