import type { Socket } from 'node:dgram';
import type { DatagramTransport } from '@x/transport-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEndpoint, TestLoop } from './test-support.js';

let loop: TestLoop;
const transports: DatagramTransport[] = [];

async function pair() {
  const a = await openEndpoint(loop);
  const b = await openEndpoint(loop);
  transports.push(a[0], b[0]);
  return [a, b] as const;
}

beforeEach(() => {
  loop = new TestLoop();
});

afterEach(async () => {
  for (const t of transports.splice(0)) t.abort();
  await loop.drain();
  loop.close();
});

describe('write buffer account and watermarks (SPEC §4.6, §6.6)', () => {
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

  it('a 10,000-datagram burst: flow control honoured, every accepted datagram sent and received', async () => {
    const [[a, aProto], [b, bProto, bAddr]] = await pair();
    (b.getExtraInfo('socket') as Socket).setRecvBufferSize(4 * 1024 * 1024);
    const total = 10_000;
    const size = 64;
    a.setWriteBufferLimits(1024);
    let sent = 0;
    let maxBuffered = 0;
    let paused = false;
    const produce = (): void => {
      while (!paused && sent < total) {
        const d = Buffer.alloc(size);
        d.writeUInt32BE(sent);
        a.sendto(d, bAddr);
        sent++;
        maxBuffered = Math.max(maxBuffered, a.getWriteBufferSize());
      }
    };
    aProto.pauseWriting = () => {
      aProto.events.push(['pause']);
      paused = true;
    };
    aProto.resumeWriting = () => {
      aProto.events.push(['resume']);
      paused = false;
      loop.callSoon(produce);
    };
    produce();
    await bProto.received(total);
    await loop.drain();
    // Never more than high + one datagram buffered; pause and resume strictly alternate.
    expect(maxBuffered).toBeLessThanOrEqual(1024 + size);
    const flow = aProto.names().filter((n) => n === 'pause' || n === 'resume');
    expect(flow.length).toBeGreaterThan(10);
    expect(flow).toEqual(flow.map((_, i) => (i % 2 === 0 ? 'pause' : 'resume')));
    expect(aProto.errors).toEqual([]);
    expect(a.getWriteBufferSize()).toBe(0);
    const seqs = bProto.datagrams.map((d) => Buffer.from(d).readUInt32BE(0));
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i));
  });

  it('ENOBUFS from send is backpressure: the datagram stays accounted and is sent again, not lost', async () => {
    const [[a, aProto], [, bProto, bAddr]] = await pair();
    // Fault injection on the real socket: the next 3 sends fail as a full qdisc would.
    const sock = a.getExtraInfo('socket') as Socket & { send: (...args: unknown[]) => void };
    const realSend = sock.send.bind(sock);
    let failures = 3;
    sock.send = (...args: unknown[]) => {
      if (failures-- > 0) {
        const err = Object.assign(new Error('send ENOBUFS'), { code: 'ENOBUFS' });
        process.nextTick(args[args.length - 1] as (e: Error) => void, err);
        return;
      }
      realSend(...args);
    };
    for (let i = 0; i < 5; i++) a.sendto(Buffer.from([i]), bAddr);
    expect(a.getWriteBufferSize()).toBe(5);
    await bProto.received(5);
    await loop.drain();
    expect(bProto.datagrams.map((d) => d[0]).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(aProto.errors).toEqual([]);
    expect(a.getWriteBufferSize()).toBe(0);
  });

  it('close() waits for datagrams held back by ENOBUFS before connectionLost', async () => {
    const [[a, aProto], [, bProto, bAddr]] = await pair();
    const sock = a.getExtraInfo('socket') as Socket & { send: (...args: unknown[]) => void };
    const realSend = sock.send.bind(sock);
    let failures = 1;
    sock.send = (...args: unknown[]) => {
      if (failures-- > 0) {
        const err = Object.assign(new Error('send ENOBUFS'), { code: 'ENOBUFS' });
        process.nextTick(args[args.length - 1] as (e: Error) => void, err);
        return;
      }
      realSend(...args);
    };
    a.sendto(Buffer.from('kept'), bAddr);
    a.close();
    expect(await aProto.lost).toBeNull();
    await bProto.received(1);
  });
});
