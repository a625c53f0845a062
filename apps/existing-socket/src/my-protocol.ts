import { Protocol } from '@x/protocols';
import type { Future, Transport } from '@x/transport-core';

/** The seed's `MyProtocol`: prints the first data it gets, then closes the transport. */
export class MyProtocol extends Protocol {
  transport: Transport | null = null;

  constructor(readonly onConLost: Future<boolean>) {
    super();
  }

  override connectionMade(transport: Transport): void {
    this.transport = transport;
  }

  override dataReceived(data: Uint8Array): void {
    console.log('Received:', Buffer.from(data).toString('utf8'));
    // We are done: close the transport; connectionLost() will be called automatically.
    this.transport?.close();
  }

  override connectionLost(_exc: Error | null): void {
    // The socket has been closed.
    this.onConLost.setResult(true);
  }
}
