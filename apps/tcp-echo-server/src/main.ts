/**
 * The seed's TCP echo server: `loop.createServer(() => new EchoServerProtocol(), host, port)`
 * then `serveForever()` inside `await using` (asyncio's `async with server`), until
 * SIGINT/SIGTERM.
 *
 * stdout carries exactly the seed's lines; the bound address goes to stderr
 * ("listening on HOST:PORT") so that `--port 0` can be used by scripts.
 */
import { parseArgs } from 'node:util';
import { run } from '@x/loop';
import { tcp } from '@x/tcp';
import { formatAddress, type InetAddress } from '@x/transport-core';
import { EchoServerProtocol } from './echo-server-protocol.js';

const HELP = `usage: tcp-echo-server [--host HOST] [--port PORT]

TCP echo server (asyncio docs example): prints what each client sends, sends it back
and closes the connection.
  --host HOST   address to listen on (default 127.0.0.1)
  --port PORT   TCP port (default 8888; 0 picks a free one, printed on stderr)
  --help        show this help`;

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8888' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`tcp-echo-server: --port must be an integer in 0..65535, got '${values.port}'`);
  process.exit(2);
}

await run(
  async (loop) => {
    await using server = await loop.createServer(() => new EchoServerProtocol(), values.host, port);
    console.error(`listening on ${formatAddress(server.sockets[0]?.getsockname() as InetAddress)}`);
    const stop = () => server.close();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await server.serveForever();
  },
  { transports: [tcp()] },
);
