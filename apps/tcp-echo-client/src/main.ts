/**
 * The seed's TCP echo client: connects with `loop.createConnection`, sends
 * "Hello World!", prints the reply and waits until the server closes the connection.
 */
import { parseAddressArgs } from '@x/demo-kit';
import { run } from '@x/loop';
import { tcp } from '@x/tcp';
import { EchoClientProtocol } from './echo-client-protocol.js';

const HELP = `usage: tcp-echo-client [--host HOST] [--port PORT] [--message TEXT]

TCP echo client (asyncio docs example): sends a message, prints the echo, and waits
until the server closes the connection.
  --host HOST      server address (default 127.0.0.1)
  --port PORT      server port (default 8888)
  --message TEXT   what to send (default "Hello World!")
  --help           show this help`;

const { host, port, message } = parseAddressArgs(
  'tcp-echo-client',
  HELP,
  { defaultPort: 8888, minPort: 1 },
  { message: { type: 'string', default: 'Hello World!' } },
);

await run(
  async (loop) => {
    const onConLost = loop.createFuture<boolean>();
    const [transport] = await loop.createConnection(
      () => new EchoClientProtocol(message, onConLost),
      host,
      port,
    );
    // Wait until the protocol signals that the connection is lost and close the transport.
    try {
      await onConLost;
    } finally {
      transport.close();
    }
  },
  { transports: [tcp()] },
);
