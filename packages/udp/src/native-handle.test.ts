import type { Socket } from 'node:dgram';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { ReadTransport } from '@x/transport-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  loadedAddon,
  type NativeUdp,
  nativeHandleOf,
  nativeUdpAvailable,
} from './native-handle.js';
import { openEndpoint, Recorder, TestLoop, useMode } from './test-support.js';

/**
 * What only the native addon path has: which endpoints use it, batched reads (up to 16
 * datagrams per recvmmsg, one call into JavaScript), a pause inside a batch, `ref`/`unref`,
 * and the end of a worker with an endpoint open. Everything else runs on all three paths
 * in the other test files (`MODES`).
 */

let loop: TestLoop;
const restores: (() => void)[] = [];

beforeEach(() => {
  loop = new TestLoop();
  useMode('native');
});

afterEach(async () => {
  for (const restore of restores.splice(0)) restore();
  useMode('native');
  await loop.dispose();
});

/** Counts the addon's `open` calls from now on (one per endpoint that reads through it). */
async function countOpens(): Promise<{ count: number }> {
  // The first endpoint loads the addon.
  const [first] = await openEndpoint(loop);
  first.abort();
  const addon = loadedAddon() as NativeUdp;
  const realOpen = addon.open;
  const counter = { count: 0 };
  addon.open = (...args) => {
    counter.count++;
    return realOpen(...args);
  };
  restores.push(() => {
    addon.open = realOpen;
  });
  return counter;
}

/**
 * A worker that opens an addon endpoint on a bound socket and leaves it open, then runs
 * `then` (with `addon`, `sock` and `endpoint` in scope). Plain JavaScript: a worker cannot
 * load this package's TypeScript.
 */
function workerWithEndpoint(then: string): Worker {
  const addonPath = createRequire(import.meta.url).resolve('@x/udp-native');
  return new Worker(
    `const addon = require(require('node:worker_threads').workerData);
    const sock = require('node:dgram').createSocket('udp4');
    sock.bind(0, '127.0.0.1', () => {
      const key = Object.getOwnPropertySymbols(sock).find((s) => s.description === 'state symbol');
      const handle = sock[key].handle;
      handle.recvStop();
      const endpoint = addon.open({ onbatch() {}, onerror() {} }, handle.fd, new Uint32Array(32));
      ${then}
    });`,
    { eval: true, workerData: addonPath },
  );
}

/** A settled turn of Node's event loop (each one polls the sockets once): not a timer. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe.runIf(process.platform === 'linux')('@x/udp-native (Linux)', () => {
  it('is built in this repository and loaded for the endpoints this package makes', async () => {
    const opens = await countOpens();
    expect(nativeUdpAvailable()).toBe(true);
    const [a, aProto, aAddr] = await openEndpoint(loop);
    const [b] = await openEndpoint(loop, '::1');
    expect(opens.count).toBe(2);
    b.abort();
    // Off: the next endpoint reads through Node's handle, and still works.
    useMode('handle');
    const [c] = await openEndpoint(loop);
    expect(opens.count).toBe(2);
    c.sendto(Buffer.from('via handle'), aAddr);
    await aProto.received(1);
    expect(a.isClosing()).toBe(false);
  });

  it("a user's sock keeps its own reading (its 'message' path), not the addon", async () => {
    const opens = await countOpens();
    const sock = createSocket('udp4');
    sock.bind(0, '127.0.0.1');
    await once(sock, 'listening');
    const [t, proto] = await loop.createDatagramEndpoint(() => new Recorder(loop), { sock });
    loop.endpoints.push(t);
    expect(opens.count).toBe(0);
    const [sender] = await openEndpoint(loop);
    const { port } = sock.address();
    sender.sendto(Buffer.from('to the user sock'), ['127.0.0.1', port]);
    await proto.received(1);
    expect(proto.datagrams).toEqual([Buffer.from('to the user sock')]);
  });

  it('more datagrams than one recvmmsg batch, from two senders interleaved: all, in order, each with its sender', async () => {
    const [receiver, rProto, rAddr] = await openEndpoint(loop);
    (receiver.getExtraInfo('socket') as Socket).setRecvBufferSize(4 * 1024 * 1024);
    const [a, , aAddr] = await openEndpoint(loop);
    // Another loopback address: the sender's host differs, not only its port.
    const [b, , bAddr] = await openEndpoint(loop, '127.0.0.2');
    // Sizes from empty to the IPv4 maximum; 50 datagrams are 4 batches of up to 16.
    const sizes = Array.from({ length: 50 }, (_, i) => (i === 7 ? 65_507 : (i * 997) % 3000));
    const payload = (i: number) => Buffer.alloc(sizes[i] as number, i + 1);
    // One synchronous loop: the receiver sees them only afterwards, many per readiness event.
    for (let i = 0; i < sizes.length; i++) (i % 2 === 0 ? a : b).sendto(payload(i), rAddr);
    await rProto.received(sizes.length);
    const got = rProto.events.slice(1);
    expect(got).toHaveLength(sizes.length);
    got.forEach((event, i) => {
      expect(event).toEqual(['datagram', payload(i), i % 2 === 0 ? aAddr : bAddr]);
    });
  });

  it('pauseReading inside a batch: the rest waits (held or in the kernel), then comes in order', async () => {
    const [endpoint, rProto, rAddr] = await openEndpoint(loop);
    // The reading half of the transport (asyncio's datagram transports have it too).
    const receiver = endpoint as typeof endpoint & ReadTransport;
    const [sender] = await openEndpoint(loop);
    const original = rProto.datagramReceived.bind(rProto);
    rProto.datagramReceived = (data, addr) => {
      original(data, addr);
      if (rProto.datagrams.length === 1) receiver.pauseReading();
    };
    const total = 20; // 16 in the first recvmmsg, 4 left in the kernel
    for (let i = 0; i < total; i++) sender.sendto(Buffer.from([i]), rAddr);
    await rProto.received(1);
    for (let i = 0; i < 5; i++) await turn();
    expect(rProto.datagrams).toHaveLength(1);
    expect(receiver.isReading()).toBe(false);
    receiver.resumeReading();
    await rProto.received(total);
    expect(rProto.datagrams.map((d) => d[0])).toEqual(Array.from({ length: total }, (_, i) => i));
  });

  it('a worker that ends with an endpoint still open ends cleanly (the addon waits for its poll to close)', async () => {
    const worker = workerWithEndpoint(
      "require('node:worker_threads').parentPort.postMessage(typeof endpoint);",
    );
    const [opened] = (await once(worker, 'message')) as [string];
    expect(opened).toBe('object');
    // Before the async cleanup hook, this crashed the process (the poll's close callback
    // ran after the worker had unloaded the addon).
    expect(await worker.terminate()).toBe(1);
  });

  it("sock.unref() / ref() govern the addon's poll as they governed the socket's own reading", async () => {
    const [t, proto] = await openEndpoint(loop);
    const sock = t.getExtraInfo('socket') as Socket;
    const native = nativeHandleOf(sock);
    expect(native?.hasRef()).toBe(true);
    expect(sock.unref()).toBe(sock);
    expect(native?.hasRef()).toBe(false);
    sock.ref();
    expect(native?.hasRef()).toBe(true);
    t.close();
    await proto.lost;
    // After the transport: the socket's methods are its prototype's again.
    expect(Object.hasOwn(sock, 'ref') || Object.hasOwn(sock, 'unref')).toBe(false);
    expect(nativeHandleOf(sock)).toBeUndefined();
  });

  it('an unref()ed endpoint lets its thread end by itself', async () => {
    const worker = workerWithEndpoint('addon.ref(endpoint, false); sock.unref();');
    // With the poll still referenced this would never end (and the test would time out).
    const [code] = (await once(worker, 'exit')) as [number];
    expect(code).toBe(0);
  });
});
