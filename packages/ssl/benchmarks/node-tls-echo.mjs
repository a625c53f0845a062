// Raw node:tls echo server, the baseline of `pnpm bench` (the shared harness's
// servers/tls_node.js, with file arguments): tls.createServer, data -> write, TCP_NODELAY.
//   node benchmarks/node-tls-echo.mjs --port PORT --cert FILE --key FILE
import { readFileSync } from 'node:fs';
import { createServer } from 'node:tls';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { port: { type: 'string' }, cert: { type: 'string' }, key: { type: 'string' } },
});
const server = createServer(
  { key: readFileSync(values.key), cert: readFileSync(values.cert), noDelay: true },
  (socket) => {
    socket.setNoDelay(true);
    socket.on('data', (d) => socket.write(d));
    socket.on('error', () => {});
  },
);
server.on('tlsClientError', () => {});
server.listen(Number(values.port), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${server.address().port} node=${process.version}`);
});
