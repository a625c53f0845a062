import { type ChildProcess, spawn } from 'node:child_process';

/** Node arguments that load `tsx`, so that `node [...TSX, 'src/main.ts']` runs an app's TypeScript. */
export const TSX: readonly string[] = ['--import', 'tsx'];

/** The Python interpreter that runs the seed's examples (tests and demos skip them without it). */
export const PYTHON = '/usr/bin/python3';

/** The line a server app prints on stderr once bound (`--port 0` tells the port this way). */
const LISTENING = /^listening on 127\.0\.0\.1:(\d+)$/;

/** Which output of a {@link Program} to look at. */
export type OutputStream = 'stdout' | 'stderr';

/**
 * A running child process (stdin ignored) whose stdout and stderr are collected as lines
 * as they come (split on `\n`, a trailing `\r` removed; an unterminated last line is not
 * kept). Stop it with {@link Program.stop}: the demos stop their servers by PID.
 *
 * @example
 * const server = new Program(process.execPath, [...TSX, 'src/main.ts', '--port', '0'], appDir);
 * const port = (await server.line('stderr', /^listening on 127\.0\.0\.1:(\d+)$/))?.[1];
 * await server.stop();
 */
export class Program {
  /** The child process. */
  readonly child: ChildProcess;
  /** The stdout lines received so far. */
  readonly stdout: string[] = [];
  /** The stderr lines received so far. */
  readonly stderr: string[] = [];
  /** Resolves with the exit code (null when killed by a signal) once the child's stdio closed; rejects if it could not be spawned. */
  readonly exited: Promise<number | null>;
  #wake: Array<() => void> = [];

  /** Spawns `command` with `args` in the directory `cwd`. */
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

  /** Whether the child has neither exited nor been killed yet. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves once `test()` holds (checked after every line), or with false if the program ended first. */
  async until(test: () => boolean): Promise<boolean> {
    while (!test()) {
      if (!this.running) return test();
      await new Promise<void>((resolve) => this.#wake.push(resolve));
    }
    return true;
  }

  /** The first line of `stream` matching `re` (null if the program ended without one). */
  async line(stream: OutputStream, re: RegExp): Promise<RegExpMatchArray | null> {
    let found: RegExpMatchArray | null = null;
    await this.until(() => {
      for (const l of this[stream]) found ??= l.match(re);
      return found !== null;
    });
    return found;
  }

  /** Stops it by its PID (SIGTERM) unless it already ended, and waits for it to end. Never rejects. */
  async stop(): Promise<void> {
    if (this.running && this.child.pid !== undefined) process.kill(this.child.pid, 'SIGTERM');
    await this.exited.catch(() => null);
  }

  #notify(): void {
    for (const wake of this.#wake.splice(0)) wake();
  }

  #collect(stream: OutputStream): void {
    let rest = '';
    this.child[stream]?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const raw of parts) this[stream].push(raw.replace(/\r$/, ''));
      this.#notify();
    });
  }
}

/**
 * Runs the app in `appDir` from its TypeScript source: `node --import tsx src/main.ts
 * ...args` with `appDir` as cwd.
 *
 * @example const client = runApp(clientAppDir, ['--port', port]);
 */
export function runApp(appDir: string, args: readonly string[] = []): Program {
  return new Program(process.execPath, [...TSX, 'src/main.ts', ...args], appDir);
}

/**
 * The port a server app (started with `--port 0`) reports on stderr as
 * `listening on 127.0.0.1:PORT`; undefined when it ended without printing it.
 */
export async function listeningPort(server: Program): Promise<string | undefined> {
  return (await server.line('stderr', LISTENING))?.[1];
}

/**
 * Starts the server app in `appDir` (see {@link runApp}) and waits for its port (see
 * {@link listeningPort}). Throws `<name> did not start: <its stderr>` when it ended
 * without listening (nothing is left running then).
 */
export async function startServerApp(
  appDir: string,
  args: readonly string[],
  name = 'server',
): Promise<[server: Program, port: string]> {
  const server = runApp(appDir, args);
  const port = await listeningPort(server);
  if (port === undefined) throw new Error(`${name} did not start: ${server.stderr.join('\n')}`);
  return [server, port];
}

/** Runs the Python `script` unbuffered (`python3 -u script`) in the directory `cwd`. */
export function runPython(script: string, cwd: string): Program {
  return new Program(PYTHON, ['-u', script], cwd);
}
