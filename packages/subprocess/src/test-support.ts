/**
 * Test support for this package's tests (not exported from the package): a recording
 * subprocess protocol, a loop per test, and `/proc` probes for fds and zombies.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { EventLoop } from '@x/loop';
import type {
  ExceptionContext,
  StdioFd,
  SubprocessProtocol,
  SubprocessTransport,
} from '@x/transport-core';
import { RecordingLogger } from '@x/transport-core/testing';
import { subprocess } from './subprocess.js';

const EMPTY = Buffer.alloc(0);

/** One callback as recorded by {@link RecordingSubprocessProtocol}. */
export type SubprocessEvent =
  | { readonly name: 'connectionMade' }
  | { readonly name: 'pipeDataReceived'; readonly fd: 1 | 2; readonly data: Buffer }
  | { readonly name: 'pipeConnectionLost'; readonly fd: StdioFd; readonly exc: Error | null }
  | { readonly name: 'processExited'; readonly returncode: number | null }
  | { readonly name: 'pauseWriting' }
  | { readonly name: 'resumeWriting' }
  | { readonly name: 'connectionLost'; readonly exc: Error | null };

/** The `names()` entry of an event: `'pipeConnectionLost(0)'`, `'processExited'`, ... */
function eventName(e: SubprocessEvent): string {
  return 'fd' in e ? `${e.name}(${e.fd})` : e.name;
}

/** A test waiting in {@link RecordingSubprocessProtocol.waitFor}. */
interface NameWaiter {
  readonly name: string;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/** A subprocess protocol that records every callback and lets tests await the milestones. */
export class RecordingSubprocessProtocol implements SubprocessProtocol {
  readonly events: SubprocessEvent[] = [];
  transport: SubprocessTransport | null = null;
  /** Hooks a test sets to act inside a callback (or to throw from it). */
  onConnectionMade: ((transport: SubprocessTransport) => void) | null = null;
  onData: ((fd: 1 | 2, data: Buffer) => void) | null = null;
  onPause: (() => void) | null = null;
  onResume: (() => void) | null = null;
  /** Keep the data of `pipeDataReceived` events (off for big transfers: `onData` sees it anyway). */
  recordData = true;
  /** Makes the named callback throw `error` after recording its call. */
  throwFrom: { readonly name: SubprocessEvent['name']; readonly error: Error } | null = null;
  readonly lost: Promise<Error | null>;
  readonly exited: Promise<number | null>;
  #resolveLost!: (exc: Error | null) => void;
  #resolveExited!: (code: number | null) => void;
  #waiters: NameWaiter[] = [];

  constructor() {
    this.lost = new Promise((resolve) => {
      this.#resolveLost = resolve;
    });
    this.exited = new Promise((resolve) => {
      this.#resolveExited = resolve;
    });
  }

  connectionMade(transport: SubprocessTransport): void {
    this.transport = transport;
    this.#record({ name: 'connectionMade' });
    this.onConnectionMade?.(transport);
    this.#maybeThrow('connectionMade');
  }

  pipeDataReceived(fd: 1 | 2, data: Uint8Array): void {
    this.#record({
      name: 'pipeDataReceived',
      fd,
      data: this.recordData ? (data as Buffer) : EMPTY,
    });
    this.onData?.(fd, data as Buffer);
    this.#maybeThrow('pipeDataReceived');
  }

  pipeConnectionLost(fd: StdioFd, exc: Error | null): void {
    this.#record({ name: 'pipeConnectionLost', fd, exc });
    this.#maybeThrow('pipeConnectionLost');
  }

  processExited(): void {
    const returncode = this.transport?.getReturncode() ?? null;
    this.#record({ name: 'processExited', returncode });
    this.#resolveExited(returncode);
    this.#maybeThrow('processExited');
  }

  pauseWriting(): void {
    this.#record({ name: 'pauseWriting' });
    this.onPause?.();
    this.#maybeThrow('pauseWriting');
  }

  resumeWriting(): void {
    this.#record({ name: 'resumeWriting' });
    this.onResume?.();
  }

  connectionLost(exc: Error | null): void {
    this.#record({ name: 'connectionLost', exc });
    this.#resolveLost(exc);
  }

  /**
   * Resolves once a callback whose {@link names} entry is `name` (e.g.
   * `'pipeConnectionLost(1)'`) has been recorded: at once if it already was, else from
   * inside that callback. Rejects if `connectionLost` is recorded first (it never will be).
   */
  waitFor(name: string): Promise<void> {
    if (this.events.some((e) => eventName(e) === name)) return Promise.resolve();
    if (this.events.some((e) => e.name === 'connectionLost')) {
      return Promise.reject(new Error(`connectionLost came without ${name}`));
    }
    return new Promise((resolve, reject) => {
      this.#waiters.push({ name, resolve, reject });
    });
  }

  /** Records `event` and settles the waits it answers (or, at connectionLost, ends). */
  #record(event: SubprocessEvent): void {
    this.events.push(event);
    if (this.#waiters.length === 0) return;
    const name = eventName(event);
    const over = event.name === 'connectionLost';
    const pending: NameWaiter[] = [];
    for (const waiter of this.#waiters) {
      if (waiter.name === name) waiter.resolve();
      else if (over) waiter.reject(new Error(`connectionLost came without ${waiter.name}`));
      else pending.push(waiter);
    }
    this.#waiters = pending;
  }

  #maybeThrow(name: SubprocessEvent['name']): void {
    if (this.throwFrom?.name === name) throw this.throwFrom.error;
  }

  /** Everything received on `fd`, concatenated. */
  output(fd: 1 | 2): Buffer {
    return Buffer.concat(
      this.events.flatMap((e) => (e.name === 'pipeDataReceived' && e.fd === fd ? [e.data] : [])),
    );
  }

  /** The callback names in order, data events collapsed to one per run. */
  names(): string[] {
    const out: string[] = [];
    for (const e of this.events) {
      const name = eventName(e);
      if (out[out.length - 1] !== name || e.name !== 'pipeDataReceived') out.push(name);
    }
    return out;
  }
}

/** A loop with the subprocess transports, a recording logger and a recording exception handler. */
export function makeLoop(): {
  loop: EventLoop;
  errors: ExceptionContext[];
  logger: RecordingLogger;
} {
  const logger = new RecordingLogger();
  const loop = new EventLoop({ transports: [subprocess()], logger });
  const errors: ExceptionContext[] = [];
  loop.setExceptionHandler((_loop, context) => {
    errors.push(context);
  });
  return { loop, errors, logger };
}

/** How many fds this process has open. */
export function openFdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Pids of this process's children that are zombies (exited, not reaped). */
export function zombieChildren(): number[] {
  const zombies: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
    } catch {
      continue;
    }
    // Fields after the ")" of the command name: state, ppid, ...
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' && Number(fields[1]) === process.pid) zombies.push(Number(entry));
  }
  return zombies;
}

/** The `/proc/<pid>/stat` state letter of `pid` ('R', 'S', 'Z', ...), or null when gone. */
export function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}

/** Bytes `pid` has written so far (`wchar` of `/proc/<pid>/io`), or null when gone. */
export function bytesWritten(pid: number): number | null {
  try {
    const match = /wchar: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'latin1'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Spins (synchronously: the loop cannot run meanwhile) until `check()` is true;
 * throws after `ms`. Used to make the child reach a state before the loop sees it.
 */
export function spinUntil(check: () => boolean, ms: number, what: string): void {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
  }
}

/**
 * Resolves once `probe()` returns the same value `times` polls in a row, polled every
 * `intervalMs` on the loop's clock: "the child has stopped making progress".
 */
export function waitSteady<T>(
  loop: EventLoop,
  probe: () => T,
  times = 5,
  intervalMs = 40,
): Promise<T> {
  return new Promise((resolve) => {
    let last = probe();
    let same = 0;
    const tick = (): void => {
      const now = probe();
      same = now === last ? same + 1 : 0;
      last = now;
      if (same >= times) resolve(now);
      else loop.callLater(intervalMs, tick);
    };
    loop.callLater(intervalMs, tick);
  });
}
