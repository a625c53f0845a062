import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PYTHON, runPython, UDP_ECHO as seed, seedScript } from '@x/demo-kit';
import { EventLoop } from '@x/loop';
import type { DatagramTransport } from '@x/transport-core';
import { udp } from '@x/udp';
import { afterEach, describe, expect, it } from 'vitest';
import { EchoServerProtocol } from '../src/echo-server-protocol.js';

const fixture = join(import.meta.dirname, 'fixtures/udp_echo_client.py');
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('UDP echo server interop with the seed Python client', () => {
  it.skipIf(!existsSync(PYTHON))(
    'the seed Python client gets its echo; both sides print the seed lines',
    async () => {
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
      const [script, cleanup] = await seedScript(fixture, { seedPort: seed.seedPort, port });
      cleanups.push(cleanup);
      const py = runPython(script, import.meta.dirname);
      cleanups.push(() => py.stop());
      expect(await py.exited).toBe(0);
      expect(py.stdout).toEqual(seed.clientLines);
      expect(printed).toEqual(seed.expectedServerLines(printed));
    },
  );
});
