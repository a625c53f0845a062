import { pyRepr } from '@x/demo-kit';
import { Protocol } from '@x/protocols';
import type { Future, Transport } from '@x/transport-core';

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
