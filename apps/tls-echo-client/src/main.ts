/**
 * The seed's TCP echo client over TLS: `loop.createConnection(..., { ssl })` with a
 * context trusting the demo CA, sends "Hello World!", prints the echo and waits until the
 * server closes the connection. The server's certificate and host name are verified.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAddressArgs } from '@x/demo-kit';
import { run } from '@x/loop';
import { createSSLContext, ssl } from '@x/ssl';
import { tcp } from '@x/tcp';
import { EchoClientProtocol } from './echo-client-protocol.js';

const HELP = `usage: tls-echo-client [--host HOST] [--port PORT] [--ca FILE] [--server-hostname NAME] [--message TEXT]

TLS echo client (the asyncio docs' echo client with ssl): sends a message, prints the
echo, and waits until the server closes the connection.
  --host HOST              server address (default 127.0.0.1)
  --port PORT              server port (default 8443)
  --ca FILE                CA certificate to trust (default: the tls-echo-server app's
                           generated certs/ca.pem)
  --server-hostname NAME   name to verify (and send as SNI) (default: --host)
  --message TEXT           what to send (default "Hello World!")
  --help                   show this help`;

const { host, port, ...values } = parseAddressArgs(
  'tls-echo-client',
  HELP,
  { defaultPort: 8443, minPort: 1 },
  {
    ca: {
      type: 'string',
      default: join(import.meta.dirname, '..', '..', 'tls-echo-server', 'certs', 'ca.pem'),
    },
    'server-hostname': { type: 'string' },
    message: { type: 'string', default: 'Hello World!' },
  },
);
let ca: Buffer;
try {
  ca = readFileSync(values.ca);
} catch (err) {
  console.error(`tls-echo-client: cannot read the CA file: ${(err as Error).message}`);
  process.exit(2);
}

await run(
  async (loop) => {
    const onConLost = loop.createFuture<boolean>();
    const [transport] = await loop.createConnection(
      () => new EchoClientProtocol(values.message, onConLost),
      host,
      port,
      { ssl: createSSLContext({ ca }), serverHostname: values['server-hostname'] ?? null },
    );
    // Wait until the protocol signals that the connection is lost and close the transport.
    try {
      await onConLost;
    } finally {
      transport.close();
    }
  },
  { transports: [tcp(), ssl()] },
);
