import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
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

/**
 * Resolves once something accepts TCP connections on 127.0.0.1:`port` (probing by
 * connecting every 20 ms: the server sees each probe as a connection). Rejects when
 * `program` ended first.
 */
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
 * Resolves once a socket is bound to UDP 127.0.0.1:`port` (Linux: read from
 * /proc/net/udp, so that checking never takes the port itself). Rejects after
 * `timeoutMs` (default 10 s).
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
