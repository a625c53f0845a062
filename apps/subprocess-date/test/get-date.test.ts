import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PYTHON } from '@x/demo-kit';
import { EventLoop } from '@x/loop';
import { DEVNULL, subprocess } from '@x/subprocess';
import type { SubprocessTransport } from '@x/transport-core';
import { afterAll, describe, expect, it } from 'vitest';
import { getDate } from '../src/get-date.js';

const DATE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/;

describe('getDate (the seed subprocess example)', () => {
  const loop = new EventLoop({ transports: [subprocess()] });
  afterAll(() => loop.close());

  it('collects the date a Node child prints through the SubprocessProtocol', async () => {
    expect(await getDate(loop, 'node')).toMatch(DATE);
  });

  it.runIf(existsSync(PYTHON))('and the one the seed code prints in a Python child', async () => {
    expect(await getDate(loop, 'python')).toMatch(DATE);
  });

  it.runIf(existsSync(PYTHON))(
    "interop: the seed's Python example, run as it is under our subprocessExec, prints the date",
    async () => {
      const script = join(import.meta.dirname, 'fixtures/subprocess_date.py');
      const chunks: Uint8Array[] = [];
      let transport: SubprocessTransport | null = null;
      const done = loop.createFuture<void>();
      await loop.subprocessExec(
        () => ({
          connectionMade: (t: SubprocessTransport) => {
            transport = t;
          },
          pipeDataReceived: (_fd: 1 | 2, data: Uint8Array) => {
            chunks.push(data);
          },
          connectionLost: () => done.setResult(),
        }),
        PYTHON,
        [script],
        { stdin: DEVNULL, stderr: DEVNULL },
      );
      await done;
      expect((transport as SubprocessTransport | null)?.getReturncode()).toBe(0);
      const out = Buffer.concat(chunks).toString('ascii');
      expect(out).toMatch(/^Current date: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}\n$/);
    },
  );
});
