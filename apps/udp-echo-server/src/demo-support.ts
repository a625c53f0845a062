/**
 * What the UDP demos and interop tests share: running a program and collecting its
 * output lines, waiting for a line, stopping it by PID, writing out a seed Python
 * example with its port substituted, and the seed's expected output.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `tsx` as a Node loader: runs an app's TypeScript entry point. */
export const TSX = ['--import', 'tsx'];

/** The lines the seed's UDP echo client prints for "Hello World!". */
export const CLIENT_LINES = [
  'Send: Hello World!',
  'Received: Hello World!',
  'Close the socket',
  'Connection closed',
];

/** The lines the seed's UDP echo server prints for one "Hello World!" from `port`. */
export function serverLines(clientPort: number | string): string[] {
  return [
    'Starting UDP server',
    `Received 'Hello World!' from ('127.0.0.1', ${clientPort})`,
    `Send 'Hello World!' to ('127.0.0.1', ${clientPort})`,
  ];
}

/** A child process with its stdout/stderr split into lines as they come. */
export class Program {
  readonly child: ChildProcess;
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;
  #counts: { stream: 'stdout' | 'stderr'; count: number; resolve: () => void }[] = [];
  #waiters: { stream: 'stdout' | 'stderr'; re: RegExp; resolve: (m: RegExpMatchArray) => void }[] =
    [];

  constructor(command: string, args: string[], cwd: string) {
    this.child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#collect('stdout');
    this.#collect('stderr');
    this.exited = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('close', (code) => {
        for (const w of this.#waiters.splice(0)) w.resolve(['<exited>'] as RegExpMatchArray);
        for (const w of this.#counts.splice(0)) w.resolve();
        resolve(code);
      });
    });
  }

  /** Resolves with the first line of `stream` matching `re` (or `['<exited>']` if it ended first). */
  waitForLine(stream: 'stdout' | 'stderr', re: RegExp): Promise<RegExpMatchArray> {
    for (const line of this[stream]) {
      const m = line.match(re);
      if (m) return Promise.resolve(m);
    }
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return Promise.resolve(['<exited>'] as RegExpMatchArray);
    }
    return new Promise((resolve) => this.#waiters.push({ stream, re, resolve }));
  }

  /** Resolves once `stream` has at least `count` lines (or the program ended). */
  waitForCount(stream: 'stdout' | 'stderr', count: number): Promise<void> {
    const ended = this.child.exitCode !== null || this.child.signalCode !== null;
    if (this[stream].length >= count || ended) return Promise.resolve();
    return new Promise((resolve) => this.#counts.push({ stream, count, resolve }));
  }

  /** Stops it by its PID (SIGTERM) and waits for it to end. */
  async stop(): Promise<void> {
    if (
      this.child.exitCode === null &&
      this.child.signalCode === null &&
      this.child.pid !== undefined
    ) {
      process.kill(this.child.pid, 'SIGTERM');
    }
    await this.exited.catch(() => null);
  }

  #collect(stream: 'stdout' | 'stderr'): void {
    let rest = '';
    this.child[stream]?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const raw of parts) {
        const line = raw.replace(/\r$/, '');
        this[stream].push(line);
        this.#waiters = this.#waiters.filter((w) => {
          const m = w.stream === stream ? line.match(w.re) : null;
          if (m) w.resolve(m);
          return m === null;
        });
        this.#counts = this.#counts.filter((w) => {
          const done = w.stream === stream && this[stream].length >= w.count;
          if (done) w.resolve();
          return !done;
        });
      }
    });
  }
}

/** A UDP port on 127.0.0.1 that was free a moment ago (for programs that cannot take port 0). */
export async function freeUdpPort(): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  const { port } = sock.address();
  await new Promise<void>((resolve) => sock.close(resolve));
  return port;
}

/**
 * Resolves once a socket is bound to UDP 127.0.0.1:`port` (Linux: read from
 * /proc/net/udp, so that checking never takes the port itself), within `timeoutMs`.
 */
export async function waitUntilBound(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (;;) {
    const table = await readFile('/proc/net/udp', 'utf8');
    if (table.split('\n').some((line) => line.trim().split(/\s+/)[1] === local)) return;
    if (Date.now() > deadline)
      throw new Error(`nothing bound UDP port ${port} within ${timeoutMs} ms`);
  }
}

/**
 * Writes a seed Python example (a fixture file, unchanged but for the port: the text
 * `('127.0.0.1', 9999)` becomes the given port) into a fresh temp dir.
 * Returns the script path and a cleanup function.
 */
export async function seedScript(
  fixture: string,
  port: number,
): Promise<[path: string, cleanup: () => Promise<void>]> {
  const source = await readFile(fixture, 'utf8');
  const needle = "('127.0.0.1', 9999)";
  if (!source.includes(needle)) throw new Error(`${fixture} does not contain ${needle}`);
  const dir = await mkdtemp(join(tmpdir(), 'udp-seed-'));
  const path = join(dir, fixture.split('/').pop() ?? 'seed.py');
  await writeFile(path, source.replace(needle, `('127.0.0.1', ${port})`));
  return [path, () => rm(dir, { recursive: true, force: true })];
}

/** Compares `actual` lines with `expected`; returns a description of each difference. */
export function diffLines(what: string, actual: string[], expected: string[]): string[] {
  const problems: string[] = [];
  const n = Math.max(actual.length, expected.length);
  for (let i = 0; i < n; i++) {
    if (actual[i] !== expected[i]) {
      problems.push(
        `${what} line ${i + 1}: expected ${JSON.stringify(expected[i])}, got ${JSON.stringify(actual[i])}`,
      );
    }
  }
  return problems;
}
