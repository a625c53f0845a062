/**
 * The seed's "connecting to an existing socket" example: a connected pair of sockets
 * (Python's `socket.socketpair()`), one given to `loop.createConnection({ sock })`,
 * then data written on the other end; the protocol prints it and closes.
 */
import { parseCommandLine } from '@x/demo-kit';
import { run } from '@x/loop';
import { tcp } from '@x/tcp';
import { MyProtocol } from './my-protocol.js';
import { socketPair } from './socket-pair.js';

const HELP = `usage: existing-socket [--message TEXT]

Wraps an already connected socket in a transport (asyncio docs example "Connecting
existing sockets"): the other end sends a message, the protocol prints it.
  --message TEXT   what the other end sends (default "abc")
  --help           show this help`;

const values = parseCommandLine(HELP, {
  message: { type: 'string', default: 'abc' },
});

await run(
  async (loop) => {
    const onConLost = loop.createFuture<boolean>();
    // Create a pair of connected sockets.
    const [rsock, wsock] = await socketPair();
    // Register the socket to wait for data.
    const [transport, protocol] = await loop.createConnection(
      () => new MyProtocol(onConLost),
      null,
      null,
      {
        sock: rsock,
      },
    );
    // Simulate the reception of data from the network.
    loop.callSoon(() => wsock.write(Buffer.from(values.message)));
    try {
      await protocol.onConLost;
    } finally {
      transport.close();
      wsock.destroy();
    }
  },
  { transports: [tcp()] },
);
