import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  freeUdpPort,
  PYTHON,
  runPython,
  UDP_ECHO as seed,
  seedScript,
  waitUntilBound,
} from '@x/demo-kit';
import { EventLoop } from '@x/loop';
import { udp } from '@x/udp';
import { afterEach, describe, expect, it } from 'vitest';
import { EchoClientProtocol } from '../src/echo-client-protocol.js';

const fixture = join(import.meta.dirname, 'fixtures/udp_echo_server.py');
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('UDP echo client interop with the seed Python server', () => {
  it.skipIf(!existsSync(PYTHON))(
    'gets its echo from the seed Python server; both sides print the seed lines',
    async () => {
      const port = await freeUdpPort();
      const [script, cleanup] = await seedScript(fixture, { seedPort: seed.seedPort, port });
      cleanups.push(cleanup);
      const server = runPython(script, import.meta.dirname);
      cleanups.push(() => server.stop());
      // The seed prints its first line before it binds: the port is then watched in /proc.
      await server.line('stdout', /^Starting UDP server$/);
      await waitUntilBound(port, server);

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
      expect(printed).toEqual(seed.clientLines);
      const clientPort = (transport.getExtraInfo('sockname') as [string, number])[1];
      await server.until(() => server.stdout.length >= 3);
      expect(server.stdout).toEqual(seed.serverLines(clientPort));
    },
  );
});
