import { randomBytes } from 'node:crypto';
import { unlink } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function socketPath(): string {
  const name = `x-subprocess-${process.pid}-${randomBytes(8).toString('hex')}`;
  // Linux has an abstract namespace: no file to create or remove.
  return process.platform === 'linux' ? `\0${name}` : join(tmpdir(), `${name}.sock`);
}

/**
 * A connected pair of Unix stream sockets (what `socketpair()` gives; Node has no
 * such call): `[ours, theirs]`. `ours` is paused (it reads only once a transport
 * starts it). Used to give a child one pipe for both stdout and stderr.
 */
export function createSocketPair(): Promise<[ours: Socket, theirs: Socket]> {
  return new Promise((resolve, reject) => {
    const path = socketPath();
    const server = createServer({ pauseOnConnect: true });
    let ours: Socket | null = null;
    let theirs: Socket | null = null;
    const done = (): void => {
      if (ours === null || theirs === null || theirs.connecting) return;
      server.close();
      if (!path.startsWith('\0')) unlink(path, () => {});
      resolve([ours, theirs]);
    };
    server.once('error', reject);
    server.once('connection', (socket: Socket) => {
      ours = socket;
      done();
    });
    server.listen(path, () => {
      theirs = createConnection(path, done);
      theirs.once('error', (err) => {
        server.close();
        reject(err);
      });
    });
  });
}
