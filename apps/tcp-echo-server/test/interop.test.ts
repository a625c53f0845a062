import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import {
  CLIENT_LINES,
  Program,
  PYTHON,
  seedScript,
  serverLines,
  TSX,
} from '../src/demo-support.js';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const programs: Program[] = [];
afterEach(async () => {
  for (const p of programs.splice(0)) await p.stop();
});

it.skipIf(!existsSync(PYTHON))(
  "the seed's Python echo client works against our TCP echo server",
  async () => {
    const server = new Program(process.execPath, [...TSX, 'src/main.ts', '--port', '0'], here);
    programs.push(server);
    const port = (await server.line('stderr', /^listening on 127\.0\.0\.1:(\d+)$/))?.[1];
    expect(port).toBeDefined();
    const [script, cleanup] = await seedScript(
      join(here, 'test/fixtures/tcp_echo_client.py'),
      Number(port),
    );
    try {
      const client = new Program(PYTHON, ['-u', script], here);
      programs.push(client);
      expect(await client.exited).toBe(0);
      expect(client.stdout).toEqual(CLIENT_LINES);
    } finally {
      await cleanup();
    }
    await server.until(() => server.stdout.length >= 4);
    const clientPort = server.stdout[0]?.match(/, (\d+)\)$/)?.[1] ?? '?';
    expect(server.stdout).toEqual(serverLines(clientPort));
  },
  30_000,
);
