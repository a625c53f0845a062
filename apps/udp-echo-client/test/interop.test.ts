import { join } from 'node:path';
import { EventLoop } from '@x/loop';
import { udp } from '@x/udp';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CLIENT_LINES,
  freeUdpPort,
  Program,
  seedScript,
  serverLines,
  waitUntilBound,
} from '../../udp-echo-server/src/demo-support.js';
import { EchoClientProtocol } from '../src/echo-client-protocol.js';

const fixture = join(import.meta.dirname, 'fixtures/udp_echo_server.py');
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('UDP echo client interop with the seed Python server', () => {
  it('gets its echo from the seed Python server; both sides print the seed lines', async () => {
    const port = await freeUdpPort();
    const [script, cleanup] = await seedScript(fixture, port);
    cleanups.push(cleanup);
    const server = new Program('/usr/bin/python3', ['-u', script], import.meta.dirname);
    cleanups.push(() => server.stop());
    await server.waitForLine('stdout', /^Starting UDP server$/);
    await waitUntilBound(port);

    const loop = new EventLoop({ transports: [udp()] });
    cleanups.push(async () => {
      await loop.drain();
      loop.close();
    });
    const printed: string[] = [];
    const onConLost = loop.createFuture<boolean>();
    const [transport] = await loop.createDatagramEndpoint(
      () =>
        new EchoClientProtocol('Hello World!', onConLost, (...parts) =>
          printed.push(parts.join(' ')),
        ),
      { remoteAddr: ['127.0.0.1', port] },
    );
    expect(await onConLost).toBe(true);
    expect(transport.isClosing()).toBe(true);
    expect(printed).toEqual(CLIENT_LINES);
    const clientPort = (transport.getExtraInfo('sockname') as [string, number])[1];
    await server.waitForCount('stdout', 3);
    expect(server.stdout).toEqual(serverLines(clientPort));
  });
});
