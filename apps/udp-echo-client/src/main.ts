/**
 * The seed's UDP echo client: `loop.createDatagramEndpoint(..., { remoteAddr: [host, port] })`,
 * sends "Hello World!", prints the echo and closes.
 */
import { parseAddressArgs } from '@x/demo-kit';
import { run } from '@x/loop';
import { udp } from '@x/udp';
import { EchoClientProtocol } from './echo-client-protocol.js';

const HELP = `usage: udp-echo-client [--host HOST] [--port PORT] [--message TEXT]

UDP echo client (asyncio docs example): sends one datagram and prints the reply.
  --host HOST      server address (default 127.0.0.1)
  --port PORT      server UDP port (default 9999)
  --message TEXT   what to send (default "Hello World!")
  --help           show this help`;

const { host, port, message } = parseAddressArgs(
  'udp-echo-client',
  HELP,
  { defaultPort: 9999, minPort: 1 },
  { message: { type: 'string', default: 'Hello World!' } },
);

await run(
  async (loop) => {
    const onConLost = loop.createFuture<boolean>();
    const [transport] = await loop.createDatagramEndpoint(
      () => new EchoClientProtocol(message, onConLost),
      { remoteAddr: [host, port] },
    );
    try {
      await onConLost;
    } finally {
      transport.close();
    }
  },
  { transports: [udp()] },
);
