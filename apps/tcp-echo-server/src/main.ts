/**
 * The seed's TCP echo server: `loop.createServer(() => new EchoServerProtocol(), host, port)`
 * then `serveForever()` inside `await using` (asyncio's `async with server`), until
 * SIGINT/SIGTERM.
 *
 * stdout carries exactly the seed's lines; the bound address goes to stderr
 * ("listening on HOST:PORT") so that `--port 0` can be used by scripts.
 */
import { announceListening, onStopSignals, parseAddressArgs } from '@x/demo-kit';
import { run } from '@x/loop';
import { tcp } from '@x/tcp';
import type { InetAddress } from '@x/transport-core';
import { EchoServerProtocol } from './echo-server-protocol.js';

const HELP = `usage: tcp-echo-server [--host HOST] [--port PORT]

TCP echo server (asyncio docs example): prints what each client sends, sends it back
and closes the connection.
  --host HOST   address to listen on (default 127.0.0.1)
  --port PORT   TCP port (default 8888; 0 picks a free one, printed on stderr)
  --help        show this help`;

const { host, port } = parseAddressArgs('tcp-echo-server', HELP, { defaultPort: 8888, minPort: 0 });

await run(
  async (loop) => {
    await using server = await loop.createServer(() => new EchoServerProtocol(), host, port);
    announceListening(server.sockets[0]?.getsockname() as InetAddress);
    onStopSignals(() => server.close());
    await server.serveForever();
  },
  { transports: [tcp()] },
);
