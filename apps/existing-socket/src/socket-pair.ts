import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A pair of connected stream sockets, like Python's `socket.socketpair()` (Node has
 * none): a Unix socket listener in a temp dir accepts one connection, then goes away.
 */
export async function socketPair(): Promise<[rsock: Socket, wsock: Socket]> {
  const dir = await mkdtemp(join(tmpdir(), 'socketpair-'));
  const path = join(dir, 'pair.sock');
  const server = createServer({ pauseOnConnect: true });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, resolve);
    });
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const rsock = connect({ path });
    await new Promise<void>((resolve, reject) => {
      rsock.once('error', reject);
      rsock.once('connect', resolve);
    });
    rsock.pause();
    return [rsock, await accepted];
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}
