/**
 * The seed's TCP echo client: connects with `loop.createConnection`, sends
 * "Hello World!", prints the reply and waits until the server closes the connection.
 */
import { parseArgs } from 'node:util';
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

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8888' },
    message: { type: 'string', default: 'Hello World!' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`tcp-echo-client: --port must be an integer in 1..65535, got '${values.port}'`);
  process.exit(2);
}

await run(
  async (loop) => {
    const onConLost = loop.createFuture<boolean>();
    const message = values.message;
    const [transport] = await loop.createConnection(
      () => new EchoClientProtocol(message, onConLost),
      values.host,
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
