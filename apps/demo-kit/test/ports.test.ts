import { createSocket, type Socket } from 'node:dgram';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { freeTcpPort, freeUdpPort, Program, waitUntilBound, waitUntilListening } from '@x/demo-kit';
import { afterEach, describe, expect, it } from 'vitest';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function udpSocket(): Socket {
  const sock = createSocket('udp4');
  cleanups.push(() => new Promise<void>((resolve) => sock.close(() => resolve())));
  return sock;
}

function tcpServer(): Server {
  const server = createServer();
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return server;
}

/** A program that has already exited (its exit code known). */
async function endedProgram(): Promise<Program> {
  const program = new Program(process.execPath, ['-e', "console.error('no bind')"], tmpdir());
  await program.exited;
  return program;
}

/** A program that runs until stopped (by its PID, in cleanup). */
function runningProgram(): Program {
  const program = new Program(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], tmpdir());
  cleanups.push(() => program.stop());
  return program;
}

describe.runIf(process.platform === 'linux')('waitUntilBound (reads /proc/net/udp)', () => {
  it('resolves once the port gets bound while it waits', async () => {
    const port = await freeUdpPort();
    const waiting = waitUntilBound(port, runningProgram());
    udpSocket().bind(port, '127.0.0.1');
    await expect(waiting).resolves.toBeUndefined();
  });

  it('rejects, with the program stderr, as soon as the program ended', async () => {
    const port = await freeUdpPort();
    await expect(waitUntilBound(port, await endedProgram())).rejects.toThrow(
      `program ended before UDP 127.0.0.1:${port} bound: no bind`,
    );
  });

  it('rejects at its deadline when nothing binds the port', async () => {
    const port = await freeUdpPort();
    await expect(waitUntilBound(port, undefined, 20)).rejects.toThrow(
      `not UDP 127.0.0.1:${port} bound within 20 ms`,
    );
  });
});

describe('waitUntilListening', () => {
  it('resolves once the port listens, without connecting to it (no probe reaches the server)', async () => {
    const port = await freeTcpPort();
    const waiting = waitUntilListening(port, runningProgram());
    const server = tcpServer();
    let connections = 0;
    server.on('connection', (socket) => {
      connections++;
      socket.destroy();
    });
    server.listen(port, '127.0.0.1');
    await expect(waiting).resolves.toBeUndefined();
    // The server accepts in arrival order: once it has this connection, it has had any
    // probe made before. (Without /proc/net/tcp the wait does probe.)
    const accepted = new Promise<void>((resolve) => server.once('connection', () => resolve()));
    const client = connect(port, '127.0.0.1');
    client.on('error', () => {});
    cleanups.push(async () => void client.destroy());
    await accepted;
    if (process.platform === 'linux') expect(connections).toBe(1);
  });

  it('rejects, with the program stderr, as soon as the program ended', async () => {
    const port = await freeTcpPort();
    await expect(waitUntilListening(port, await endedProgram())).rejects.toThrow(
      `program ended before TCP 127.0.0.1:${port} listening: no bind`,
    );
  });

  it('rejects at its deadline when nothing listens', async () => {
    const port = await freeTcpPort();
    await expect(waitUntilListening(port, undefined, 20)).rejects.toThrow(
      `not TCP 127.0.0.1:${port} listening within 20 ms`,
    );
  });
});
