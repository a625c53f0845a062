/**
 * The seed's TCP echo server over TLS: `loop.createServer(..., { ssl })` with a context
 * from `createSSLContext`, then `serveForever()` inside `await using` until SIGINT/SIGTERM.
 *
 * Without --cert/--key, a demo CA and server certificate are generated on first run into
 * --certs (default: this app's certs/ folder, ignored by git). stdout carries exactly the
 * seed's lines; the bound address goes to stderr ("listening on HOST:PORT").
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { announceListening, ensureCerts, onStopSignals, parseAddressArgs } from '@x/demo-kit';
import { run } from '@x/loop';
import { createSSLContext, ssl } from '@x/ssl';
import { tcp } from '@x/tcp';
import type { InetAddress } from '@x/transport-core';
import { EchoServerProtocol } from './echo-server-protocol.js';

const HELP = `usage: tls-echo-server [--host HOST] [--port PORT] [--cert FILE --key FILE] [--certs DIR]

TLS echo server (the asyncio docs' echo server with ssl): prints what each client sends,
sends it back and closes the connection.
  --host HOST   address to listen on (default 127.0.0.1)
  --port PORT   TCP port (default 8443; 0 picks a free one, printed on stderr)
  --cert FILE   server certificate (PEM); with --key
  --key FILE    its private key (PEM)
  --certs DIR   without --cert/--key: where the demo CA (ca.pem) and certificate are
                generated on first run (default: certs/ in this app)
  --help        show this help`;

const { host, port, ...values } = parseAddressArgs(
  'tls-echo-server',
  HELP,
  { defaultPort: 8443, minPort: 0 },
  {
    cert: { type: 'string' },
    key: { type: 'string' },
    certs: { type: 'string', default: join(import.meta.dirname, '..', 'certs') },
  },
);
if ((values.cert === undefined) !== (values.key === undefined)) {
  console.error('tls-echo-server: --cert and --key go together');
  process.exit(2);
}
const files =
  values.cert !== undefined && values.key !== undefined
    ? { cert: values.cert, key: values.key }
    : ensureCerts(values.certs);
const context = createSSLContext({ cert: readFileSync(files.cert), key: readFileSync(files.key) });

await run(
  async (loop) => {
    await using server = await loop.createServer(() => new EchoServerProtocol(), host, port, {
      ssl: context,
    });
    announceListening(server.sockets[0]?.getsockname() as InetAddress);
    onStopSignals(() => server.close());
    await server.serveForever();
  },
  { transports: [tcp(), ssl()] },
);
