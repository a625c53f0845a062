/**
 * What the TLS demos share: running a program with its output split into lines, waiting
 * for a line, stopping it by PID, writing out a seed Python example with only its port
 * substituted, and comparing printed lines with the expected ones.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

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

/** The lines the seed's echo server prints for one client (its port is not checked). */
export const SERVER_LINES = [
  /^Connection from \('127\.0\.0\.1', \d+\)$/,
  /^Data received: 'Hello World!'$/,
  /^Send: 'Hello World!'$/,
  /^Close the client socket$/,
];

/** A running child process whose stdout/stderr lines are collected as they come. */
export class Program {
  readonly child: ChildProcess;
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;
  #wake: Array<() => void> = [];

  constructor(command: string, args: readonly string[], cwd: string) {
    this.child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of ['stdout', 'stderr'] as const) {
      let rest = '';
      this.child[stream]?.setEncoding('utf8').on('data', (chunk: string) => {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop() ?? '';
        this[stream].push(...parts);
        for (const wake of this.#wake.splice(0)) wake();
      });
    }
    this.exited = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('close', (code) => {
        resolve(code);
        for (const wake of this.#wake.splice(0)) wake();
      });
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The first line of `stream` matching `re`, or null if the program ended without one. */
  async line(stream: 'stdout' | 'stderr', re: RegExp): Promise<RegExpMatchArray | null> {
    for (;;) {
      for (const l of this[stream]) {
        const m = l.match(re);
        if (m !== null) return m;
      }
      if (!this.running) return null;
      await new Promise<void>((resolve) => this.#wake.push(resolve));
    }
  }

  /** Resolves once `stream` has `n` lines (or the program ended). */
  async lines(stream: 'stdout' | 'stderr', n: number): Promise<void> {
    while (this[stream].length < n && this.running)
      await new Promise<void>((resolve) => this.#wake.push(resolve));
  }

  /** Stops it by its PID (SIGTERM) and waits for it to end. */
  async stop(): Promise<void> {
    if (this.running && this.child.pid !== undefined) process.kill(this.child.pid, 'SIGTERM');
    await this.exited.catch(() => null);
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the seed's scripts cannot take 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Writes a seed Python example (a fixture, unchanged but for the port: `'127.0.0.1', 8888`
 * becomes `port`) into a fresh temp dir. Returns its path and a cleanup function.
 */
export function seedScript(fixture: string, port: number): [string, () => void] {
  const dir = mkdtempSync(join(tmpdir(), 'tls-echo-demo-'));
  const path = join(dir, basename(fixture));
  writeFileSync(
    path,
    readFileSync(fixture, 'utf8').replace("'127.0.0.1', 8888", `'127.0.0.1', ${port}`),
  );
  return [path, () => rmSync(dir, { recursive: true, force: true })];
}

/** Differences between printed lines and the expected ones (strings or patterns). */
export function diffLines(
  who: string,
  got: readonly string[],
  expected: readonly (string | RegExp)[],
): string[] {
  const problems: string[] = [];
  if (got.length !== expected.length)
    problems.push(`${who}: ${got.length} lines, expected ${expected.length}`);
  expected.forEach((want, i) => {
    const line = got[i] ?? '<missing>';
    const ok = typeof want === 'string' ? line === want : want.test(line);
    if (!ok)
      problems.push(`${who} line ${i + 1}: got ${JSON.stringify(line)}, expected ${String(want)}`);
  });
  return problems;
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
    // Nothing to wait on but time: the program prints nothing when it is ready.
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
