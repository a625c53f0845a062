import { type Address, formatAddress, validateInetAddress } from '../address.js';
import { describeType, toBytes } from '../bytes.js';
import { toError } from '../errors.js';
import type { AbstractEventLoop } from '../event-loop.js';
import type { ExtraInfo } from '../extra-info.js';
import type { DatagramProtocol } from '../protocols.js';
import { TransportBase } from '../transport-base.js';
import type { DatagramTransport } from '../transports.js';
import { connectMemoryTransport } from './memory-connect.js';

/** Options of {@link MemoryDatagramTransport} / `createMemoryDatagramTransport`. */
export interface MemoryDatagramTransportOptions {
  /** What `getExtraInfo` returns (e.g. `{ sockname: ['127.0.0.1', 4000] }`). Default none. */
  extra?: Partial<ExtraInfo>;
  /**
   * As `remoteAddr` of `createDatagramEndpoint`: `sendto(data)` goes there, another
   * address throws `Error`. Default none (every `sendto` needs an address).
   */
  remoteAddr?: Address | null;
}

/** One datagram the protocol sent. */
export interface SentDatagram {
  readonly data: Uint8Array;
  /** Where it went (the `remoteAddr` when `sendto` was given none). */
  readonly addr: Address;
}

/** Told about every datagram the protocol sends (a peer uses it). */
export interface MemoryDatagramListener {
  onSent(datagram: SentDatagram): void;
}

function doNothing(): void {}

function sameAddress(a: Address, b: Address): boolean {
  return typeof a === 'string' || typeof b === 'string' ? a === b : a[0] === b[0] && a[1] === b[1];
}

/**
 * A datagram endpoint in memory, for testing `DatagramProtocol`s without sockets. It
 * keeps the datagram rules of SPEC §4.12 and §6 like `@x/udp`: `sendto` validates (a
 * missing address on an unconnected endpoint is a `TypeError`, another address than
 * `remoteAddr` an `Error`), sends after close are dropped with a warning from the
 * fifth, and a throwing `datagramReceived`/`errorReceived` is reported to the loop's
 * exception handler while the endpoint keeps serving. Sends complete at once, so the
 * write buffer stays empty.
 *
 * The test's side: {@link MemoryDatagramTransport.feedDatagram},
 * {@link MemoryDatagramTransport.feedError}, {@link MemoryDatagramTransport.sent} and
 * {@link MemoryDatagramTransport.takeSent}.
 */
export class MemoryDatagramTransport extends TransportBase implements DatagramTransport {
  readonly #remote: Address | null;
  #sent: SentDatagram[] = [];
  #listener: MemoryDatagramListener | null = null;
  #started = false;

  constructor(
    loop: AbstractEventLoop,
    protocol: DatagramProtocol,
    options: MemoryDatagramTransportOptions = {},
  ) {
    super(loop, protocol, options.extra ?? {});
    const remote = options.remoteAddr ?? null;
    this.#remote =
      remote === null || typeof remote === 'string'
        ? remote
        : validateInetAddress(remote, 'remoteAddr');
  }

  sendto(data: ArrayBufferView, addr?: Address | null): void {
    const bytes = toBytes(data);
    const target = this.#target(addr);
    if (this._closing) {
      this._dropWrite();
      return;
    }
    const datagram: SentDatagram = { data: bytes, addr: target };
    this.#sent.push(datagram);
    this.#listener?.onSent(datagram);
  }

  close(): void {
    this._forceClose(null);
  }

  abort(): void {
    this._forceClose(null);
  }

  getWriteBufferSize(): number {
    return 0;
  }

  /**
   * Connects: calls `connectionMade` on a later loop iteration and resolves after it
   * returned. If it throws, the endpoint is closed with the error (reported) and this
   * rejects with it.
   */
  start(): Promise<void> {
    if (this.#started)
      return Promise.reject(new Error('MemoryDatagramTransport.start() called twice'));
    this.#started = true;
    return connectMemoryTransport(this, doNothing);
  }

  /**
   * Delivers one datagram (empty ones too) from `addr` to the protocol, synchronously.
   * The bytes are copied first. Ignored once the endpoint is closing.
   * @throws TypeError for non-bytes.
   */
  feedDatagram(data: ArrayBufferView, addr: Address | null = null): void {
    const bytes = Buffer.from(toBytes(data));
    if (this._closing) return;
    try {
      (this._protocol as DatagramProtocol).datagramReceived?.(bytes, addr);
    } catch (err) {
      this.#report('datagramReceived', err);
    }
  }

  /** Delivers an OS error (e.g. `ECONNREFUSED`) to `errorReceived`, as a failed send would. */
  feedError(exc: Error): void {
    if (!(exc instanceof Error))
      throw new TypeError(`exc must be an Error, not '${describeType(exc)}'`);
    if (this._closing) return;
    try {
      (this._protocol as DatagramProtocol).errorReceived?.(exc);
    } catch (err) {
      this.#report('errorReceived', err);
    }
  }

  /** The datagrams sent and not yet taken, oldest first. */
  sent(): readonly SentDatagram[] {
    return [...this.#sent];
  }

  /** Like {@link MemoryDatagramTransport.sent}, and forgets them. */
  takeSent(): SentDatagram[] {
    const out = this.#sent;
    this.#sent = [];
    return out;
  }

  /** Sets who is told about sent datagrams. */
  setListener(listener: MemoryDatagramListener | null): void {
    this.#listener = listener;
  }

  _forceClose(exc: Error | null): void {
    if (this._connectionLost) return;
    this._closing = true;
    this._scheduleConnectionLost(exc);
  }

  protected _release(): void {
    this.#listener = null;
  }

  /** SPEC §6.3: a throwing datagram callback is reported and the endpoint keeps serving. */
  #report(name: 'datagramReceived' | 'errorReceived', err: unknown): void {
    this._loop.callExceptionHandler({
      message: `Exception in protocol.${name}() call; the datagram endpoint keeps serving.`,
      exception: toError(err),
      transport: this,
      protocol: this._protocol,
    });
  }

  #target(addr: Address | null | undefined): Address {
    const remote = this.#remote;
    if (addr === undefined || addr === null) {
      if (remote === null)
        throw new TypeError('sendto() needs addr: this endpoint has no remoteAddr');
      return remote;
    }
    const target = typeof addr === 'string' ? addr : validateInetAddress(addr, 'addr');
    if (remote !== null && !sameAddress(target, remote)) {
      throw new Error(`Invalid address: must be null or ${formatAddress(remote)}`);
    }
    return target;
  }
}
