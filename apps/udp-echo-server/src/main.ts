/**
 * The seed's UDP echo server: `loop.createDatagramEndpoint(() => new EchoServerProtocol(),
 * { localAddr: [host, port] })`, serving for an hour (or until SIGINT/SIGTERM).
 *
 * stdout carries exactly the seed's lines; the bound address goes to stderr
 * ("listening on HOST:PORT") so that `--port 0` can be used by scripts.
 */
import { announceListening, onStopSignals, parseAddressArgs } from '@x/demo-kit';
import { run } from '@x/loop';
import type { InetAddress } from '@x/transport-core';
import { udp } from '@x/udp';
import { EchoServerProtocol } from './echo-server-protocol.js';

const HELP = `usage: udp-echo-server [--host HOST] [--port PORT]

UDP echo server (asyncio docs example): prints every datagram and sends it back.
  --host HOST   address to bind (default 127.0.0.1)
  --port PORT   UDP port (default 9999; 0 picks a free one, printed on stderr)
  --help        show this help`;

const { host, port } = parseAddressArgs('udp-echo-server', HELP, { defaultPort: 9999, minPort: 0 });

await run(
  async (loop) => {
    console.log('Starting UDP server');
    // One protocol instance serves every client.
    const [transport] = await loop.createDatagramEndpoint(() => new EchoServerProtocol(), {
      localAddr: [host, port],
    });
    announceListening(transport.getExtraInfo('sockname') as InetAddress);
    const stop = loop.createFuture<void>();
    const onSignal = () => {
      if (!stop.done()) stop.setResult();
    };
    onStopSignals(onSignal);
    const hour = loop.callLater(3_600_000, onSignal); // Serve for 1 hour.
    try {
      await stop;
    } finally {
      hour.cancel();
      transport.close();
    }
  },
  { transports: [udp()] },
);
