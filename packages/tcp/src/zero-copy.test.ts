import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import type { BufferedProtocol, Transport } from '@x/transport-core';
import { withTimeout } from '@x/transport-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Cleanups,
  clientPair,
  makeLoop,
  rawConnect,
  rawServer,
  readBytes,
  serverPair,
  type TestLoop,
  turnsUntil,
} from './test-support.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());
const wait = <T>(p: PromiseLike<T>, what: string) => withTimeout(p, 5000, what);

/**
 * A buffered protocol that hands out a fresh buffer on every getBuffer call and records
 * which buffer each call returned and which one bufferUpdated reported.
 */
class TracingProtocol implements BufferedProtocol {
  transport: Transport | null = null;
  readonly handedOut: Array<{ buf: Uint8Array; sizehint: number; at: number }> = [];
  readonly updates: Array<{ buf: Uint8Array; bytes: string }> = [];
  readonly sent: number[] = [];
  #waiters: Array<() => void> = [];
  connectionMade(t: Transport): void {
    this.transport = t;
  }
  getBuffer(sizehint: number): Uint8Array {
    const buf = new Uint8Array(4096);
    this.handedOut.push({ buf, sizehint, at: this.sent.length });
    return buf;
  }
  bufferUpdated(nbytes: number): void {
    const last = this.handedOut[this.handedOut.length - 1] as { buf: Uint8Array };
    this.updates.push({
      buf: last.buf,
      bytes: Buffer.from(last.buf.subarray(0, nbytes)).toString(),
    });
    for (const w of this.#waiters.splice(0)) w();
  }
  next(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

/**
 * Sends a few words from `peer` and checks that each lands in the buffer `getBuffer(-1)`
 * returned before it was sent (the same object: no copy into it); then echoes once.
 */
async function expectZeroCopy(
  transport: Transport,
  protocol: TracingProtocol,
  peer: Socket,
): Promise<void> {
  // First chunk: it may go through one copy (the read buffer was set before connectionMade).
  peer.write('first');
  await wait(protocol.next(), 'first chunk');
  for (const word of ['second', 'third', 'fourth']) {
    // The buffer for the next read is already handed out, before the bytes are sent.
    const before = protocol.handedOut.length;
    const pending = protocol.handedOut[before - 1];
    expect(pending?.sizehint).toBe(-1);
    protocol.sent.push(1);
    const got = protocol.next();
    peer.write(word);
    await wait(got, word);
    const update = protocol.updates[protocol.updates.length - 1];
    expect(update?.bytes).toBe(word);
    // Same object: the OS wrote into the protocol's buffer (no copy into it).
    expect(update?.buf).toBe(pending?.buf);
  }
  transport.write(Buffer.from('ok'));
  expect((await wait(readBytes(peer, 2), 'ok')).toString()).toBe('ok');
}

/** A `connectionLost` to give a protocol, and a promise of the error it was called with. */
function lostSignal(): {
  connectionLost: (exc: Error | null) => void;
  lost: Promise<Error | null>;
} {
  let connectionLost: (exc: Error | null) => void = () => {};
  const lost = new Promise<Error | null>((resolve) => {
    connectionLost = resolve;
  });
  return { connectionLost, lost };
}

describe('BufferedProtocol zero-copy receive (issue point 3)', () => {
  for (const [side, makePair] of [
    ['client', clientPair],
    ['server', serverPair],
  ] as const) {
    it(`${side}: bytes land in the buffer getBuffer(-1) returned before they arrived`, async () => {
      const { loop, errors } = makeLoop();
      cleanups.add(() => loop.close());
      const { transport, protocol, peer } = await makePair(
        loop,
        cleanups,
        () => new TracingProtocol(),
      );
      await expectZeroCopy(transport, protocol, peer);
      expect(errors).toEqual([]);
    });
  }

  it('a zero-length getBuffer is fatal: handler message, connectionLost(err) (SPEC §4.3)', async () => {
    const { loop, errors } = makeLoop();
    cleanups.add(() => loop.close());
    const { connectionLost, lost } = lostSignal();
    let calls = 0;
    const { peer } = await serverPair(loop, cleanups, () => ({
      getBuffer: () => (++calls > 1 ? new Uint8Array(0) : new Uint8Array(16)),
      bufferUpdated: () => {},
      connectionLost,
    }));
    peer.write('data');
    expect((await wait(lost, 'connectionLost'))?.message).toMatch(/empty buffer/);
    expect(errors[0]?.message).toBe('Fatal error: protocol.getBuffer() call failed.');
  });

  it('a throwing getBuffer is fatal with that error', async () => {
    const { loop, errors } = makeLoop();
    cleanups.add(() => loop.close());
    const boom = new Error('no buffer for you');
    const { connectionLost, lost } = lostSignal();
    let calls = 0;
    const { peer } = await clientPair(loop, cleanups, () => ({
      getBuffer: () => {
        if (++calls > 1) throw boom;
        return new Uint8Array(16);
      },
      bufferUpdated: () => {},
      connectionLost,
    }));
    peer.write('data');
    expect(await wait(lost, 'connectionLost')).toBe(boom);
    expect(errors[0]?.message).toBe('Fatal error: protocol.getBuffer() call failed.');
  });

  it('a throwing bufferUpdated is fatal with that error (the bytes had landed in its buffer)', async () => {
    const { loop, errors } = makeLoop();
    cleanups.add(() => loop.close());
    const boom = new Error('cannot take these bytes');
    const { connectionLost, lost } = lostSignal();
    let updates = 0;
    const { peer } = await serverPair(loop, cleanups, () => ({
      getBuffer: () => new Uint8Array(64),
      bufferUpdated: () => {
        // The first read may be copied in; the second lands in getBuffer()'s memory.
        if (++updates === 2) throw boom;
      },
      connectionLost,
    }));
    peer.write('one');
    await wait(
      turnsUntil(() => updates === 1),
      'the first bytes',
    );
    peer.write('two');
    expect(await wait(lost, 'connectionLost')).toBe(boom);
    expect(errors.map((e) => e.message)).toEqual([
      'Fatal error: protocol.bufferUpdated() call failed.',
    ]);
  });

  for (const [side, makePair] of [
    ['client', clientPair],
    ['server', serverPair],
  ] as const) {
    it(`${side}: Protocol data kept after dataReceived is never overwritten (read slab, rule 8)`, async () => {
      const { loop } = makeLoop();
      cleanups.add(() => loop.close());
      const kept: Uint8Array[] = [];
      let total = 0;
      let notify: () => void = () => {};
      const size = 4 * 1024 * 1024;
      const done = new Promise<void>((resolve) => {
        notify = resolve;
      });
      const { peer } = await makePair(loop, cleanups, () => ({
        dataReceived: (data: Uint8Array) => {
          kept.push(data); // kept by reference, not copied
          total += data.byteLength;
          if (total >= size) notify();
        },
      }));
      const sent = randomBytes(size);
      // Many small writes: thousands of reads, so the slab is reused and replaced many times.
      for (let off = 0; off < size; off += 1000)
        peer.write(sent.subarray(off, Math.min(size, off + 1000)));
      await wait(done, 'all data');
      expect(Buffer.concat(kept).equals(sent)).toBe(true);
    });
  }
  describe('sockets the user made (moved to the onread path in place)', () => {
    /** A transport over the user's connected `sock` (aborted at cleanup). */
    async function connectSock(loop: TestLoop['loop'], sock: Socket) {
      const made = await loop.createConnection(() => new TracingProtocol(), null, null, { sock });
      cleanups.add(() => made[0].abort());
      return made;
    }

    it('createConnection({ sock }) with a connected net.Socket', async () => {
      const { loop, errors } = makeLoop();
      cleanups.add(() => loop.close());
      const raw = await rawServer(cleanups);
      const sock = await rawConnect(cleanups, raw.port);
      const [transport, protocol] = await connectSock(loop, sock);
      expect(transport.getExtraInfo('socket')).toBe(sock);
      await expectZeroCopy(transport, protocol, await raw.accepted());
      expect(errors).toEqual([]);
    });

    it('connectAcceptedSocket and a user net.Server given as sock', async () => {
      const { loop, errors } = makeLoop();
      cleanups.add(() => loop.close());
      const made: Array<Promise<[Transport, TracingProtocol]>> = [];
      const netServer = createNetServer((sock) => {
        made.push(loop.connectAcceptedSocket(() => new TracingProtocol(), sock));
      });
      await new Promise<void>((resolve) => netServer.listen(0, '127.0.0.1', resolve));
      cleanups.add(() => new Promise<void>((resolve) => netServer.close(() => resolve())));
      const peer = await rawConnect(cleanups, (netServer.address() as AddressInfo).port);
      await wait(
        turnsUntil(() => made.length === 1),
        'accepted',
      );
      const [transport, protocol] = await wait(
        made[0] as Promise<[Transport, TracingProtocol]>,
        'transport',
      );
      cleanups.add(() => transport.abort());
      await expectZeroCopy(transport, protocol, peer);

      const listening = createNetServer();
      await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
      cleanups.add(() => {
        listening.close();
      });
      const protocols: TracingProtocol[] = [];
      const server = await loop.createServer(
        () => {
          const p = new TracingProtocol();
          protocols.push(p);
          return p;
        },
        null,
        null,
        { sock: listening },
      );
      cleanups.add(() => {
        server.close();
        server.abortClients();
      });
      const second = await rawConnect(cleanups, (listening.address() as AddressInfo).port);
      await wait(
        turnsUntil(() => protocols[0]?.transport != null),
        'served',
      );
      const served = protocols[0] as TracingProtocol;
      await expectZeroCopy(served.transport as Transport, served, second);
      expect(errors).toEqual([]);
    });

    it('a socket that already holds data keeps the data path: nothing is lost', async () => {
      const { loop, errors } = makeLoop();
      cleanups.add(() => loop.close());
      const raw = await rawServer(cleanups);
      const sock = await rawConnect(cleanups, raw.port);
      const peer = await raw.accepted();
      peer.write('early');
      await wait(
        turnsUntil(() => sock.readableLength === 5),
        'the early bytes',
      );
      const [, protocol] = await connectSock(loop, sock);
      await wait(
        turnsUntil(() => protocol.updates.length === 1),
        'the early bytes delivered',
      );
      expect(protocol.updates[0]?.bytes).toBe('early');
      const got = protocol.next();
      peer.write('late');
      await wait(got, 'late');
      expect(protocol.updates.map((u) => u.bytes).join('')).toBe('earlylate');
      expect(errors).toEqual([]);
    });
  });
});
