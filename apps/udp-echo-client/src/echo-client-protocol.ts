import { DatagramProtocol } from '@x/protocols';
import type { Address, DatagramTransport, Future } from '@x/transport-core';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The seed's `EchoClientProtocol`: sends one message, prints the reply, then closes. */
export class EchoClientProtocol extends DatagramProtocol {
  transport: DatagramTransport | null = null;

  constructor(
    private readonly message: string,
    private readonly onConLost: Future<boolean>,
    private readonly print: (...parts: unknown[]) => void = console.log,
  ) {
    super();
  }

  override connectionMade(transport: DatagramTransport): void {
    this.transport = transport;
    this.print('Send:', this.message);
    this.transport.sendto(encoder.encode(this.message));
  }

  override datagramReceived(data: Uint8Array, _addr: Address | null): void {
    this.print('Received:', decoder.decode(data));
    this.print('Close the socket');
    this.transport?.close();
  }

  override errorReceived(exc: Error): void {
    this.print('Error received:', exc.message);
  }

  override connectionLost(_exc: Error | null): void {
    this.print('Connection closed');
    if (!this.onConLost.done()) this.onConLost.setResult(true);
  }
}
