/**
 * The seed's UDP echo client: `loop.createDatagramEndpoint(..., { remoteAddr: [host, port] })`,
 * sends "Hello World!", prints the echo and closes.
 */
import { parseArgs } from 'node:util';
import { run } from '@x/loop';
import { udp } from '@x/udp';
import { EchoClientProtocol } from './echo-client-protocol.js';

const HELP = `usage: udp-echo-client [--host HOST] [--port PORT] [--message TEXT]

UDP echo client (asyncio docs example): sends one datagram and prints the reply.
  --host HOST      server address (default 127.0.0.1)
  --port PORT      server UDP port (default 9999)
  --message TEXT   what to send (default "Hello World!")
  --help           show this help`;

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '9999' },
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
  console.error(`udp-echo-client: --port must be an integer in 1..65535, got '${values.port}'`);
  process.exit(2);
}

await run(
  async (loop) => {
    const onConLost = loop.createFuture<boolean>();
    const [transport] = await loop.createDatagramEndpoint(
      () => new EchoClientProtocol(values.message, onConLost),
      { remoteAddr: [values.host, port] },
    );
    try {
      await onConLost;
    } finally {
      transport.close();
    }
  },
  { transports: [udp()] },
);
