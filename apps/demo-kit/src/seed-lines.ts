/**
 * What one of the seed's echo examples prints: its client's lines for "Hello World!",
 * its server's lines per client, and the port written in its code (which
 * {@link seedScript} replaces).
 */
export interface EchoSeed {
  /** The port in the seed's code: `'127.0.0.1', <seedPort>`. */
  readonly seedPort: number;
  /** The lines the seed's echo client prints for "Hello World!". */
  readonly clientLines: readonly string[];
  /** The lines the seed's echo server prints for one "Hello World!" client at `clientPort`. */
  serverLines(clientPort: number | string): string[];
  /**
   * What the seed's server should have printed for `clients` clients in a row, each
   * client's port read from `printed` (what it did print; `'?'` where it is missing).
   */
  expectedServerLines(printed: readonly string[], clients?: number): string[];
  /** How many lines the seed's server prints for `clients` clients in a row. */
  serverLineCount(clients: number): number;
}

/** An {@link EchoSeed} whose server prints `header` once, then `perClient(port)` per client. */
function echoSeed(
  seedPort: number,
  clientLines: readonly string[],
  header: readonly string[],
  perClient: (clientPort: number | string) => string[],
): EchoSeed {
  const size = perClient('?').length;
  return {
    seedPort,
    clientLines,
    serverLines: (clientPort) => [...header, ...perClient(clientPort)],
    expectedServerLines(printed, clients = 1) {
      const expected = [...header];
      for (let i = 0; i < clients; i++) {
        expected.push(...perClient(peerPort(printed[header.length + size * i])));
      }
      return expected;
    },
    serverLineCount: (clients) => header.length + size * clients,
  };
}

/** The seed's TCP echo client and server (the TLS examples print the same lines). */
export const TCP_ECHO: EchoSeed = echoSeed(
  8888,
  [
    "Data sent: 'Hello World!'",
    "Data received: 'Hello World!'",
    'The server closed the connection',
  ],
  [],
  (clientPort) => [
    `Connection from ('127.0.0.1', ${clientPort})`,
    "Data received: 'Hello World!'",
    "Send: 'Hello World!'",
    'Close the client socket',
  ],
);

/** The seed's UDP echo client and server (which prints `Starting UDP server` once, first). */
export const UDP_ECHO: EchoSeed = echoSeed(
  9999,
  ['Send: Hello World!', 'Received: Hello World!', 'Close the socket', 'Connection closed'],
  ['Starting UDP server'],
  (clientPort) => [
    `Received 'Hello World!' from ('127.0.0.1', ${clientPort})`,
    `Send 'Hello World!' to ('127.0.0.1', ${clientPort})`,
  ],
);

/**
 * The port at the end of a printed address tuple (`... ('127.0.0.1', 50000)` -> `'50000'`),
 * `'?'` when `line` is missing or has none: the client port the expected lines need.
 */
export function peerPort(line: string | undefined): string {
  return line?.match(/, (\d+)\)$/)?.[1] ?? '?';
}
