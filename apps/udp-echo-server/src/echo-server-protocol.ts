import { pyAddress, pyRepr } from '@x/demo-kit';
import { DatagramProtocol } from '@x/protocols';
import type { Address, DatagramTransport } from '@x/transport-core';

const decoder = new TextDecoder();

/** The seed's `EchoServerProtocol`: prints each datagram and sends it back to its sender. */
export class EchoServerProtocol extends DatagramProtocol {
  transport: DatagramTransport | null = null;

  constructor(private readonly print: (line: string) => void = console.log) {
    super();
  }

  override connectionMade(transport: DatagramTransport): void {
    this.transport = transport;
  }

  override datagramReceived(data: Uint8Array, addr: Address | null): void {
    const message = decoder.decode(data);
    this.print(`Received ${pyRepr(message)} from ${pyAddress(addr)}`);
    this.print(`Send ${pyRepr(message)} to ${pyAddress(addr)}`);
    if (addr !== null) this.transport?.sendto(data, addr);
  }
}
