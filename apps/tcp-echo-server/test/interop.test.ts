import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Program,
  PYTHON,
  runPython,
  TCP_ECHO as seed,
  seedScript,
  startServerApp,
} from '@x/demo-kit';
import { afterEach, expect, it } from 'vitest';

const here = join(import.meta.dirname, '..');
const programs: Program[] = [];
afterEach(async () => {
  for (const p of programs.splice(0)) await p.stop();
});

it.skipIf(!existsSync(PYTHON))(
  "the seed's Python echo client works against our TCP echo server",
  async () => {
    const [server, port] = await startServerApp(here, ['--port', '0']);
    programs.push(server);
    const fixture = join(here, 'test/fixtures/tcp_echo_client.py');
    const [script, cleanup] = await seedScript(fixture, {
      seedPort: seed.seedPort,
      port: Number(port),
    });
    try {
      const client = runPython(script, here);
      programs.push(client);
      expect(await client.exited).toBe(0);
      expect(client.stdout).toEqual(seed.clientLines);
    } finally {
      await cleanup();
    }
    await server.until(() => server.stdout.length >= 4);
    expect(server.stdout).toEqual(seed.expectedServerLines(server.stdout));
  },
  30_000,
);
