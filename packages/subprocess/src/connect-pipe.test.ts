import { execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  constants,
  createReadStream,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventLoop } from '@x/loop';
import type { ExceptionContext, ReadTransport, WriteTransport } from '@x/transport-core';
import {
  RecordingBufferedProtocol,
  type RecordingLogger,
  RecordingProtocol,
  withTimeout,
} from '@x/transport-core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeLoop, openFdCount } from './test-support.js';

const T = 10_000;

describe('connectReadPipe / connectWritePipe over a FIFO', () => {
  let loop: EventLoop;
  let errors: ExceptionContext[];
  let logger: RecordingLogger;
  let dir: string;
  let fifo: string;
  const toClose: Array<ReadTransport | WriteTransport> = [];

  beforeEach(() => {
    ({ loop, errors, logger } = makeLoop());
    dir = mkdtempSync(join(tmpdir(), 'x-sub-fifo-'));
    fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
  });

  afterEach(() => {
    for (const t of toClose.splice(0)) t.close();
    loop.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Opens both ends non-blocking (the read end first, so the write open does not fail). */
  async function connectBoth<R extends RecordingProtocol>(
    makeReader: () => R = () => new RecordingProtocol() as R,
  ): Promise<{
    reader: R;
    rt: ReadTransport;
    writer: RecordingProtocol;
    wt: WriteTransport;
    rfd: number;
  }> {
    const rfd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const wfd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    const [rt, reader] = await loop.connectReadPipe(makeReader, rfd);
    const [wt, writer] = await loop.connectWritePipe(() => new RecordingProtocol(), wfd);
    toClose.push(rt, wt);
    return { reader, rt, writer, wt, rfd };
  }

  it('B-095/B-108: bytes arrive in order; writer close -> eofReceived then connectionLost(null); extra pipe', async () => {
    const { reader, rt, wt, rfd } = await connectBoth();
    expect(reader.names()).toEqual(['connectionMade']);
    expect(rt.getExtraInfo('pipe')).toBe(rfd);
    wt.write(Buffer.from('1'));
    wt.writelines([Buffer.from('23'), new Uint8Array([52, 53])]);
    expect(wt.canWriteEof()).toBe(true);
    wt.writeEof();
    expect(wt.isClosing()).toBe(true);
    expect(await withTimeout(reader.waitLost(), T, 'reader connectionLost')).toBeNull();
    expect(reader.text()).toBe('12345');
    expect(reader.names().slice(-2)).toEqual(['eofReceived', 'connectionLost']);
    reader.assertGrammar({ complete: true });
    expect(rt.isReading()).toBe(false);
    expect(errors).toEqual([]);
  });

  it('B-105: write pipe close() flushes then connectionLost(null); idempotent; later writes dropped with a warning from the 5th', async () => {
    const { reader, wt, writer } = await connectBoth();
    wt.write(Buffer.alloc(100_000, 1));
    wt.close();
    wt.close();
    for (let i = 0; i < 5; i++) wt.write(Buffer.from('x'));
    expect(await withTimeout(writer.waitLost(), T, 'writer connectionLost')).toBeNull();
    await withTimeout(reader.waitLost(), T, 'reader connectionLost');
    expect(reader.receivedLength).toBe(100_000);
    expect(logger.records.filter((r) => r.level === 'warn')).toHaveLength(1);
  });

  it('B-106: abort() drops the buffer and gives connectionLost(null)', async () => {
    const { wt, writer } = await connectBoth();
    wt.setWriteBufferLimits(0);
    for (let i = 0; i < 64; i++) wt.write(Buffer.alloc(64 * 1024)); // more than the FIFO holds
    expect(wt.getWriteBufferSize()).toBeGreaterThan(0);
    wt.abort();
    expect(await withTimeout(writer.waitLost(), T, 'connectionLost')).toBeNull();
    expect(wt.getWriteBufferSize()).toBe(0);
  });

  it('write flow control on a FIFO nobody reads: pauseWriting above high, resumeWriting at <= low', async () => {
    const { rt, reader, wt, writer } = await connectBoth();
    rt.pauseReading();
    wt.setWriteBufferLimits(128 * 1024);
    expect(wt.getWriteBufferLimits()).toEqual([32 * 1024, 128 * 1024]);
    let n = 0;
    while (writer.count('pauseWriting') === 0 && n < 4096) {
      wt.write(Buffer.alloc(16 * 1024, 2));
      n++;
    }
    expect(writer.flowEvents[0]?.writeBufferSize).toBeGreaterThan(128 * 1024);
    rt.resumeReading();
    await withTimeout(writer.waitFor('resumeWriting'), T, 'resumeWriting');
    expect(writer.flowEvents[1]?.writeBufferSize).toBeLessThanOrEqual(32 * 1024);
    wt.close();
    await withTimeout(reader.waitLost(), T, 'reader connectionLost');
    expect(reader.receivedLength).toBe(n * 16 * 1024);
  });

  it('writelines() takes the path of write(): pauseWriting above high, everything arrives in order', async () => {
    const { rt, reader, wt, writer } = await connectBoth();
    rt.pauseReading();
    const parts = Array.from({ length: 64 }, (_, i) => Buffer.alloc(16 * 1024, i));
    wt.writelines(parts);
    expect(writer.count('pauseWriting')).toBe(1);
    expect(wt.getWriteBufferSize()).toBeGreaterThan(64 * 1024);
    rt.resumeReading();
    wt.close();
    await withTimeout(reader.waitLost(), T, 'reader connectionLost');
    expect(reader.received().equals(Buffer.concat(parts))).toBe(true);
  });

  it('setWriteBufferLimits validates (RangeError) and keeps the transport usable', async () => {
    const { wt } = await connectBoth();
    expect(() => wt.setWriteBufferLimits(-1)).toThrow(RangeError);
    expect(() => wt.setWriteBufferLimits(1, 2)).toThrow(RangeError);
    wt.setWriteBufferLimits(null, 100);
    expect(wt.getWriteBufferLimits()).toEqual([100, 400]);
  });

  it('pauseReading stops dataReceived at once; resumeReading delivers later, never inside the call; idempotent', async () => {
    const { rt, reader, wt } = await connectBoth();
    rt.pauseReading();
    rt.pauseReading();
    expect(rt.isReading()).toBe(false);
    wt.write(Buffer.from('held'));
    await withTimeout(writerFlushed(wt), T, 'write flushed');
    // A few loop turns: nothing may arrive while paused.
    for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => loop.callSoon(resolve));
    expect(reader.receivedLength).toBe(0);
    rt.resumeReading();
    rt.resumeReading();
    expect(reader.receivedLength).toBe(0);
    expect(await withTimeout(reader.waitBytes(4), T, 'data')).toEqual(Buffer.from('held'));
    rt.close();
    rt.pauseReading();
    rt.resumeReading();
    expect(rt.isReading()).toBe(false);
    await withTimeout(reader.waitLost(), T, 'connectionLost');
  });

  it('B-098: read pipe close(): connectionLost(null) later, no eofReceived, the fd is closed', async () => {
    const { rt, reader } = await connectBoth();
    const fds = openFdCount();
    rt.close();
    expect(rt.isClosing()).toBe(true);
    expect(reader.names()).toEqual(['connectionMade']);
    expect(await withTimeout(reader.waitLost(), T, 'connectionLost')).toBeNull();
    expect(reader.names()).toEqual(['connectionMade', 'connectionLost']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(openFdCount()).toBe(fds - 1);
  });

  it('a BufferedProtocol on a read pipe gets getBuffer/bufferUpdated with every byte', async () => {
    const { reader, wt } = await connectBoth(() => new RecordingBufferedProtocol());
    const data = Buffer.alloc(300_000);
    for (let i = 0; i < data.length; i++) data[i] = i % 251;
    wt.write(data);
    wt.close();
    await withTimeout(reader.waitLost(), T, 'connectionLost');
    expect(reader.received().equals(data)).toBe(true);
    reader.assertGrammar({ complete: true });
  });

  it('a throwing dataReceived on a read pipe is fatal (rule 9): reported, connectionLost(err)', async () => {
    const boom = new Error('boom');
    const { reader, wt } = await connectBoth(
      () => new RecordingProtocol({ throwFrom: 'dataReceived', error: boom }),
    );
    wt.write(Buffer.from('x'));
    expect(await withTimeout(reader.waitLost(), T, 'connectionLost')).toBe(boom);
    expect(errors.map((e) => e.message)).toEqual([
      'Fatal error: protocol.dataReceived() call failed.',
    ]);
    expect(reader.count('dataReceived')).toBe(1);
  });

  it("write('str') is a TypeError (SPEC §6.7)", async () => {
    const { wt } = await connectBoth();
    expect(() => wt.write('str' as never)).toThrow(
      "data argument must be a bytes-like object, not 'string'",
    );
    expect(() => wt.write(null as never)).toThrow(TypeError);
  });

  it('B-094: a regular file is rejected before any I/O; so are non-pipes and bad values', async () => {
    const file = join(dir, 'regular');
    writeFileSync(file, 'data');
    const fd = openSync(file, 'r');
    try {
      await expect(loop.connectReadPipe(() => new RecordingProtocol(), fd)).rejects.toThrow(
        'Pipe transport is for pipes/sockets only.',
      );
      await expect(loop.connectWritePipe(() => new RecordingProtocol(), fd)).rejects.toThrow(
        TypeError,
      );
    } finally {
      closeSync(fd);
    }
    await expect(loop.connectReadPipe(() => new RecordingProtocol(), 'x' as never)).rejects.toThrow(
      TypeError,
    );
    await expect(loop.connectReadPipe(() => new RecordingProtocol(), -1)).rejects.toThrow(
      RangeError,
    );
    const bad = await loop
      .connectReadPipe(() => new RecordingProtocol(), 999)
      .then(
        () => null,
        (e: unknown) => e as NodeJS.ErrnoException,
      );
    expect(bad?.code).toBe('EBADF');
    const destroyed = new Socket();
    destroyed.destroy();
    await expect(loop.connectWritePipe(() => new RecordingProtocol(), destroyed)).rejects.toThrow(
      new TypeError('pipe is a destroyed socket'),
    );
  });

  it('a Node stream with a fd: an fs.ReadStream of a FIFO (the transport takes the fd over)', async () => {
    const rfd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const wfd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    const stream = createReadStream('', { fd: rfd, autoClose: false });
    const [rt, reader] = await loop.connectReadPipe(() => new RecordingProtocol(), stream);
    expect(rt.getExtraInfo('pipe')).toBe(stream);
    writeSync(wfd, 'via fs.ReadStream');
    closeSync(wfd);
    expect(await withTimeout(reader.waitLost(), T, 'connectionLost')).toBeNull();
    expect(reader.text()).toBe('via fs.ReadStream');
  });

  it('a Node stream with a fd: the stdout socket of a node:child_process child', async () => {
    const child = spawn('/bin/sh', ['-c', 'printf from-node-child'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const stdout = child.stdout as Socket;
    expect(stdout).toBeInstanceOf(Socket);
    const [rt, reader] = await loop.connectReadPipe(() => new RecordingProtocol(), stdout);
    expect(rt.getExtraInfo('pipe')).toBe(stdout);
    expect(await withTimeout(reader.waitLost(), T, 'connectionLost')).toBeNull();
    expect(reader.text()).toBe('from-node-child');
    await withTimeout(
      new Promise((resolve) =>
        child.exitCode !== null ? resolve(null) : child.once('exit', resolve),
      ),
      T,
      'child exit',
    );
  });

  it('paused in connectionMade, a Node child stdout that ends meanwhile: nothing lost on resumeReading', async () => {
    const child = spawn('/bin/sh', ['-c', 'printf held-then-eof'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const reader = new RecordingProtocol({
      hooks: { connectionMade: (p) => p.transport?.pauseReading() },
    });
    const [rt] = await loop.connectReadPipe(() => reader, child.stdout as Socket);
    // node:child_process resumes a child's stdio at exit; the transport must hold it.
    await withTimeout(
      new Promise((resolve) =>
        child.exitCode !== null ? resolve(null) : child.once('exit', resolve),
      ),
      T,
      'child exit',
    );
    for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(reader.receivedLength).toBe(0);
    rt.resumeReading();
    expect(await withTimeout(reader.waitLost(), T, 'connectionLost')).toBeNull();
    expect(reader.text()).toBe('held-then-eof');
    reader.assertGrammar({ complete: true });
  });

  it('B-103: writing to a FIFO whose reader is gone ends with connectionLost(EPIPE), no handler call', async () => {
    const { rt, reader, wt, writer } = await connectBoth();
    rt.close();
    await withTimeout(reader.waitLost(), T, 'reader gone');
    wt.write(Buffer.from('nobody reads this'));
    const exc = (await withTimeout(
      writer.waitLost(),
      T,
      'writer connectionLost',
    )) as NodeJS.ErrnoException;
    expect(exc?.code).toBe('EPIPE');
    expect(errors).toEqual([]);
  });
});

/** Resolves once `wt` has handed everything to the OS. */
function writerFlushed(wt: WriteTransport): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (wt.getWriteBufferSize() === 0) resolve();
      else setImmediate(check);
    };
    check();
  });
}
