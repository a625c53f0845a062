import type { RemoteInfo, Socket } from 'node:dgram';
import type { Address } from '../address.js';
import type { DatagramPeer } from './datagram-conformance-types.js';

const PEER = Symbol('DgramPeer');

function onMessage(this: Socket & { [PEER]: DgramPeer }, msg: Buffer, _rinfo: RemoteInfo): void {
  this[PEER]._push(msg);
}

function ignoreError(): void {
  // ICMP errors and late sends after close: the suite judges the transport, not the peer.
}

/**
 * A {@link DatagramPeer} over a bound `dgram.Socket`: it sends to `target` (the
 * endpoint under test) and queues every datagram it receives.
 *
 * @example
 * const socket = dgram.createSocket('udp4');
 * await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
 * const peer = new DgramPeer(socket, transport.getExtraInfo('sockname') as [string, number]);
 */
export class DgramPeer implements DatagramPeer {
  readonly socket: Socket;
  readonly address: Address;
  readonly #target: readonly [host: string, port: number];
  readonly #queue: Buffer[] = [];
  readonly #waiters: Array<(data: Buffer) => void> = [];

  /** @param socket a bound socket. @param target where the endpoint under test listens. */
  constructor(socket: Socket, target: readonly [host: string, port: number]) {
    this.socket = socket;
    this.#target = target;
    const { address, port } = socket.address();
    this.address = [address, port];
    Object.defineProperty(socket, PEER, { value: this, configurable: true });
    socket.on('message', onMessage);
    socket.on('error', ignoreError);
  }

  send(data: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.send(data, this.#target[1], this.#target[0], (err) =>
        err ? reject(err) : resolve(),
      );
    });
  }

  receive(): Promise<Uint8Array> {
    const next = this.#queue.shift();
    if (next !== undefined) return Promise.resolve(next);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Closes the socket (idempotent). */
  close(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }

  /** @internal a datagram arrived. */
  _push(msg: Buffer): void {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter(msg);
    else this.#queue.push(msg);
  }
}
