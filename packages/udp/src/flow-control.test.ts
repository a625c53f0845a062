import type { Socket } from 'node:dgram';
import { constants } from 'node:os';
import type { DatagramTransport } from '@x/transport-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dgramHandle, setDgramFastPath } from './dgram-internals.js';
import { MODES, TestLoop } from './test-support.js';

let loop: TestLoop;
const transports: DatagramTransport[] = [];
const pair = () => loop.pair();

beforeEach(() => {
  loop = new TestLoop();
});

afterEach(async () => {
  for (const t of transports.splice(0)) t.abort();
  await loop.dispose();
  setDgramFastPath(true);
});

/**
 * Fault injection on the real socket: the next `n` sends fail with `code`, as a full
 * qdisc (ENOBUFS) would make them; later sends go to the kernel as usual.
 */
function failNextSends(transport: DatagramTransport, n: number, code: 'ENOBUFS' | 'EAGAIN'): void {
  const sock = transport.getExtraInfo('socket') as Socket & { send: (...args: unknown[]) => void };
  const handle = dgramHandle(sock);
  let failures = n;
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
  beforeEach(() => setDgramFastPath(false));

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

describe.each(MODES)('flow control and backpressure, %s (SPEC §4.6, §6.6)', (_name, fast) => {
  beforeEach(() => setDgramFastPath(fast));

  it('a 10,000-datagram burst: flow control honoured, every accepted datagram sent and received', async () => {
    const [[a, aProto], [b, bProto, bAddr]] = await pair();
    (b.getExtraInfo('socket') as Socket).setRecvBufferSize(4 * 1024 * 1024);
    const total = 10_000;
    const size = 64;
    a.setWriteBufferLimits(512);
    let sent = 0;
    let maxBuffered = 0;
    let paused = false;
    // A well-behaved producer: stops on pauseWriting, and sends at most 16 datagrams per
    // loop iteration so that the receiver (libuv reads up to 32 per wake-up) keeps up
    // whatever the machine's socket buffer limits are: UDP itself never slows a sender.
    let scheduled = false;
    const schedule = (): void => {
      if (scheduled || paused || sent === total) return;
      scheduled = true;
      loop.callSoon(produce);
    };
    const produce = (): void => {
      scheduled = false;
      for (let n = 0; n < 16 && !paused && sent < total; n++) {
        const d = Buffer.alloc(size);
        d.writeUInt32BE(sent);
        a.sendto(d, bAddr);
        sent++;
        maxBuffered = Math.max(maxBuffered, a.getWriteBufferSize());
      }
      schedule();
    };
    aProto.pauseWriting = () => {
      aProto.events.push(['pause']);
      paused = true;
    };
    aProto.resumeWriting = () => {
      aProto.events.push(['resume']);
      paused = false;
      schedule();
    };
    produce();
    await bProto.received(total);
    await loop.drain();
    // Never more than high + one datagram buffered; pause and resume strictly alternate.
    expect(maxBuffered).toBeLessThanOrEqual(512 + size);
    const flow = aProto.names().filter((n) => n === 'pause' || n === 'resume');
    // The public path counts a datagram until its callback (a tick later), so it pauses;
    // the fast path knows the kernel took each one at once, so nothing is ever buffered.
    if (fast) expect(flow).toEqual([]);
    else expect(flow.length).toBeGreaterThan(2);
    expect(flow).toEqual(flow.map((_, i) => (i % 2 === 0 ? 'pause' : 'resume')));
    expect(aProto.errors).toEqual([]);
    expect(a.getWriteBufferSize()).toBe(0);
    const seqs = bProto.datagrams.map((d) => Buffer.from(d).readUInt32BE(0));
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i));
  });

  it('ENOBUFS from send is backpressure: the datagram stays accounted and is sent again, not lost', async () => {
    const [[a, aProto], [, bProto, bAddr]] = await pair();
    failNextSends(a, 3, 'ENOBUFS');
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
    failNextSends(a, 1, 'EAGAIN');
    a.sendto(Buffer.from([1]), bAddr);
    a.sendto(Buffer.from([2]), bAddr);
    await bProto.received(2);
    expect(aProto.errors).toEqual([]);
    if (fast) expect(bProto.datagrams.map((d) => d[0])).toEqual([1, 2]);
  });

  it('close() waits for datagrams held back by ENOBUFS before connectionLost', async () => {
    const [[a, aProto], [, bProto, bAddr]] = await pair();
    failNextSends(a, 1, 'ENOBUFS');
    a.sendto(Buffer.from('kept'), bAddr);
    a.close();
    expect(await aProto.lost).toBeNull();
    await bProto.received(1);
  });

  it('abort() drops datagrams held back by ENOBUFS', async () => {
    const [[a, aProto], [, , bAddr]] = await pair();
    failNextSends(a, 5, 'ENOBUFS');
    a.sendto(Buffer.from('dropped'), bAddr);
    a.abort();
    expect(a.getWriteBufferSize()).toBe(0);
    expect(await aProto.lost).toBeNull();
  });
});
