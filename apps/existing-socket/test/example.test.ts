import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { Program, TSX } from '../../tcp-echo-server/src/demo-support.js';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');

it("prints the seed's line for data arriving on an existing socket", async () => {
  const program = new Program(process.execPath, [...TSX, 'src/main.ts'], here);
  expect(await program.exited).toBe(0);
  expect(program.stdout).toEqual(['Received: abc']);
}, 30_000);
