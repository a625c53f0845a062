import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import {
  CLIENT_LINES,
  freePort,
  Program,
  PYTHON,
  seedScript,
  serverLines,
  TSX,
  waitUntilListening,
} from '../../tcp-echo-server/src/demo-support.js';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const programs: Program[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const p of programs.splice(0)) await p.stop();
  for (const c of cleanups.splice(0)) await c();
});

it.skipIf(!existsSync(PYTHON))(
  "our TCP echo client works against the seed's Python echo server",
  async () => {
    const port = await freePort();
    const [script, cleanup] = await seedScript(
      join(here, 'test/fixtures/tcp_echo_server.py'),
      port,
    );
    cleanups.push(cleanup);
    const server = new Program(PYTHON, ['-u', script], here);
    programs.push(server);
    await waitUntilListening(port, server);
    const client = new Program(
      process.execPath,
      [...TSX, 'src/main.ts', '--port', String(port)],
      here,
    );
    programs.push(client);
    expect(await client.exited).toBe(0);
    expect(client.stdout).toEqual(CLIENT_LINES);
    await server.until(() => server.stdout.includes('Close the client socket'));
    const lines = server.stdout.slice(-4);
    const clientPort = lines[0]?.match(/, (\d+)\)$/)?.[1] ?? '?';
    expect(lines).toEqual(serverLines(clientPort));
  },
  30_000,
);
