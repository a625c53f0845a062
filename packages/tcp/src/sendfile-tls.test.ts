/**
 * `loop.sendfile` over a TLS transport: the generic path, which writes through
 * `transport.write()` while a stand-in protocol holds the connection (asyncio
 * `_SendfileFallbackProtocol`). The peer is a raw `tls.TLSSocket`.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { EventLoop } from '@x/loop';
// @x/ssl comes through the workspace source aliases (see tls-handoff.test.ts).
import { createSSLContext, ssl } from '@x/ssl';
import type { Transport } from '@x/transport-core';
import { RecordingLogger, RecordingProtocol, withTimeout } from '@x/transport-core/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCerts, type TestCerts } from '../../ssl/src/test-support/make-test-certs.js';
import { tcp } from './tcp.js';
import { Cleanups, gatedFile, readAll, readBytes, tempDir, turnsUntil } from './test-support.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());
const wait = <T>(p: PromiseLike<T>, what: string) => withTimeout(p, 10_000, what);

let certs: TestCerts;
beforeAll(() => {
  certs = makeTestCerts();
  return () => certs.cleanup();
});

/** The sendfile chunk size (sendfile.ts): a gate at this offset holds the second read. */
const CHUNK = 256 * 1024;

interface Fixture {
  readonly loop: EventLoop;
  readonly transport: Transport;
  readonly protocol: RecordingProtocol;
  readonly peer: TLSSocket;
  readonly content: Buffer;
  readonly file: FileHandle;
}

/** A TLS client transport (createConnection with ssl) to a raw TLS server, and a file. */
async function fixture(size = 3 * 1024 * 1024 + 17): Promise<Fixture> {
  const loop = new EventLoop({ transports: [tcp(), ssl()], logger: new RecordingLogger() });
  cleanups.add(() => loop.close());
  const content = randomBytes(size);
  const path = join(tempDir(cleanups), 'data.bin');
  writeFileSync(path, content);
  const file = await open(path, 'r');
  cleanups.add(() => file.close());
  const accepted: TLSSocket[] = [];
  let onSecure: (socket: TLSSocket) => void = () => {};
  const secure = new Promise<TLSSocket>((resolve) => {
    onSecure = resolve;
  });
  const server = createTlsServer({ cert: certs.cert, key: certs.key, allowHalfOpen: true }, (s) => {
    s.on('error', () => {});
    accepted.push(s);
    onSecure(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.add(() => {
    for (const s of accepted) s.destroy();
    return new Promise<void>((done) => server.close(() => done()));
  });
  const { port } = server.address() as { port: number };
  const [[transport, protocol], peer] = await wait(
    Promise.all([
      loop.createConnection(() => new RecordingProtocol(), '127.0.0.1', port, {
        ssl: createSSLContext({ ca: certs.caCert }),
      }),
      secure,
    ]),
    'TLS connection',
  );
  cleanups.add(() => transport.abort());
  return { loop, transport, protocol, peer, content, file };
}

describe('sendfile over TLS (the generic path)', () => {
  it('delivers exactly count bytes from offset, then the rest; the protocol is restored', async () => {
    const { loop, transport, protocol, peer, content, file } = await fixture();
    const got = readBytes(peer as unknown as Socket, 1000);
    expect(await wait(loop.sendfile(transport, file, 5, 1000), 'sendfile')).toBe(1000);
    expect((await wait(got, 'bytes')).equals(content.subarray(5, 1005))).toBe(true);
    expect(transport.getProtocol()).toBe(protocol);
    expect(transport.isReading()).toBe(true);
    const rest = readBytes(peer as unknown as Socket, content.length - 1005 + 4);
    expect(await wait(loop.sendfile(transport, file, 1005), 'sendfile to the end')).toBe(
      content.length - 1005,
    );
    transport.write(Buffer.from('tail'));
    const all = await wait(rest, 'the rest');
    expect(all.subarray(0, content.length - 1005).equals(content.subarray(1005))).toBe(true);
    expect(all.subarray(content.length - 1005).toString()).toBe('tail');
    expect(protocol.names()).toEqual(['connectionMade']);
  });

  it('data and EOF the peer sends during the sendfile reach the protocol after it (none lost)', async () => {
    const { loop, transport, protocol, peer, content, file } = await fixture();
    const gated = gatedFile(file, CHUNK);
    const sending = loop.sendfile(transport, gated.file);
    const peerGot = readAll(peer as unknown as Socket);
    // The first chunk is written and the second is held: the sendfile is in the middle.
    await wait(gated.reached, 'sendfile to ask for the second chunk');
    expect(transport.isReading()).toBe(false);
    const tlsSocket = transport.getExtraInfo('ssl_object') as TLSSocket;
    const readBefore = tlsSocket.bytesRead;
    peer.end('during');
    // The TLS socket has decrypted the bytes: before the fix they went to the stand-in
    // protocol and were lost (and the EOF closed the transport).
    await wait(
      turnsUntil(() => tlsSocket.bytesRead >= readBefore + 6),
      'the client to read the peer data',
    );
    expect(protocol.receivedLength).toBe(0);
    expect(transport.isClosing()).toBe(false);
    gated.open();
    expect(await wait(sending, 'sendfile')).toBe(content.length);
    expect(transport.getProtocol()).toBe(protocol);
    await wait(protocol.waitEof(), 'eofReceived after the sendfile');
    expect(protocol.text()).toBe('during');
    expect(protocol.names()).toEqual(['connectionMade', 'dataReceived', 'eofReceived']);
    // eofReceived returned nothing: the transport closes, after sending the whole file.
    expect((await wait(peerGot, 'the file')).equals(content)).toBe(true);
    expect(await wait(protocol.waitLost(), 'connectionLost')).toBe(null);
  });

  it('write(), writelines() and writeEof() throw while it runs (SPEC §6.9); write() works after', async () => {
    const { loop, transport, peer, content, file } = await fixture();
    const gated = gatedFile(file, CHUNK);
    const sending = loop.sendfile(transport, gated.file, 0, 2 * CHUNK);
    expect(() => transport.write(Buffer.from('x'))).toThrow(
      /unable to write; sendfile is in progress/,
    );
    expect(() => transport.writelines([Buffer.from('x')])).toThrow(
      /unable to writelines; sendfile is in progress/,
    );
    expect(() => transport.writeEof()).toThrow(/unable to writeEof; sendfile is in progress/);
    await expect(loop.sendfile(transport, file)).rejects.toThrow(/another sendfile/);
    await wait(gated.reached, 'the second chunk');
    expect(() => transport.write(Buffer.from('x'))).toThrow(/sendfile is in progress/);
    const got = readBytes(peer as unknown as Socket, 2 * CHUNK + 4);
    gated.open();
    expect(await wait(sending, 'sendfile')).toBe(2 * CHUNK);
    transport.write(Buffer.from('tail'));
    const all = await wait(got, 'bytes');
    expect(all.subarray(0, 2 * CHUNK).equals(content.subarray(0, 2 * CHUNK))).toBe(true);
    expect(all.subarray(2 * CHUNK).toString()).toBe('tail');
  });

  it('a protocol paused by flow control before it gets resumeWriting after it', async () => {
    const { loop, transport, protocol, peer, content, file } = await fixture();
    transport.setWriteBufferLimits(16 * 1024);
    peer.pause();
    const before: Buffer[] = [];
    while (protocol.count('pauseWriting') === 0) {
      const chunk = randomBytes(64 * 1024);
      before.push(chunk);
      transport.write(chunk);
    }
    const queued = Buffer.concat(before);
    const sending = loop.sendfile(transport, file, 0, 100_000);
    const got = readBytes(peer as unknown as Socket, queued.length + 100_000);
    peer.resume();
    expect(await wait(sending, 'sendfile')).toBe(100_000);
    // Flow control resumed the stand-in while the sendfile ran; the original protocol
    // still waited for its resumeWriting, and gets it once the sendfile is over.
    expect(protocol.names()).toEqual(['connectionMade', 'pauseWriting', 'resumeWriting']);
    expect(transport.getWriteBufferSize()).toBeLessThanOrEqual(transport.getWriteBufferLimits()[0]);
    const all = await wait(got, 'bytes');
    expect(all.subarray(0, queued.length).equals(queued)).toBe(true);
    expect(all.subarray(queued.length).equals(content.subarray(0, 100_000))).toBe(true);
  });

  it('a peer that stops reading holds the sendfile: no chunk is written above the high watermark', async () => {
    // Larger than what loopback's socket buffers hold, so the TLS writes back up.
    const { loop, transport, protocol, peer, content, file } = await fixture(24 * 1024 * 1024);
    const [, high] = transport.getWriteBufferLimits();
    const bufferedAtWrite: number[] = [];
    const write = transport.write.bind(transport);
    transport.write = (data) => {
      bufferedAtWrite.push(transport.getWriteBufferSize());
      write(data);
    };
    peer.pause();
    const sending = loop.sendfile(transport, file);
    await wait(
      turnsUntil(() => transport.getWriteBufferSize() > high),
      'the transport to buffer above its high watermark',
    );
    const writesWhenFull = bufferedAtWrite.length;
    expect(writesWhenFull).toBeLessThan(content.length / CHUNK);
    const got = readBytes(peer as unknown as Socket, content.length);
    peer.resume();
    expect(await wait(sending, 'sendfile')).toBe(content.length);
    // No chunk was written while the transport was above its high watermark: each waited
    // for resumeWriting once flow control had paused the stand-in protocol.
    expect(Math.max(...bufferedAtWrite)).toBeLessThanOrEqual(high);
    expect(bufferedAtWrite.length).toBe(Math.ceil(content.length / CHUNK));
    expect((await wait(got, 'the file')).equals(content)).toBe(true);
    expect(transport.getProtocol()).toBe(protocol);
    expect(transport.isReading()).toBe(true);
    expect(protocol.names()).toEqual(['connectionMade']);
  });

  it('the peer going away mid-transfer rejects; the original protocol gets connectionLost once', async () => {
    const { loop, transport, protocol, peer, file } = await fixture();
    const gated = gatedFile(file, CHUNK);
    const sending = loop.sendfile(transport, gated.file);
    await wait(gated.reached, 'the second chunk');
    peer.destroy();
    gated.open();
    await expect(wait(sending, 'sendfile')).rejects.toBeInstanceOf(Error);
    await wait(protocol.waitLost(), 'connectionLost');
    expect(transport.getProtocol()).toBe(protocol);
    expect(protocol.count('connectionLost')).toBe(1);
  });
});
