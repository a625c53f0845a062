import { Protocol } from '@x/protocols';
import type { Address, Transport } from '@x/transport-core';

/** Python's `repr()` of a str, for printing exactly what the seed prints. */
export function pyRepr(text: string): string {
  return text.includes("'") && !text.includes('"')
    ? `"${text}"`
    : `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Python's `repr()` of a peername tuple. */
export function pyPeername(address: Address | null): string {
  if (address === null) return 'None';
  if (typeof address === 'string') return pyRepr(address);
  return `(${pyRepr(address[0])}, ${address[1]})`;
}

/**
 * The seed's `EchoServerProtocol`, over TLS: prints what it gets, sends it back and
 * closes the connection (close_notify, then the TCP close).
 */
export class EchoServerProtocol extends Protocol {
  transport: Transport | null = null;

  override connectionMade(transport: Transport): void {
    console.log(`Connection from ${pyPeername(transport.getExtraInfo('peername'))}`);
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
