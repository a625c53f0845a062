import { EventLoop } from '@x/loop';
import { tcp } from '@x/tcp';
import type { Server } from '@x/transport-core';
import { RecordingProtocol, withTimeout } from '@x/transport-core/testing';
import { ssl } from '../ssl.js';
import { createSSLContext } from '../ssl-context.js';
import type { TestCerts } from './make-test-certs.js';

/** Time bound of each wait in the loop-level TLS tests. */
export const T = 5000;

/**
 * A loop with tcp() and ssl(), and the two contexts for `certs`. The loop is closed by
 * the registered cleanup.
 */
export function loopFixture(certs: TestCerts, cleanups: (() => unknown)[]) {
  const loop = new EventLoop({ transports: [tcp(), ssl()] });
  const serverContext = createSSLContext({ cert: certs.cert, key: certs.key });
  const clientContext = createSSLContext({ ca: certs.caCert });
  cleanups.push(() => loop.close());
  return { loop, serverContext, clientContext };
}

/** An echo server protocol that records too. */
export class Echo extends RecordingProtocol {
  override dataReceived(data: Uint8Array): void {
    super.dataReceived(data);
    this.transport?.write(data);
  }
}

/** The TCP port a server listens on. */
export function portOf(server: Server): number {
  const address = server.sockets[0]?.getsockname();
  if (!Array.isArray(address)) throw new Error('server has no TCP socket');
  return address[1] as number;
}

/** Registers a cleanup that closes `server`, aborts its clients and waits for it. */
export function track(server: Server, cleanups: (() => unknown)[]): Server {
  cleanups.push(async () => {
    server.close();
    server.abortClients();
    await withTimeout(server.waitClosed(), T, 'server closed');
  });
  return server;
}
