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
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { EventLoop } from '@x/loop';
import { tcp } from '@x/tcp';
import { EchoBufferedProtocol, EchoProtocol } from '../../../benchmarks/echo-protocols.mjs';
import { createSSLContext, ssl } from '../dist/index.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    cert: { type: 'string' },
    key: { type: 'string' },
    mode: { type: 'string', default: 'protocol' },
  },
});
const port = Number(values.port);
if (
  !Number.isInteger(port) ||
  port < 0 ||
  port > 65535 ||
  values.cert === undefined ||
  values.key === undefined ||
  !['protocol', 'buffered'].includes(values.mode)
) {
  console.error(
    'usage: tls-echo-server.mjs --port PORT --cert FILE --key FILE [--host HOST] [--mode protocol|buffered]',
  );
  process.exit(2);
}

const loop = new EventLoop({ transports: [tcp(), ssl()] });
// Handshakes that the load generator aborts are expected: keep them out of the log.
loop.setExceptionHandler(() => {});
const context = createSSLContext({
  cert: readFileSync(values.cert),
  key: readFileSync(values.key),
});
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
