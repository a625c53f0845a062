import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventLoop } from '@x/loop';
import { Protocol } from '@x/protocols';
import { tcp } from '@x/tcp';
import type { Server, Transport } from '@x/transport-core';
import { RecordingProtocol, withTimeout } from '@x/transport-core/testing';
import { describe, expect, it } from 'vitest';
import { ssl } from './ssl.js';
import { createSSLContext } from './ssl-context.js';
import { tlsSuite } from './test-support/tls-suite.js';

const suite = tlsSuite();
const { cleanups } = suite;
const T = 10_000;

/** The seed's echo server protocol: echo the data, then close. */
class EchoServerProtocol extends Protocol {
  transport: Transport | null = null;
  override connectionMade(transport: Transport): void {
    this.transport = transport;
  }
  override dataReceived(data: Uint8Array): void {
    this.transport?.write(data);
    this.transport?.close();
  }
}

/** Starts a child process; it is killed (by PID) after the test if still running. */
function start(cmd: string, args: string[]) {
  const child: ChildProcess = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  cleanups.push(() => {
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  });
  return { child, exited, out: () => stdout, err: () => stderr };
}

async function echoServer(): Promise<{ loop: EventLoop; port: number; server: Server }> {
  const loop = new EventLoop({ transports: [tcp(), ssl()] });
  cleanups.push(() => loop.close());
  const server = await loop.createServer(() => new EchoServerProtocol(), '127.0.0.1', 0, {
    ssl: createSSLContext({ cert: suite.certs.cert, key: suite.certs.key }),
  });
  cleanups.push(() => {
    server.close();
    server.abortClients();
  });
  const address = server.sockets[0]?.getsockname();
  if (!Array.isArray(address)) throw new Error('no TCP address');
  return { loop, port: address[1] as number, server };
}

describe('interop with the real thing', () => {
  it('openssl s_client against our TLS echo server: verified handshake and echo', async () => {
    const { port } = await echoServer();
    const client = start('openssl', [
      's_client',
      '-connect',
      `127.0.0.1:${port}`,
      '-CAfile',
      suite.certs.files.ca,
      '-verify_return_error',
      '-verify_ip',
      '127.0.0.1',
      '-quiet',
    ]);
    client.child.stdin?.write('hello from s_client\n');
    const code = await withTimeout(client.exited, T, 's_client exit');
    expect(client.out()).toContain('hello from s_client');
    expect(client.err()).not.toMatch(/verify error/);
    expect(code).toBe(0);
  });

  it('our TLS client against openssl s_server (-rev): verified handshake, data both ways', async () => {
    const server = start('openssl', [
      's_server',
      '-accept',
      '127.0.0.1:0',
      '-cert',
      suite.certs.files.cert,
      '-key',
      suite.certs.files.key,
      '-rev',
      '-naccept',
      '1',
    ]);
    await withTimeout(
      new Promise<void>((resolve) => {
        const check = () => {
          if (/ACCEPT .*:(\d+)/.test(server.out())) resolve();
          else server.child.stdout?.once('data', check);
        };
        check();
      }),
      T,
      's_server ACCEPT line',
    );
    const port = Number(/ACCEPT .*:(\d+)/.exec(server.out())?.[1]);
    const loop = new EventLoop({ transports: [tcp(), ssl()] });
    cleanups.push(() => loop.close());
    const [transport, protocol] = await withTimeout(
      loop.createConnection(() => new RecordingProtocol(), '127.0.0.1', port, {
        ssl: createSSLContext({ ca: suite.certs.caCert }),
      }),
      T,
      'connect',
    );
    expect(transport.getExtraInfo('cipher')?.[1]).toMatch(/^TLSv1\.[23]$/);
    transport.write(Buffer.from('olleh\n'));
    await withTimeout(
      protocol.waitUntil((p) => p.text().includes('hello'), "'hello' reversed back"),
      T,
      'reply',
    );
    transport.close();
    expect(await withTimeout(protocol.waitLost(), T, 'lost')).toBeNull();
  });

  it("Python's asyncio TLS client (the seed's echo client with an ssl context) against our server", async () => {
    const { port } = await echoServer();
    const fixture = readFileSync(
      join(import.meta.dirname, 'test-support/fixtures/echo_client_ssl.py'),
      'utf8',
    );
    const script = join(suite.certs.dir, 'echo_client_ssl.py');
    writeFileSync(script, fixture.replace("'127.0.0.1', 8888", `'127.0.0.1', ${port}`));
    const client = start('/usr/bin/python3', [script, suite.certs.files.ca]);
    const code = await withTimeout(client.exited, T, 'python client exit');
    expect(client.err()).toBe('');
    expect(client.out()).toBe(
      "Data sent: 'Hello World!'\nData received: 'Hello World!'\nThe server closed the connection\n",
    );
    expect(code).toBe(0);
  });
});
