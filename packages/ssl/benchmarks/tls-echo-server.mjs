// TLS echo server on @x/ssl + @x/tcp for outside benchmark harnesses (run `pnpm build` first):
//
//   node benchmarks/tls-echo-server.mjs --port PORT --cert FILE --key FILE [--host 127.0.0.1]
//       [--mode protocol|buffered]
//
// Serves until killed, echoing without closing. `protocol`: a Protocol whose dataReceived
// writes the decrypted chunk back (never reused by the transport, so no copy). `buffered`:
// a BufferedProtocol receiving into its own 256 KiB buffer (after the bytes still queued
// for sending, and into a fresh buffer when too little is left). Prints "listening on
// HOST:PORT" on stdout when ready.
import { EventLoop } from '@x/loop';
import { tcp } from '@x/tcp';
import { EchoBufferedProtocol, EchoProtocol } from '../../../benchmarks/echo-protocols.mjs';
import { createSSLContext, ssl } from '../dist/index.js';
import { tlsServerOptions } from './tls-server-options.mjs';

const { port, cert, key, values } = tlsServerOptions(
  'tls-echo-server.mjs --port PORT --cert FILE --key FILE [--host HOST] [--mode protocol|buffered]',
  { name: 'mode', values: ['protocol', 'buffered'], default: 'protocol' },
  { host: { type: 'string', default: '127.0.0.1' } },
);

const loop = new EventLoop({ transports: [tcp(), ssl()] });
// Handshakes that the load generator aborts are expected: keep them out of the log.
loop.setExceptionHandler(() => {});
const context = createSSLContext({ cert, key });
const Proto = values.mode === 'buffered' ? EchoBufferedProtocol : EchoProtocol;
const server = await loop.createServer(() => new Proto(), values.host, port, {
  ssl: context,
  backlog: 1024,
});
const [host, boundPort] = server.sockets[0].getsockname();
console.log(`listening on ${host}:${boundPort} node=${process.version}`);
const stop = () => {
  server.close();
  server.abortClients();
  loop.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
