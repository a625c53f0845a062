import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { endianness } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import type { Program } from './program.js';

/** A TCP port on 127.0.0.1 that was free a moment ago (for the seed's scripts, which cannot take 0). */
export async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A UDP port on 127.0.0.1 that was free a moment ago (for the seed's scripts, which cannot take 0). */
export async function freeUdpPort(): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  const { port } = sock.address();
  await new Promise<void>((resolve) => sock.close(resolve));
  return port;
}

/** How long {@link waitUntilListening} and {@link waitUntilBound} wait by default, in ms. */
const PORT_WAIT_TIMEOUT_MS = 10_000;

/** The first pause between two looks, in ms; it doubles up to {@link MAX_PAUSE_MS}. */
const FIRST_PAUSE_MS = 1;
const MAX_PAUSE_MS = 50;

/** `/proc/net/tcp` state of a listening socket. */
const TCP_LISTEN = '0A';

/**
 * Resolves once a socket listens on TCP 127.0.0.1:`port`, without connecting to it (the
 * seed's server prints a line per connection, which a probe would add to its output).
 * Where there is no /proc/net/tcp (not Linux) it probes by connecting instead.
 *
 * @throws Error when `program` ended first (with its stderr), or after `timeoutMs`.
 */
export async function waitUntilListening(
  port: number,
  program?: Program,
  timeoutMs = PORT_WAIT_TIMEOUT_MS,
): Promise<void> {
  await pollUntil(`TCP 127.0.0.1:${port} listening`, program, timeoutMs, async () => {
    const table = await procTable('/proc/net/tcp');
    if (table === null) return acceptsConnections(port);
    return table.some((f) => f[1] === procAddress(port) && f[3] === TCP_LISTEN);
  });
}

/**
 * Resolves once a socket is bound to UDP 127.0.0.1:`port` (read from /proc/net/udp, so
 * that checking never takes the port, nor sends the program a datagram).
 *
 * @throws Error when `program` ended first (with its stderr), after `timeoutMs`, or
 *   where there is no /proc/net/udp (not Linux).
 */
export async function waitUntilBound(
  port: number,
  program?: Program,
  timeoutMs = PORT_WAIT_TIMEOUT_MS,
): Promise<void> {
  await pollUntil(`UDP 127.0.0.1:${port} bound`, program, timeoutMs, async () => {
    const table = await procTable('/proc/net/udp');
    if (table === null) throw new Error('waitUntilBound reads /proc/net/udp, which is missing');
    return table.some((f) => f[1] === procAddress(port));
  });
}

/**
 * Calls `check` until it holds. Why polling: the seed's servers print nothing once bound
 * (the UDP one prints its first line before binding) and Linux has no event for "a
 * socket was bound" (inotify does not work on /proc). The pauses between looks grow
 * from 1 ms to 50 ms; a pause ends early when `program` ends.
 */
async function pollUntil(
  what: string,
  program: Program | undefined,
  timeoutMs: number,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let ended = false;
  // Settles when the program exits or could not be spawned (`running` stays true then).
  const end = program?.exited.then(
    () => {
      ended = true;
    },
    () => {
      ended = true;
    },
  );
  let pause = FIRST_PAUSE_MS;
  for (;;) {
    if (await check()) return;
    if (ended) {
      throw new Error(`program ended before ${what}: ${program?.stderr.join('\n') ?? ''}`);
    }
    const left = deadline - performance.now();
    if (left <= 0) throw new Error(`not ${what} within ${timeoutMs} ms`);
    const timer = new AbortController();
    const paused = delay(Math.min(pause, left), undefined, { signal: timer.signal });
    await (end === undefined ? paused : Promise.race([paused, end]));
    timer.abort();
    await paused.catch(() => {}); // AbortError once the program ended first
    pause = Math.min(pause * 2, MAX_PAUSE_MS);
  }
}

/** The rows of a /proc/net table split into fields (header left out), or null if it is missing. */
async function procTable(path: string): Promise<string[][] | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/));
}

/** 127.0.0.1:`port` as /proc/net/{tcp,udp} print it (the address as a number in host byte order). */
function procAddress(port: number): string {
  const host = endianness() === 'LE' ? '0100007F' : '7F000001';
  return `${host}:${port.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Whether a TCP connection to 127.0.0.1:`port` succeeds (closed again at once). */
function acceptsConnections(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const probe = connect({ port, host: '127.0.0.1' });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}
