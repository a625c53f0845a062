// Echo server on @x/tcp for outside benchmark harnesses (run `pnpm build` first):
//
//   node benchmarks/tcp-echo-server.mjs --port PORT [--host 127.0.0.1] --mode protocol|buffered
//
// Serves until killed, echoing without closing. `protocol`: a Protocol whose
// dataReceived writes the chunk back (the chunk is a view of the transport's read slab:
// never reused, so no copy). `buffered`: a BufferedProtocol that receives into its own
// 256 KiB buffer and writes the bytes back from it; while earlier bytes are still queued
// (the transport keeps a reference until sent) it reads after them, and into a fresh
// buffer when too little is left.
import { parseArgs } from 'node:util';
import { EventLoop } from '@x/loop';
import { EchoBufferedProtocol, EchoProtocol } from '../../../benchmarks/echo-protocols.mjs';
import { tcp } from '../dist/index.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    mode: { type: 'string', default: 'protocol' },
  },
});
const port = Number(values.port);
if (
  !Number.isInteger(port) ||
  port < 0 ||
  port > 65535 ||
  !['protocol', 'buffered'].includes(values.mode)
) {
  console.error('usage: tcp-echo-server.mjs --port PORT [--host HOST] --mode protocol|buffered');
  process.exit(2);
}

const loop = new EventLoop({ transports: [tcp()] });
const factory =
  values.mode === 'buffered' ? () => new EchoBufferedProtocol() : () => new EchoProtocol();
const server = await loop.createServer(factory, values.host, port, { backlog: 1024 });
const [host, bound] = server.sockets[0].getsockname();
console.log(`ours_${values.mode} listening on ${host}:${bound} node=${process.version}`);
const stop = () => {
  server.close();
  server.abortClients();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
