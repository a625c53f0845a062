import { Protocol } from '@x/protocols';
import type { Future, Transport } from '@x/transport-core';

/** Python's `repr()` of a str. */
function pyRepr(text: string): string {
  return text.includes("'") && !text.includes('"')
    ? `"${text}"`
    : `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The seed's `EchoClientProtocol`: sends the message, prints the echo, signals the end. */
export class EchoClientProtocol extends Protocol {
  constructor(
    readonly message: string,
    readonly onConLost: Future<boolean>,
  ) {
    super();
  }

  override connectionMade(transport: Transport): void {
    transport.write(Buffer.from(this.message));
    console.log(`Data sent: ${pyRepr(this.message)}`);
  }

  override dataReceived(data: Uint8Array): void {
    console.log(`Data received: ${pyRepr(Buffer.from(data).toString('utf8'))}`);
  }

  override connectionLost(_exc: Error | null): void {
    console.log('The server closed the connection');
    this.onConLost.setResult(true);
  }
}
