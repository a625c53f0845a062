import { join } from 'node:path';
import { EventLoop } from '@x/loop';
import type { DatagramTransport } from '@x/transport-core';
import { udp } from '@x/udp';
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT_LINES, Program, seedScript, serverLines } from '../src/demo-support.js';
import { EchoServerProtocol } from '../src/echo-server-protocol.js';
import { pyAddress, pyRepr } from '../src/python-format.js';

const fixture = join(import.meta.dirname, 'fixtures/udp_echo_client.py');
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('UDP echo server interop with the seed Python client', () => {
  it('the seed Python client gets its echo; both sides print the seed lines', async () => {
    const loop = new EventLoop({ transports: [udp()] });
    const printed: string[] = ['Starting UDP server'];
    const [transport] = await loop.createDatagramEndpoint(
      () => new EchoServerProtocol((l) => printed.push(l)),
      {
        localAddr: ['127.0.0.1', 0],
      },
    );
    cleanups.push(async () => {
      (transport as DatagramTransport).close();
      await loop.drain();
      loop.close();
    });
    const port = (transport.getExtraInfo('sockname') as [string, number])[1];
    const [script, cleanup] = await seedScript(fixture, port);
    cleanups.push(cleanup);
    const py = new Program('/usr/bin/python3', ['-u', script], import.meta.dirname);
    cleanups.push(() => py.stop());
    expect(await py.exited).toBe(0);
    expect(py.stdout).toEqual(CLIENT_LINES);
    const clientPort = printed[1]?.match(/, (\d+)\)$/)?.[1];
    expect(printed).toEqual(serverLines(clientPort ?? '?'));
  });
});

describe('Python formatting of the printed lines', () => {
  it('repr() of str and str() of an address tuple', () => {
    expect(pyRepr('Hello World!')).toBe("'Hello World!'");
    expect(pyRepr("it's")).toBe('"it\'s"');
    expect(pyRepr('a\nb\\')).toBe("'a\\nb\\\\'");
    expect(pyAddress(['127.0.0.1', 5])).toBe("('127.0.0.1', 5)");
    expect(pyAddress(['::1', 5])).toBe("('::1', 5, 0, 0)");
    expect(pyAddress(null)).toBe('None');
  });
});
