import { pyAddress, pyRepr } from '@x/demo-kit';
import { Protocol } from '@x/protocols';
import type { Address, Transport } from '@x/transport-core';

/**
 * The seed's `EchoServerProtocol`, over TLS: prints what it gets, sends it back and
 * closes the connection (close_notify, then the TCP close).
 */
export class EchoServerProtocol extends Protocol {
  transport: Transport | null = null;

  override connectionMade(transport: Transport): void {
    const peername = transport.getExtraInfo('peername') as Address | null;
    console.log(`Connection from ${pyAddress(peername)}`);
    this.transport = transport;
  }

  override dataReceived(data: Uint8Array): void {
    const message = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
    console.log(`Data received: ${pyRepr(message)}`);

    console.log(`Send: ${pyRepr(message)}`);
    this.transport?.write(data);

    console.log('Close the client socket');
    this.transport?.close();
  }
}
