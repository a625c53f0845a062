import type { DatagramTransport } from '@x/transport-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MODES, openEndpoint, Recorder, TestLoop, useMode } from './test-support.js';

let loop: TestLoop;
const transports: DatagramTransport[] = [];
const pair = () => loop.pair();

beforeEach(() => {
  loop = new TestLoop();
});

afterEach(async () => {
  useMode('native');
  for (const t of transports.splice(0)) t.abort();
  // Fails the test if a callback threw (a Recorder grammar check included).
  await loop.dispose();
});

describe.each(MODES)('UdpTransport, %s', (_name, mode) => {
  beforeEach(() => useMode(mode));

  describe('datagramReceived (SPEC §4.12)', () => {
    it('delivers every datagram with the sender [host, port], empty ones included (B-072, B-075)', async () => {
      const [[a, , aAddr], [b, bProto, bAddr]] = await pair();
      a.sendto(Buffer.from('xxx'), bAddr);
      a.sendto(new Uint8Array(0), bAddr);
      a.sendto(new DataView(new Uint8Array([1, 2, 3]).buffer), bAddr);
      await bProto.received(3);
      expect(bProto.events.slice(1)).toEqual([
        ['datagram', Buffer.from('xxx'), aAddr],
        ['datagram', Buffer.alloc(0), aAddr],
        ['datagram', Buffer.from([1, 2, 3]), aAddr],
      ]);
      expect(b.getWriteBufferSize()).toBe(0);
    });

    it('a throwing datagramReceived is reported and the endpoint keeps serving (SPEC §6.3, B-083)', async () => {
      const [[a], [b, bProto, bAddr]] = await pair();
      loop.expectExceptions();
      const original = bProto.datagramReceived.bind(bProto);
      let calls = 0;
      bProto.datagramReceived = (data, addr) => {
        original(data, addr);
        if (++calls === 1) throw new Error('bad datagram');
      };
      a.sendto(Buffer.from('one'), bAddr);
      await bProto.received(1);
      a.sendto(Buffer.from('two'), bAddr);
      await bProto.received(2);
      expect(loop.exceptions).toHaveLength(1);
      expect(loop.exceptions[0]?.message).toMatch(/protocol\.datagramReceived\(\)/);
      expect(loop.exceptions[0]?.exception).toEqual(new Error('bad datagram'));
      expect(b.isClosing()).toBe(false);
    });
  });

  describe('sendto: bad input (SPEC §5, §6.6)', () => {
    it('rejects non-bytes data with the asyncio TypeError (B-074), also after close', async () => {
      const [[a], [, , bAddr]] = await pair();
      expect(() => a.sendto('str' as unknown as Uint8Array, bAddr)).toThrow(
        "data argument must be a bytes-like object, not 'string'",
      );
      expect(() => a.sendto([1, 2] as unknown as Uint8Array, bAddr)).toThrow(TypeError);
      a.close();
      expect(() => a.sendto('str' as unknown as Uint8Array, bAddr)).toThrow(TypeError);
    });

    it('rejects addresses that are not [host, port] tuples and bad ports', async () => {
      const [[a, aProto], [, bProto, bAddr]] = await pair();
      const bad = (addr: unknown) => () => a.sendto(Buffer.from('x'), addr as [string, number]);
      expect(bad(['127.0.0.1'])).toThrow(TypeError);
      expect(bad({ host: '127.0.0.1', port: 9 })).toThrow(TypeError);
      expect(bad([9, '127.0.0.1'])).toThrow(TypeError);
      expect(bad('/tmp/sock')).toThrow(/Unix/);
      expect(bad(['127.0.0.1', 70000])).toThrow(RangeError);
      expect(bad(['127.0.0.1', 0])).toThrow(RangeError);
      expect(bad(['127.0.0.1', 1.5])).toThrow(TypeError);
      // The endpoint is still usable, and nothing was queued by the bad calls.
      expect(a.getWriteBufferSize()).toBe(0);
      a.sendto(Buffer.from('ok'), bAddr);
      await bProto.received(1);
      expect(aProto.errors).toEqual([]);
    });

    it('refuses a host name (no DNS per datagram) and the other IP family; endpoint still usable', async () => {
      const [[a], [, bProto, bAddr]] = await pair();
      expect(() => a.sendto(Buffer.from('x'), ['no-such-host.invalid', 9])).toThrow(
        /numeric IP address/,
      );
      expect(() => a.sendto(Buffer.from('x'), ['localhost', bAddr[1]])).toThrow(
        /numeric IP address/,
      );
      expect(() => a.sendto(Buffer.from('x'), ['::1', bAddr[1]])).toThrow(/socket family mismatch/);
      a.sendto(Buffer.from('still'), bAddr);
      await bProto.received(1);
    });

    it('unconnected endpoint without addr: TypeError at the call, endpoint open (SPEC §6.6)', async () => {
      const [[a]] = await pair();
      expect(() => a.sendto(Buffer.from('x'))).toThrow(TypeError);
      expect(() => a.sendto(Buffer.from('x'), null)).toThrow(/needs addr/);
      expect(a.isClosing()).toBe(false);
    });

    it('connected endpoint: addr may be omitted or equal remoteAddr, another one throws (B-073)', async () => {
      const [server, serverProto, serverAddr] = await openEndpoint(loop);
      const [client] = await loop.createDatagramEndpoint(() => new Recorder(loop), {
        remoteAddr: ['localhost', serverAddr[1]],
        family: 4,
      });
      transports.push(server, client);
      client.sendto(Buffer.from('1'));
      client.sendto(Buffer.from('2'), serverAddr);
      client.sendto(Buffer.from('3'), ['localhost', serverAddr[1]]);
      expect(() =>
        client.sendto(Buffer.from('x'), ['127.0.0.1', serverAddr[1] === 9 ? 10 : 9]),
      ).toThrow(`Invalid address: must be null or 127.0.0.1:${serverAddr[1]}`);
      await serverProto.received(3);
      expect(serverProto.datagrams.map((d) => Buffer.from(d).toString())).toEqual(['1', '2', '3']);
    });
  });

  describe('errors: errorReceived (SPEC §4.12)', () => {
    it('a datagram larger than the OS allows is reported as EMSGSIZE; the endpoint keeps working', async () => {
      const [[a, aProto], [, bProto, bAddr]] = await pair();
      const error = aProto.nextError();
      a.sendto(Buffer.alloc(70_000), bAddr);
      expect(((await error) as NodeJS.ErrnoException).code).toBe('EMSGSIZE');
      expect(a.getWriteBufferSize()).toBe(0);
      a.sendto(Buffer.from('after'), bAddr);
      await bProto.received(1);
      expect(a.isClosing()).toBe(false);
    });

    it('a connected endpoint learns of ICMP port unreachable as ECONNREFUSED and stays open (B-080)', async () => {
      // A port that was just free: bind, note it, close.
      const [probe, , probeAddr] = await openEndpoint(loop);
      probe.close();
      await (probe.getProtocol() as Recorder).lost;
      const [client, clientProto] = await loop.createDatagramEndpoint(() => new Recorder(loop), {
        remoteAddr: probeAddr,
      });
      transports.push(client);
      const error = clientProto.nextError();
      client.sendto(Buffer.from('anyone?'));
      expect(((await error) as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
      expect(client.isClosing()).toBe(false);
      // And keeps receiving: a peer now at that address is heard (the error did not stop
      // reading; the native path's poll reports a socket error as EPOLLERR and stops).
      const [peer, peerProto] = await loop.createDatagramEndpoint(() => new Recorder(loop), {
        localAddr: probeAddr,
      });
      transports.push(peer);
      peer.sendto(Buffer.from('here now'), client.getExtraInfo('sockname') as [string, number]);
      await clientProto.received(1);
      client.sendto(Buffer.from('hello'));
      await peerProto.received(1);
      expect(clientProto.datagrams).toEqual([Buffer.from('here now')]);
    });

    it('a throwing errorReceived is reported and the endpoint keeps serving (SPEC §6.3)', async () => {
      const [[a, aProto], [, bProto, bAddr]] = await pair();
      loop.expectExceptions();
      aProto.errorReceived = () => {
        throw new Error('bad handler');
      };
      a.sendto(Buffer.alloc(70_000), bAddr);
      a.sendto(Buffer.from('next'), bAddr);
      await bProto.received(1);
      // The EMSGSIZE callback comes before the next datagram's.
      await loop.drain();
      expect(loop.exceptions.map((c) => c.message)).toEqual([
        'Exception in protocol.errorReceived() call; the datagram endpoint keeps serving.',
      ]);
      expect(a.isClosing()).toBe(false);
    });
  });

  describe('pauseReading / resumeReading (SPEC §4.7)', () => {
    it('no datagram while paused; they come after resumeReading, never inside it', async () => {
      const [[a, , aAddr], [b, bProto, bAddr]] = await pair();
      const r = b as unknown as {
        pauseReading(): void;
        resumeReading(): void;
        isReading(): boolean;
      };
      expect(r.isReading()).toBe(true);
      r.pauseReading();
      r.pauseReading();
      expect(r.isReading()).toBe(false);
      a.sendto(Buffer.from('held'), bAddr);
      // A datagram to a, sent after it, has arrived: b had the same time.
      b.sendto(Buffer.from('marker'), aAddr);
      await (a.getProtocol() as Recorder).received(1);
      await loop.drain();
      expect(bProto.datagrams).toEqual([]);
      r.resumeReading();
      r.resumeReading();
      expect(bProto.datagrams).toEqual([]);
      expect(r.isReading()).toBe(true);
      await bProto.received(1);
      expect(Buffer.from(bProto.datagrams[0] as Uint8Array).toString()).toBe('held');
      b.close();
      expect(r.isReading()).toBe(false);
      r.pauseReading();
      r.resumeReading();
      expect(r.isReading()).toBe(false);
    });

    it('a pauseReading() inside connectionMade is honoured', async () => {
      const [a, , aAddr] = await openEndpoint(loop);
      const proto = new Recorder(loop);
      const made = proto.connectionMade.bind(proto);
      proto.connectionMade = (t) => {
        made(t);
        (t as unknown as { pauseReading(): void }).pauseReading();
      };
      const [b] = await loop.createDatagramEndpoint(() => proto, { localAddr: ['127.0.0.1', 0] });
      transports.push(b);
      a.sendto(Buffer.from('wait'), b.getExtraInfo('sockname') as [string, number]);
      b.sendto(Buffer.from('marker'), aAddr);
      await (a.getProtocol() as Recorder).received(1);
      await loop.drain();
      expect(proto.datagrams).toEqual([]);
      (b as unknown as { resumeReading(): void }).resumeReading();
      await proto.received(1);
    });
  });

  describe('close, abort, write after close (SPEC §4.1, §4.5, §6.1)', () => {
    it('close() sends what was accepted, then connectionLost(null) once, last (B-093)', async () => {
      const [[a, aProto], [, bProto, bAddr]] = await pair();
      for (let i = 0; i < 20; i++) a.sendto(Buffer.from(`d${i}`), bAddr);
      a.close();
      expect(a.isClosing()).toBe(true);
      a.close();
      expect(await aProto.lost).toBeNull();
      await bProto.received(20);
      expect(aProto.names()).toEqual(['made', 'lost']);
      expect(a.getWriteBufferSize()).toBe(0);
    });

    it('abort() drops unsent datagrams and calls connectionLost(null) once', async () => {
      const [[a, aProto], [, , bAddr]] = await pair();
      a.sendto(Buffer.from('gone'), bAddr);
      a.abort();
      a.abort();
      a.close();
      expect(a.isClosing()).toBe(true);
      expect(a.getWriteBufferSize()).toBe(0);
      expect(await aProto.lost).toBeNull();
      await loop.drain();
      expect(aProto.names()).toEqual(['made', 'lost']);
    });

    it('no datagram is delivered after close(), though it reached the socket before connectionLost', async () => {
      const [[a], [b, bProto, bAddr], [, cProto, cAddr]] = await Promise.all([
        openEndpoint(loop),
        openEndpoint(loop),
        openEndpoint(loop),
      ]);
      b.close();
      // b's socket stays open until connectionLost (a later loop iteration): 'late' is in
      // its receive queue and read from there, so only the transport can drop it.
      a.sendto(Buffer.from('late'), bAddr);
      // Sent after 'late' by the same sender: once c has it, b has been given 'late' too.
      a.sendto(Buffer.from('marker'), cAddr);
      await cProto.received(1);
      expect(await bProto.lost).toBeNull();
      await loop.drain();
      expect(bProto.datagrams).toEqual([]);
      expect(bProto.names()).toEqual(['made', 'lost']);
    });

    it('close() inside datagramReceived: the datagrams read in the same batch are dropped', async () => {
      const [[a], [b, bProto, bAddr]] = await pair();
      const record = bProto.datagramReceived.bind(bProto);
      bProto.datagramReceived = (data, addr) => {
        record(data, addr);
        b.close();
      };
      // Both are in b's receive queue before the loop polls: libuv reads them in one
      // batch, so 'late' comes while b is closing and its socket still open.
      a.sendto(Buffer.from('first'), bAddr);
      a.sendto(Buffer.from('late'), bAddr);
      expect(await bProto.lost).toBeNull();
      await loop.drain();
      expect(bProto.datagrams.map((d) => Buffer.from(d).toString())).toEqual(['first']);
      expect(bProto.names()).toEqual(['made', 'datagram', 'lost']);
    });

    it('sendto after close is dropped, never thrown; the 5th logs a warning (B-077)', async () => {
      const [[a, aProto], [, bProto, bAddr]] = await pair();
      a.close();
      for (let i = 0; i < 4; i++) a.sendto(Buffer.from('x'), bAddr);
      expect(loop.warnings).toEqual([]);
      a.sendto(Buffer.from('x'), bAddr);
      expect(loop.warnings).toHaveLength(1);
      await aProto.lost;
      a.sendto(Buffer.from('x'), bAddr);
      expect(loop.warnings).toHaveLength(2);
      await loop.drain();
      expect(bProto.datagrams).toEqual([]);
    });

    it('the socket closed underneath ends the transport with connectionLost(null)', async () => {
      const [[a, aProto]] = await pair();
      (a.getExtraInfo('socket') as import('node:dgram').Socket).close();
      expect(await aProto.lost).toBeNull();
      expect(a.isClosing()).toBe(true);
    });

    it('setProtocol routes later datagrams to the new protocol', async () => {
      const [[a], [b, , bAddr]] = await pair();
      const next = new Recorder(loop);
      next.events.push(['made']);
      b.setProtocol(next);
      expect(b.getProtocol()).toBe(next);
      a.sendto(Buffer.from('to next'), bAddr);
      await next.received(1);
    });
  });
});
