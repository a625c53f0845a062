import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PYTHON, TSX } from '@x/demo-kit';
import { EventLoop } from '@x/loop';
import { SubprocessProtocol } from '@x/protocols';
import { DEVNULL, subprocess } from '@x/subprocess';
import type { SubprocessTransport } from '@x/transport-core';
import { withTimeout } from '@x/transport-core/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const APP_DIR = join(import.meta.dirname, '..');
const T = 15_000;
/** What `src/main.ts` prints: the seed's `print(f"Current date: {date}")`, date as Python's `datetime.now()`. */
const LINE = /^Current date: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/m;

/** Collects a child's stdout and resolves `done` at connectionLost. */
class Collect extends SubprocessProtocol {
  readonly chunks: Uint8Array[] = [];
  readonly done: Promise<void>;
  #resolve!: () => void;

  constructor() {
    super();
    this.done = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  override pipeDataReceived(_fd: 1 | 2, data: Uint8Array): void {
    this.chunks.push(data);
  }

  override connectionLost(): void {
    this.#resolve();
  }
}

describe('the app as a program (src/main.ts, run as `pnpm demo` runs it)', () => {
  const loop = new EventLoop({ transports: [subprocess()] });
  const started: SubprocessTransport[] = [];
  // A child still running after a failure is killed (by its PID) here.
  afterEach(() => {
    for (const t of started.splice(0)) t.close();
  });
  afterAll(() => loop.close());

  /** Runs `node --import tsx src/main.ts ...args` in the app directory; its stdout and exit code. */
  async function runMain(args: readonly string[]): Promise<[stdout: string, code: number | null]> {
    const [t, p] = await loop.subprocessExec(
      () => new Collect(),
      process.execPath,
      [...TSX, 'src/main.ts', ...args],
      { cwd: APP_DIR, stdin: DEVNULL, stderr: null },
    );
    started.push(t);
    await withTimeout(p.done, T, 'the app to finish');
    return [Buffer.concat(p.chunks).toString(), t.getReturncode()];
  }

  it('prints exactly one line "Current date: YYYY-MM-DD HH:MM:SS.ffffff" and exits 0', async () => {
    const [stdout, code] = await runMain([]);
    expect(stdout).toMatch(LINE);
    expect(stdout.split('\n').filter((l) => l !== '')).toHaveLength(1);
    expect(code).toBe(0);
  });

  it.runIf(existsSync(PYTHON))(
    'with --python (the seed code in the child): the same line',
    async () => {
      const [stdout, code] = await runMain(['--python']);
      expect(stdout).toMatch(LINE);
      expect(stdout.split('\n').filter((l) => l !== '')).toHaveLength(1);
      expect(code).toBe(0);
    },
  );
});
