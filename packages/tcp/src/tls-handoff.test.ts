import { TLSSocket } from 'node:tls';
import { EventLoop } from '@x/loop';
// @x/ssl is resolved through the workspace source aliases (config/vitest.ts), not a
// devDependency: @x/ssl already depends on @x/tcp, and a dependency back would be a cycle.
import { createSSLContext, ssl } from '@x/ssl';
import type { Transport } from '@x/transport-core';
import { RecordingLogger, RecordingProtocol, withTimeout } from '@x/transport-core/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCerts, type TestCerts } from '../../ssl/src/test-support/make-test-certs.js';
import { usesOnread } from './onread-socket.js';
import { tcp } from './tcp.js';
import { Cleanups, rawConnect, rawServer } from './test-support.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());
const wait = <T>(p: PromiseLike<T>, what: string) => withTimeout(p, 10_000, what);

// One generator of test certificates for TLS over tcp: the ssl package's.
let certs: TestCerts;
beforeAll(() => {
  certs = makeTestCerts();
  return () => certs.cleanup();
});

function setup(): EventLoop {
  const loop = new EventLoop({ transports: [tcp(), ssl()], logger: new RecordingLogger() });
  cleanups.add(() => loop.close());
  return loop;
}

class Echo extends RecordingProtocol {
  override dataReceived(data: Uint8Array): void {
    super.dataReceived(data);
    this.transport?.write(data);
  }
}

describe('TLS through @x/ssl (the ssl option and DETACH_SOCKET)', () => {
  it('createServer({ ssl }) and createConnection({ ssl }) echo; serverHostname defaults to the host', async () => {
    const loop = setup();
    const server = await loop.createServer(() => new Echo(), '127.0.0.1', 0, {
      ssl: createSSLContext({ cert: certs.cert, key: certs.key }),
    });
    cleanups.add(() => {
      server.close();
      server.abortClients();
    });
    const address = server.sockets[0]?.getsockname() as readonly [string, number];
    const port = address[1];
    const [transport, protocol] = await loop.createConnection(
      () => new RecordingProtocol(),
      '127.0.0.1',
      port,
      {
        ssl: createSSLContext({ ca: certs.caCert }),
      },
    );
    cleanups.add(() => transport.abort());
    expect(transport.getExtraInfo('ssl_object')).toBeInstanceOf(TLSSocket);
    transport.write(Buffer.from('secret'));
    await wait(protocol.waitBytes(6), 'echo');
    expect(protocol.text()).toBe('secret');
  });

  for (const [what, userSock] of [
    ['a tcp transport', false],
    ["a tcp transport over the user's sock (moved to onread in place)", true],
  ] as const) {
    it(`startTls on ${what} takes its socket (DETACH_SOCKET) and TLS runs on it`, async () => {
      const loop = setup();
      const { port, accepted } = await rawServer(cleanups);
      const sock = userSock ? await rawConnect(cleanups, port) : null;
      const [plain, protocol] = await (sock === null
        ? loop.createConnection(() => new RecordingProtocol(), '127.0.0.1', port)
        : loop.createConnection(() => new RecordingProtocol(), null, null, { sock }));
      cleanups.add(() => plain.abort());
      if (sock !== null) expect(usesOnread(sock)).toBe(true);
      const peer = await accepted();
      // STARTTLS: a line in clear text, then the peer upgrades its side.
      plain.write(Buffer.from('STARTTLS\n'));
      await new Promise((resolve) => peer.once('data', resolve));
      const secure = new TLSSocket(peer, { isServer: true, cert: certs.cert, key: certs.key });
      secure.on('data', (d: Buffer) => secure.write(d));
      secure.on('error', () => {});
      cleanups.add(() => secure.destroy());
      const tls: Transport = await wait(
        loop.startTls(plain, protocol, createSSLContext({ ca: certs.caCert }), {
          serverHostname: 'localhost',
        }),
        'startTls',
      );
      cleanups.add(() => tls.abort());
      tls.write(Buffer.from('over tls'));
      await wait(protocol.waitBytes(8), 'echo over TLS');
      expect(protocol.text()).toBe('over tls');
      // The plain transport is detached: it reports nothing more to its protocol.
      expect(protocol.count('connectionLost')).toBe(0);
    });
  }
});
