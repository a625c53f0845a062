import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  freeTcpPort,
  type Program,
  PYTHON,
  runApp,
  runPython,
  TCP_ECHO as seed,
  seedScript,
  waitUntilListening,
} from '@x/demo-kit';
import { afterEach, expect, it } from 'vitest';

const here = join(import.meta.dirname, '..');
const programs: Program[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const p of programs.splice(0)) await p.stop();
  for (const c of cleanups.splice(0)) await c();
});

it.skipIf(!existsSync(PYTHON))(
  "our TCP echo client works against the seed's Python echo server",
  async () => {
    const port = await freeTcpPort();
    const fixture = join(here, 'test/fixtures/tcp_echo_server.py');
    const [script, cleanup] = await seedScript(fixture, { seedPort: seed.seedPort, port });
    cleanups.push(cleanup);
    const server = runPython(script, here);
    programs.push(server);
    await waitUntilListening(port, server);
    const client = runApp(here, ['--port', String(port)]);
    programs.push(client);
    expect(await client.exited).toBe(0);
    expect(client.stdout).toEqual(seed.clientLines);
    await server.until(() => server.stdout.includes('Close the client socket'));
    const lines = server.stdout.slice(-4);
    expect(lines).toEqual(seed.expectedServerLines(lines));
  },
  30_000,
);
