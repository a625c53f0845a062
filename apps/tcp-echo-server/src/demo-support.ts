/**
 * What the TCP demos and interop tests share: running a program with its output split
 * into lines, waiting for a line, stopping it by PID, writing out a seed Python example
 * with only its port substituted, and comparing printed lines with the seed's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `tsx` as a Node loader: runs an app's TypeScript entry point. */
export const TSX = ['--import', 'tsx'];
/** The seed's Python interpreter. */
export const PYTHON = '/usr/bin/python3';

/** The lines the seed's echo client prints for "Hello World!". */
export const CLIENT_LINES = [
  "Data sent: 'Hello World!'",
  "Data received: 'Hello World!'",
  'The server closed the connection',
];

/** The lines the seed's echo server prints for one client at `clientPort`. */
export function serverLines(clientPort: number | string): string[] {
  return [
    `Connection from ('127.0.0.1', ${clientPort})`,
    "Data received: 'Hello World!'",
    "Send: 'Hello World!'",
    'Close the client socket',
  ];
}

/** A running child process whose stdout/stderr lines are collected as they come. */
export class Program {
  readonly child: ChildProcess;
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;
  #onLine: Array<() => void> = [];

  constructor(command: string, args: readonly string[], cwd: string) {
    this.child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#collect('stdout');
    this.#collect('stderr');
    this.exited = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('close', (code) => {
        resolve(code);
        this.#notify();
      });
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves once `test()` holds (checked after every line), or false if the program ended first. */
  async until(test: () => boolean): Promise<boolean> {
    while (!test()) {
      if (!this.running) return test();
      await new Promise<void>((resolve) => this.#onLine.push(resolve));
    }
    return true;
  }

  /** The first line of `stream` matching `re` (null if the program ended without one). */
  async line(stream: 'stdout' | 'stderr', re: RegExp): Promise<RegExpMatchArray | null> {
    let found: RegExpMatchArray | null = null;
    await this.until(() => {
      for (const l of this[stream]) found ??= l.match(re);
      return found !== null;
    });
    return found;
  }

  /** Stops it by its PID (SIGTERM) and waits for it to end. */
  async stop(): Promise<void> {
    if (this.running && this.child.pid !== undefined) process.kill(this.child.pid, 'SIGTERM');
    await this.exited.catch(() => null);
  }

  #notify(): void {
    for (const wake of this.#onLine.splice(0)) wake();
  }

  #collect(stream: 'stdout' | 'stderr'): void {
    let rest = '';
    this.child[stream]?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const raw of parts) this[stream].push(raw.replace(/\r$/, ''));
      this.#notify();
    });
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for the seed's scripts, which cannot take 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`, or rejects when `program` ended. */
export async function waitUntilListening(port: number, program: Program): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const probe = connect({ port, host: '127.0.0.1' });
      probe.once('connect', () => {
        probe.destroy();
        resolve(true);
      });
      probe.once('error', () => resolve(false));
    });
    if (ok) return;
    if (!program.running)
      throw new Error(`program ended before listening: ${program.stderr.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Writes a seed Python example (a fixture file, unchanged but for the port: the text
 * `'127.0.0.1', 8888` becomes the given port) into a fresh temp dir. Returns the
 * script's path and a cleanup function.
 */
export async function seedScript(
  fixture: string,
  port: number,
): Promise<[path: string, cleanup: () => Promise<void>]> {
  const source = await readFile(fixture, 'utf8');
  const needle = "'127.0.0.1', 8888";
  if (!source.includes(needle)) throw new Error(`${fixture} does not contain ${needle}`);
  const dir = await mkdtemp(join(tmpdir(), 'tcp-seed-'));
  const path = join(dir, fixture.split('/').pop() ?? 'seed.py');
  await writeFile(path, source.replace(needle, `'127.0.0.1', ${port}`));
  return [path, () => rm(dir, { recursive: true, force: true })];
}

/** Compares `actual` lines with `expected`; returns a description of each difference. */
export function diffLines(
  what: string,
  actual: readonly string[],
  expected: readonly string[],
): string[] {
  const problems: string[] = [];
  for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
    if (actual[i] !== expected[i]) {
      problems.push(
        `${what} line ${i + 1}: expected ${JSON.stringify(expected[i])}, got ${JSON.stringify(actual[i])}`,
      );
    }
  }
  return problems;
}
