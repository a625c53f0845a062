import type { Socket } from 'node:dgram';
import { constants } from 'node:os';
import type { DatagramTransport } from '@x/transport-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dgramHandle } from './dgram-internals.js';
import { loadedAddon } from './native-handle.js';
import { kernelDrops, MODES, type Mode, openEndpoint, TestLoop, useMode } from './test-support.js';

let loop: TestLoop;
const transports: DatagramTransport[] = [];
const pair = () => loop.pair();

beforeEach(() => {
  loop = new TestLoop();
});

afterEach(async () => {
  useMode('native');
  for (const restore of restores.splice(0)) restore();
  for (const t of transports.splice(0)) t.abort();
  // Fails the test if a callback threw (a Recorder grammar check included).
  await loop.dispose();
});

/** Undo what {@link failNextSends} patched in the shared addon (run after each test). */
const restores: (() => void)[] = [];

type Sender = { send: (...args: unknown[]) => number };

/**
 * Fault injection on the real socket: the next `n` sends fail with `code`, as a full
 * qdisc (ENOBUFS) would make them; later sends go to the kernel as usual.
 */
function failNextSends(
  transport: DatagramTransport,
  mode: Mode,
  n: number,
  code: 'ENOBUFS' | 'EAGAIN',
): void {
  const sock = transport.getExtraInfo('socket') as Socket & { send: (...args: unknown[]) => void };
  let failures = n;
  if (mode === 'native') {
    // The addon module object the transports of this test file call into.
    const addon = loadedAddon() as unknown as Sender;
    const realSend = addon.send;
    addon.send = (...args: unknown[]) =>
      failures-- > 0 ? -constants.errno[code] : realSend(...args);
    restores.push(() => {
      addon.send = realSend;
    });
    return;
  }
  const handle = dgramHandle(sock);
  if (handle !== null) {
    const realSend = handle.send.bind(handle) as (...args: unknown[]) => number;
    (handle as unknown as { send: (...args: unknown[]) => number }).send = (...args: unknown[]) =>
      failures-- > 0 ? -constants.errno[code] : realSend(...args);
    return;
  }
  const realSend = sock.send.bind(sock);
  sock.send = (...args: unknown[]) => {
    if (failures-- > 0) {
      const err = Object.assign(new Error(`send ${code}`), { code });
      process.nextTick(args[args.length - 1] as (e: Error) => void, err);
      return;
    }
    realSend(...args);
  };
}

describe('write buffer account and watermarks, public dgram API (SPEC §4.6, §6.6)', () => {
  beforeEach(() => useMode('public'));

  it('getWriteBufferSize is exactly the bytes handed to send() and not completed, then 0', async () => {
    const [[a], [, bProto, bAddr]] = await pair();
    a.sendto(Buffer.alloc(100), bAddr);
    a.sendto(Buffer.alloc(0), bAddr);
    a.sendto(Buffer.alloc(1000), bAddr);
    expect(a.getWriteBufferSize()).toBe(1100);
    await bProto.received(3);
    await loop.drain();
    expect(a.getWriteBufferSize()).toBe(0);
  });

  it('limits: defaults 64 KiB / 16 KiB, high alone sets low = high / 4, bad limits throw RangeError', async () => {
    const [[a]] = await pair();
    expect(a.getWriteBufferLimits()).toEqual([16384, 65536]);
    a.setWriteBufferLimits(1000);
    expect(a.getWriteBufferLimits()).toEqual([250, 1000]);
    expect(() => a.setWriteBufferLimits(-1)).toThrow(RangeError);
    expect(() => a.setWriteBufferLimits(10, 20)).toThrow(RangeError);
    expect(a.getWriteBufferLimits()).toEqual([250, 1000]);
  });

  it('pauseWriting above high (inside sendto), resumeWriting at <= low, each once per episode', async () => {
    const [[a, aProto], [, bProto, bAddr]] = await pair();
    a.setWriteBufferLimits(100, 0);
    a.sendto(Buffer.alloc(50), bAddr);
    a.sendto(Buffer.alloc(50), bAddr);
    expect(aProto.names()).toEqual(['made']); // 100 == high does not pause
    a.sendto(Buffer.alloc(1), bAddr);
    expect(aProto.names()).toEqual(['made', 'pause']);
    a.sendto(Buffer.alloc(10), bAddr);
    expect(aProto.names()).toEqual(['made', 'pause']);
    await bProto.received(4);
    await loop.drain();
    expect(aProto.names()).toEqual(['made', 'pause', 'resume']);
    expect(a.getWriteBufferSize()).toBe(0);
  });

  it('setWriteBufferLimits below the current size pauses at once', async () => {
    const [[a, aProto], [, , bAddr]] = await pair();
    a.sendto(Buffer.alloc(500), bAddr);
    a.setWriteBufferLimits(100);
    expect(aProto.names()).toEqual(['made', 'pause']);
  });
});

describe.each(MODES)('flow control and backpressure, %s (SPEC §4.6, §6.6)', (_name, mode) => {
  beforeEach(() => useMode(mode));
  /** The kernel's answer is known inside sendto (no send callback a tick later). */
  const fast = mode !== 'public';

  it('a 10,000-datagram burst from one synchronous loop: flow control by the watermarks, nothing lost that the OS accepted', async () => {
    const [[a, aProto], [b, bProto, bAddr], [, cProto, cAddr]] = await Promise.all([
      openEndpoint(loop),
      openEndpoint(loop),
      openEndpoint(loop),
    ]);
    // Room for the whole burst where the host allows it (net.core.rmem_max caps it); what
    // does not fit is dropped by the kernel, counted per socket, and accounted below.
    (b.getExtraInfo('socket') as Socket).setRecvBufferSize(8 * 1024 * 1024);
    const dropsBefore = (await kernelDrops(bAddr)) ?? 0;
    const total = 10_000;
    const size = 64;
    const [high, low] = [512, 128];
    a.setWriteBufferLimits(high, low);
    // Each transition with the buffered size the protocol saw when it was called.
    const flow: [name: 'pause' | 'resume', buffered: number][] = [];
    let sent = 0;
    let paused = false;
    let maxBuffered = 0;
    const allSent = loop.createFuture<void>();
    // The producer: sends until paused or done, in one synchronous loop; resumeWriting
    // (called from a send completion) runs it again.
    const produce = (): void => {
      while (!paused && sent < total) {
        const d = Buffer.alloc(size);
        d.writeUInt32BE(sent);
        sent++;
        a.sendto(d, bAddr);
        maxBuffered = Math.max(maxBuffered, a.getWriteBufferSize());
      }
      if (sent === total && !allSent.done()) allSent.setResult();
    };
    aProto.pauseWriting = () => {
      flow.push(['pause', a.getWriteBufferSize()]);
      paused = true;
    };
    aProto.resumeWriting = () => {
      flow.push(['resume', a.getWriteBufferSize()]);
      paused = false;
      produce();
    };
    produce();
    await allSent;
    // Sent after the burst by the same sender: once c has it, the kernel has dealt with
    // every burst datagram (queued for b or dropped), and every send completion has run.
    a.sendto(Buffer.from('marker'), cAddr);
    await cProto.received(1);
    await loop.drain();
    expect(a.getWriteBufferSize()).toBe(0);
    const dropped = ((await kernelDrops(bAddr)) ?? 0) - dropsBefore;
    await bProto.received(total - dropped);
    await loop.drain();
    expect(((await kernelDrops(bAddr)) ?? 0) - dropsBefore).toBe(dropped);
    expect(bProto.datagrams).toHaveLength(total - dropped);
    const seqs = bProto.datagrams.map((d) => Buffer.from(d).readUInt32BE(0));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs.every((n) => n < total)).toBe(true);

    // Pause only above high (inside the sendto that crossed it: the producer stops there),
    // resume only at or below low; strictly alternating, starting with a pause.
    expect(maxBuffered).toBeLessThanOrEqual(high + size);
    flow.forEach(([name, buffered], i) => {
      expect(name).toBe(i % 2 === 0 ? 'pause' : 'resume');
      if (name === 'pause') expect(buffered).toBeGreaterThan(high);
      else expect(buffered).toBeLessThanOrEqual(low);
    });
    expect(flow.length % 2).toBe(0);
    // The public path counts a datagram until its send callback (a tick later), so the burst
    // must pause; on the fast path the kernel takes each one at once (loopback never
    // pushes back on UDP), so nothing is ever buffered.
    if (fast) expect(flow).toEqual([]);
    else expect(flow.length).toBeGreaterThan(0);
    expect(aProto.errors).toEqual([]);
    expect(bProto.errors).toEqual([]);
  });

  it('ENOBUFS from send is backpressure: the datagram stays accounted and is sent again, not lost', async () => {
    const [[a, aProto], [, bProto, bAddr]] = await pair();
    failNextSends(a, mode, 3, 'ENOBUFS');
    a.setWriteBufferLimits(2, 0);
    for (let i = 0; i < 5; i++) a.sendto(Buffer.from([i]), bAddr);
    if (fast) {
      // The first is refused at once; the others queue behind it (order kept): 5 bytes held.
      expect(a.getWriteBufferSize()).toBe(5);
      expect(aProto.names()).toEqual(['made', 'pause']);
    }
    await bProto.received(5);
    await loop.drain();
    expect(bProto.datagrams.map((d) => d[0]).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(aProto.errors).toEqual([]);
    expect(a.getWriteBufferSize()).toBe(0);
    expect(aProto.names()).toEqual(['made', 'pause', 'resume']);
  });

  it('EAGAIN is backpressure too; sendto while held back queues behind, in order', async () => {
    const [[a, aProto], [, bProto, bAddr]] = await pair();
    failNextSends(a, mode, 1, 'EAGAIN');
    a.sendto(Buffer.from([1]), bAddr);
    a.sendto(Buffer.from([2]), bAddr);
    await bProto.received(2);
    expect(aProto.errors).toEqual([]);
    if (fast) expect(bProto.datagrams.map((d) => d[0])).toEqual([1, 2]);
  });

  it('close() waits for datagrams held back by ENOBUFS before connectionLost', async () => {
    const [[a, aProto], [, bProto, bAddr]] = await pair();
    failNextSends(a, mode, 1, 'ENOBUFS');
    a.sendto(Buffer.from('kept'), bAddr);
    a.close();
    expect(await aProto.lost).toBeNull();
    await bProto.received(1);
  });

  it('abort() drops datagrams held back by ENOBUFS', async () => {
    const [[a, aProto], [, , bAddr]] = await pair();
    failNextSends(a, mode, 5, 'ENOBUFS');
    a.sendto(Buffer.from('dropped'), bAddr);
    a.abort();
    expect(a.getWriteBufferSize()).toBe(0);
    expect(await aProto.lost).toBeNull();
  });
});
