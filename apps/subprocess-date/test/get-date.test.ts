import { existsSync } from 'node:fs';
import { EventLoop } from '@x/loop';
import { subprocess } from '@x/subprocess';
import { afterAll, describe, expect, it } from 'vitest';
import { getDate } from '../src/get-date.js';

const DATE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/;

describe('getDate (the seed subprocess example)', () => {
  const loop = new EventLoop({ transports: [subprocess()] });
  afterAll(() => loop.close());

  it('collects the date a Node child prints through the SubprocessProtocol', async () => {
    expect(await getDate(loop, 'node')).toMatch(DATE);
  });

  it.runIf(existsSync('/usr/bin/python3'))(
    'and the one the seed code prints in a Python child',
    async () => {
      expect(await getDate(loop, 'python')).toMatch(DATE);
    },
  );
});
