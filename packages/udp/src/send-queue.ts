/**
 * A FIFO of datagrams: the payload and, for unconnected endpoints, the destination.
 *
 * Used twice by `UdpTransport`: for the datagrams handed to `dgram.Socket.send()` whose
 * completion callback has not fired yet (Node fires those callbacks in send order, so the
 * head is always the datagram a callback is about), and for the datagrams that wait for a
 * retry after `ENOBUFS`/`EAGAIN`. Three parallel ring arrays instead of an object per
 * datagram keep the echo path free of per-datagram allocations.
 */
export class SendQueue {
  #data: (Uint8Array | undefined)[] = new Array(16);
  #host: (string | undefined)[] = new Array(16);
  #port: number[] = new Array(16).fill(0);
  #head = 0;
  #length = 0;
  #bytes = 0;

  /** Number of datagrams queued. */
  get length(): number {
    return this.#length;
  }

  /** Sum of the queued payload sizes, in bytes. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Appends a datagram (`host` undefined: the connected peer). */
  push(data: Uint8Array, host: string | undefined, port: number): void {
    if (this.#length === this.#data.length) this.#grow();
    const i = (this.#head + this.#length) & (this.#data.length - 1);
    this.#data[i] = data;
    this.#host[i] = host;
    this.#port[i] = port;
    this.#length++;
    this.#bytes += data.byteLength;
  }

  /** The payload at the head. Call only when `length > 0`. */
  headData(): Uint8Array {
    return this.#data[this.#head] as Uint8Array;
  }

  /** The destination host at the head (undefined: the connected peer). */
  headHost(): string | undefined {
    return this.#host[this.#head];
  }

  /** The destination port at the head. */
  headPort(): number {
    return this.#port[this.#head] as number;
  }

  /** Removes the head datagram. Call only when `length > 0`. */
  shift(): void {
    const i = this.#head;
    this.#bytes -= (this.#data[i] as Uint8Array).byteLength;
    this.#data[i] = undefined;
    this.#host[i] = undefined;
    this.#head = (i + 1) & (this.#data.length - 1);
    this.#length--;
  }

  /** Drops everything. */
  clear(): void {
    this.#data.fill(undefined);
    this.#host.fill(undefined);
    this.#head = 0;
    this.#length = 0;
    this.#bytes = 0;
  }

  #grow(): void {
    const size = this.#data.length;
    const data: (Uint8Array | undefined)[] = new Array(size * 2);
    const host: (string | undefined)[] = new Array(size * 2);
    const port: number[] = new Array(size * 2).fill(0);
    for (let k = 0; k < this.#length; k++) {
      const i = (this.#head + k) & (size - 1);
      data[k] = this.#data[i];
      host[k] = this.#host[i];
      port[k] = this.#port[i] as number;
    }
    this.#data = data;
    this.#host = host;
    this.#port = port;
    this.#head = 0;
  }
}
