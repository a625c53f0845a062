import { createServer, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { EventLoop } from '@x/loop';
import { tcp } from '@x/tcp';
import { RecordingProtocol, withTimeout } from '@x/transport-core/testing';
import { it } from 'vitest';
import { ssl } from './ssl.js';
import { createSSLContext } from './ssl-context.js';
import { makeTestCerts } from './test-support/make-test-certs.js';

it('debug close flush', async () => {
  const certs = makeTestCerts();
  const loop = new EventLoop({ transports: [tcp(), ssl()] });
  const server = createServer({ allowHalfOpen: true });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  let peer!: TLSSocket;
  const got = new Promise<number>((resolve) => {
    server.once('connection', (raw: Socket) => {
      peer = new TLSSocket(raw, { isServer: true, cert: certs.cert, key: certs.key });
      peer.allowHalfOpen = true;
      let n = 0;
      peer.on('data', (d) => { n += d.length; });
      peer.on('end', () => { console.log('peer end'); resolve(n); });
      peer.on('close', () => { console.log('peer close'); resolve(n); });
      peer.on('error', (e) => console.log('peer error', e.message));
    });
  });
  const [t] = await loop.createConnection(() => new RecordingProtocol(), '127.0.0.1', (server.address() as { port: number }).port, { ssl: createSSLContext({ ca: certs.caCert }) });
  peer.pause();
  let total = 0;
  const chunk = Buffer.alloc(65536, 1);
  while (t.getWriteBufferSize() === 0 && total < 64e6) { t.write(chunk); total += chunk.length; }
  console.log('written', total, 'buffered', t.getWriteBufferSize());
  t.close();
  peer.resume();
  console.log('peer got', await withTimeout(got, 3000, 'peer'), 'of', total);
  server.close();
  certs.cleanup();
});
