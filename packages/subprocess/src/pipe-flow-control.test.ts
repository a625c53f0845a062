import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { EventLoop } from '@x/loop';
import type { SubprocessTransport } from '@x/transport-core';
import { withTimeout } from '@x/transport-core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEVNULL } from './constants.js';
import type { ReadPipeTransport } from './read-pipe-transport.js';
import {
  bytesWritten,
  makeLoop,
  processState,
  RecordingSubprocessProtocol,
  waitSteady,
} from './test-support.js';
import type { WritePipeTransport } from './write-pipe-transport.js';

const T = 20_000;
const MiB = 1024 * 1024;
const PYTHON = '/usr/bin/python3';

/** A 251-periodic pattern: a lost, repeated or reordered chunk changes the digest. */
function pattern(size: number, phase: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) buf[i] = (i + phase) % 251;
  return buf;
}

describe('pipe transports of a child: flow control and large transfers', () => {
  let loop: EventLoop;
  let transports: SubprocessTransport[];

  beforeEach(() => {
    ({ loop } = makeLoop());
    transports = [];
  });

  afterEach(() => {
    for (const t of transports) t.close();
    loop.close();
  });

  it.skipIf(!existsSync(PYTHON))(
    'B-107: a child that does not read makes pauseWriting fire; resumeWriting comes at <= low once it reads',
    async () => {
      // The child blocks SIGUSR1, says it is ready, and reads stdin only after SIGUSR1.
      const code = [
        'import os, signal, sys',
        'signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1])',
        'os.write(1, b"ready")',
        'signal.sigwait([signal.SIGUSR1])',
        'n = 0',
        'while True:',
        '    b = os.read(0, 1 << 20)',
        '    if not b: break',
        '    n += len(b)',
        'os.write(1, str(n).encode())',
      ].join('\n');
      const [t, p] = await loop.subprocessExec(
        () => new RecordingSubprocessProtocol(),
        PYTHON,
        ['-c', code],
        {
          stderr: DEVNULL,
        },
      );
      transports.push(t);
      await withTimeout(
        new Promise<void>((resolve) => {
          p.onData = () => resolve();
        }),
        T,
        'ready',
      );
      p.onData = null;
      const stdin = t.getPipeTransport(0) as WritePipeTransport;
      stdin.setWriteBufferLimits(256 * 1024, 64 * 1024);
      const chunk = Buffer.alloc(64 * 1024, 1);
      let written = 0;
      let paused = false;
      p.onPause = () => {
        paused = true;
      };
      let sizeAtResume = -1;
      p.onResume = () => {
        sizeAtResume = stdin.getWriteBufferSize();
      };
      while (!paused && written < 64 * MiB) {
        stdin.write(chunk);
        written += chunk.length;
      }
      expect(paused).toBe(true);
      // Paused exactly when the buffer went above high.
      expect(stdin.getWriteBufferSize()).toBeGreaterThan(256 * 1024);
      expect(p.names().filter((n) => n === 'pauseWriting')).toHaveLength(1);
      t.sendSignal('SIGUSR1');
      await withTimeout(
        new Promise<void>((resolve) => {
          p.onResume = () => {
            sizeAtResume = stdin.getWriteBufferSize();
            resolve();
          };
        }),
        T,
        'resumeWriting',
      );
      expect(sizeAtResume).toBeGreaterThanOrEqual(0);
      expect(sizeAtResume).toBeLessThanOrEqual(64 * 1024);
      stdin.close();
      await withTimeout(p.lost, T, 'connectionLost');
      expect(Number(p.output(1).subarray(5).toString())).toBe(written);
      expect(t.getReturncode()).toBe(0);
    },
  );

  for (const fd of [1, 2] as const) {
    const name = fd === 1 ? 'stdout' : 'stderr';
    it(`pauseReading on ${name} really stops reading: the child blocks on a full pipe, then resumes with nothing lost`, async () => {
      const total = 32 * MiB;
      let received = 0;
      const factory = (): RecordingSubprocessProtocol => {
        const p = new RecordingSubprocessProtocol();
        p.recordData = false;
        // Count from the start: what was read before connectionMade is replayed after it.
        p.onData = (dataFd, data) => {
          if (dataFd === fd) received += data.length;
        };
        p.onConnectionMade = (tr) => (tr.getPipeTransport(fd) as ReadPipeTransport).pauseReading();
        return p;
      };
      // `exec`: the pid is head's, whose progress /proc shows.
      const [t, p] = await loop.subprocessShell(
        factory,
        `exec head -c ${total} /dev/zero${fd === 2 ? ' >&2' : ''}`,
        { stdin: DEVNULL, [fd === 1 ? 'stderr' : 'stdout']: DEVNULL },
      );
      transports.push(t);
      const receivedBeforePause = received;
      const pipe = t.getPipeTransport(fd) as ReadPipeTransport;
      expect(pipe.isReading()).toBe(false);
      // Wait until the child sleeps without making progress (blocked in write()), then
      // check it is blocked, not done. A child merely descheduled would be 'R', not 'S'.
      let unsteady = 0;
      const stuckAt = await withTimeout(
        waitSteady(loop, () =>
          processState(t.getPid()) === 'S' ? bytesWritten(t.getPid()) : --unsteady,
        ),
        T,
        'the child to block',
      );
      expect(stuckAt).not.toBeNull();
      expect(stuckAt as number).toBeGreaterThan(0);
      expect(stuckAt as number).toBeLessThan(total);
      expect(t.getReturncode()).toBeNull();
      // Nothing more arrived while paused.
      expect(received).toBe(receivedBeforePause);
      pipe.resumeReading();
      expect(pipe.isReading()).toBe(true);
      expect(received).toBe(receivedBeforePause); // never inside resumeReading()
      await withTimeout(p.lost, T, 'connectionLost');
      expect(received).toBe(total);
      expect(t.getReturncode()).toBe(0);
    });
  }

  it('B-127: 48 MiB through cat, both directions at once, with flow control: nothing lost, order kept', async () => {
    const total = 48 * MiB;
    const chunkSize = 256 * 1024;
    const sent = createHash('sha256');
    const got = createHash('sha256');
    let received = 0;
    const [t, p] = await loop.subprocessExec(() => new RecordingSubprocessProtocol(), 'cat', [], {
      stderr: DEVNULL,
    });
    transports.push(t);
    const stdin = t.getPipeTransport(0) as WritePipeTransport;
    let left = total;
    let phase = 0;
    let paused = false;
    const feed = (): void => {
      while (left > 0 && !paused) {
        const n = Math.min(chunkSize, left);
        const chunk = pattern(n, phase);
        phase = (phase + n) % 251;
        left -= n;
        sent.update(chunk);
        stdin.write(chunk);
      }
      if (left === 0) stdin.close();
    };
    p.onPause = () => {
      paused = true;
    };
    p.onResume = () => {
      paused = false;
      feed();
    };
    p.onData = (_fd, data) => {
      received += data.length;
      got.update(data);
    };
    p.recordData = false;
    feed();
    await withTimeout(p.lost, T, 'connectionLost');
    expect(received).toBe(total);
    expect(got.digest('hex')).toBe(sent.digest('hex'));
    expect(p.names()).toContain('pauseWriting');
    expect(t.getReturncode()).toBe(0);
  });
});
