import type { Address } from '../address.js';
import type { DatagramPeer } from './datagram-conformance-types.js';
import type {
  MemoryDatagramListener,
  MemoryDatagramTransport,
  SentDatagram,
} from './memory-datagram-transport.js';

/**
 * The other end of a {@link MemoryDatagramTransport}, as a {@link DatagramPeer}: it
 * sends from {@link MemoryDatagramPeer.address} and receives what the transport sends
 * there.
 */
export class MemoryDatagramPeer implements DatagramPeer, MemoryDatagramListener {
  readonly transport: MemoryDatagramTransport;
  readonly address: Address;
  readonly #queue: Uint8Array[] = [];
  readonly #waiters: Array<(data: Uint8Array) => void> = [];

  /** @param address the peer's address (default `['10.0.0.2', 5000]`: it never touches the network). */
  constructor(transport: MemoryDatagramTransport, address: Address = ['10.0.0.2', 5000]) {
    this.transport = transport;
    this.address = address;
    transport.setListener(this);
  }

  onSent(datagram: SentDatagram): void {
    const { addr } = datagram;
    const mine =
      typeof addr === 'string' || typeof this.address === 'string'
        ? addr === this.address
        : addr[0] === this.address[0] && addr[1] === this.address[1];
    if (!mine) return;
    const data = Buffer.from(datagram.data);
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter(data);
    else this.#queue.push(data);
  }

  async send(data: Uint8Array): Promise<void> {
    this.transport.feedDatagram(data, this.address);
  }

  receive(): Promise<Uint8Array> {
    const next = this.#queue.shift();
    if (next !== undefined) return Promise.resolve(next);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
