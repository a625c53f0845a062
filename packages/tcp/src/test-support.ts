/**
 * Shared set-up of this package's tests (not exported): a loop with `tcp()`, a
 * recorder of exception-handler calls, cleanups, temp dirs and raw-socket peers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import {
  createServer as createNetServer,
  type Server as NetServer,
  connect as netConnect,
  type Socket,
} from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventLoop } from '@x/loop';
import type { ExceptionContext } from '@x/transport-core';
import { RecordingLogger } from '@x/transport-core/testing';
import { tcp } from './tcp.js';

/** A loop with tcp() whose exception-handler calls and log lines are recorded. */
export interface TestLoop {
  readonly loop: EventLoop;
  readonly errors: ExceptionContext[];
  readonly logger: RecordingLogger;
}

export function makeLoop(): TestLoop {
  const logger = new RecordingLogger();
  const loop = new EventLoop({ transports: [tcp()], logger });
  const errors: ExceptionContext[] = [];
  loop.setExceptionHandler((_loop, context) => {
    errors.push(context);
  });
  return { loop, errors, logger };
}

/** Cleanups run after each test, newest first. */
export class Cleanups {
  #fns: Array<() => unknown> = [];
  add(fn: () => unknown): void {
    this.#fns.push(fn);
  }
  async run(): Promise<void> {
    const fns = this.#fns.reverse();
    this.#fns = [];
    for (const fn of fns) {
      try {
        await fn();
      } catch {
        // cleanup is best effort
      }
    }
  }
}

/** A fresh temporary directory (removed by the cleanup). */
export function tempDir(cleanups: Cleanups): string {
  const dir = mkdtempSync(join(tmpdir(), 'x-tcp-'));
  cleanups.add(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A raw node:net server on 127.0.0.1 whose accepted sockets are handed to the test. */
export async function rawServer(
  cleanups: Cleanups,
  host = '127.0.0.1',
): Promise<{ server: NetServer; port: number; accepted: () => Promise<Socket> }> {
  const queue: Socket[] = [];
  const waiting: Array<(s: Socket) => void> = [];
  const sockets = new Set<Socket>();
  const server = createNetServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    const w = waiting.shift();
    if (w) w(socket);
    else queue.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  cleanups.add(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    server,
    port,
    accepted: () => {
      const s = queue.shift();
      return s ? Promise.resolve(s) : new Promise<Socket>((resolve) => waiting.push(resolve));
    },
  };
}

/** A raw client socket connected to `port` (or a Unix path). */
export function rawConnect(
  cleanups: Cleanups,
  target: number | string,
  host = '127.0.0.1',
): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const socket =
      typeof target === 'number'
        ? netConnect({ port: target, host, allowHalfOpen: true })
        : netConnect({ path: target, allowHalfOpen: true });
    cleanups.add(() => socket.destroy());
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      socket.on('error', () => {});
      resolve(socket);
    });
  });
}

/** Reads from a raw socket until it has `n` bytes (or ends). */
export function readBytes(socket: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let have = 0;
    const finish = () => {
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.removeListener('close', onEnd);
      resolve(Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      have += chunk.length;
      if (have >= n) finish();
    };
    const onEnd = () =>
      have >= n ? finish() : reject(new Error(`stream ended after ${have} of ${n} bytes`));
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
  });
}

/** Reads from a raw socket until it ends; resolves with everything. */
export function readAll(socket: Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** Resolves when `emitter` emits `event`. */
export function once(emitter: NodeJS.EventEmitter, event: string): Promise<unknown[]> {
  return new Promise((resolve) => emitter.once(event, (...args: unknown[]) => resolve(args)));
}

/** One connected transport and the raw socket at the other end. */
export interface Pair<P> {
  readonly transport: import('@x/transport-core').Transport;
  readonly protocol: P;
  readonly peer: Socket;
}

/** A transport made by `createConnection` to a raw node:net server (client side). */
export async function clientPair<P extends import('@x/transport-core').StreamProtocol>(
  loop: EventLoop,
  cleanups: Cleanups,
  factory: () => P,
): Promise<Pair<P>> {
  const { port, accepted } = await rawServer(cleanups);
  const [transport, protocol] = await loop.createConnection(factory, '127.0.0.1', port);
  cleanups.add(() => transport.abort());
  return { transport, protocol, peer: await accepted() };
}

/** A transport accepted by `createServer` from a raw node:net client (server side). */
export async function serverPair<P extends import('@x/transport-core').StreamProtocol>(
  loop: EventLoop,
  cleanups: Cleanups,
  factory: () => P,
): Promise<Pair<P>> {
  let made: ((value: [import('@x/transport-core').Transport, P]) => void) | null = null;
  const got = new Promise<[import('@x/transport-core').Transport, P]>((resolve) => {
    made = resolve;
  });
  const server = await loop.createServer(
    () => {
      const protocol = factory();
      const original = protocol.connectionMade?.bind(protocol);
      protocol.connectionMade = (t: import('@x/transport-core').Transport) => {
        original?.(t);
        made?.([t, protocol]);
      };
      return protocol;
    },
    '127.0.0.1',
    0,
  );
  cleanups.add(() => {
    server.close();
    server.abortClients();
  });
  const address = server.sockets[0]?.getsockname() as readonly [string, number];
  const peer = await rawConnect(cleanups, address[1]);
  const [transport, protocol] = await got;
  return { transport, protocol, peer };
}

/**
 * A real file whose reads at `holdAt` and beyond wait until `open()` (the reads before
 * go through at once): lets a test act while a `sendfile` is in the middle of a file.
 * `reached` resolves when the first held read was asked for.
 */
export interface GatedFile {
  readonly file: import('node:fs/promises').FileHandle;
  readonly reached: Promise<void>;
  open(): void;
}

export function gatedFile(file: import('node:fs/promises').FileHandle, holdAt: number): GatedFile {
  let reach: () => void = () => {};
  const reached = new Promise<void>((resolve) => {
    reach = resolve;
  });
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const read = (buffer: Uint8Array, offset: number, length: number, position: number) => {
    if (position < holdAt) return file.read(buffer, offset, length, position);
    reach();
    return gate.then(() => file.read(buffer, offset, length, position));
  };
  // Only what sendfile uses of a FileHandle: its fd and positional read().
  const handle = { fd: file.fd, read } as unknown as import('node:fs/promises').FileHandle;
  return { file: handle, reached, open };
}

/**
 * Resolves once `test()` holds, checked on each loop turn: for state that no event
 * reports (a socket's read buffer, a byte counter). Bound it with `withTimeout`.
 */
export async function turnsUntil(test: () => boolean): Promise<void> {
  while (!test()) await new Promise((resolve) => setImmediate(resolve));
}
