import { join } from 'node:path';
import { runApp } from '@x/demo-kit';
import { expect, it } from 'vitest';

const here = join(import.meta.dirname, '..');

it("prints the seed's line for data arriving on an existing socket", async () => {
  const program = runApp(here);
  expect(await program.exited).toBe(0);
  expect(program.stdout).toEqual(['Received: abc']);
}, 30_000);
