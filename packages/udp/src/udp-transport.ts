import type { RemoteInfo, Socket } from 'node:dgram';
import {
  type AbstractEventLoop,
  type Address,
  type BytesLike,
  type DatagramProtocol,
  type DatagramTransport,
  type ExtraInfo,
  formatAddress,
  type InetAddress,
  type TimerHandle,
  TransportBase,
  toBytes,
  toError,
  unbracketHost,
  validateInetAddress,
} from '@x/transport-core';
import { checkSendAddress, sameAddress } from './send-address.js';
import { SendQueue } from './send-queue.js';

/** Back-pointer from the Node socket to its transport, for the module-level handlers. */
const kTransport = Symbol('UdpTransport');

type OwnedSocket = Socket & { [kTransport]?: UdpTransport };

/** Send errors that mean "the kernel has no room right now": retried, never lost. */
const BACKPRESSURE_CODES = new Set(['ENOBUFS', 'EAGAIN', 'EWOULDBLOCK']);

/** How long a datagram refused with `ENOBUFS` waits before it is sent again, in ms. */
const RETRY_DELAY_MS = 1;

/** How the endpoint was set up (see `createDatagramEndpoint`). */
export interface UdpTransportInit {
  /** 4 or 6: the socket's IP family. */
  readonly family: 4 | 6;
  /** The peer given as `remoteAddr` (numeric), or null. */
  readonly remote: InetAddress | null;
  /** The peer as the user wrote it (a host name is accepted by `sendto` too). */
  readonly remoteGiven: InetAddress | null;
  /** The socket is `connect()`ed to `remote` (false with `allowBroadcast`). */
  readonly connected: boolean;
}

function onMessage(this: OwnedSocket, data: Buffer, rinfo: RemoteInfo): void {
  this[kTransport]?._datagramReceived(data, rinfo);
}

function onSocketError(this: OwnedSocket, err: Error): void {
  this[kTransport]?._errorReceived(err);
}

function onSocketClose(this: OwnedSocket): void {
  this[kTransport]?._socketClosed();
}

function reportError(transport: UdpTransport, err: Error): void {
  transport._errorReceived(err);
}

function retrySends(transport: UdpTransport): void {
  transport._retryBacklog();
}

/**
 * A datagram endpoint over a `node:dgram` socket (asyncio `_SelectorDatagramTransport`).
 *
 * Callback grammar:
 * `start -> connectionMade -> (datagramReceived | errorReceived)* -> connectionLost -> end`.
 *
 * `sendto()` hands the datagram to `socket.send()` at once. The write-buffer account
 * (`getWriteBufferSize()`) is the bytes handed over whose completion callback has not
 * fired yet, plus datagrams waiting for a retry after `ENOBUFS`/`EAGAIN`; write flow
 * control (`pauseWriting`/`resumeWriting`) follows it. The transport keeps a reference
 * to each datagram's bytes until it is sent: do not change them after `sendto()`.
 */
export class UdpTransport extends TransportBase implements DatagramTransport {
  readonly #sock: OwnedSocket;
  readonly #family: 4 | 6;
  readonly #remote: InetAddress | null;
  readonly #remoteGiven: InetAddress | null;
  readonly #connected: boolean;
  /** Datagrams handed to `socket.send()`, completion pending (callbacks come in order). */
  readonly #inflight = new SendQueue();
  /** Datagrams refused with ENOBUFS/EAGAIN, waiting to be sent again. */
  readonly #backlog = new SendQueue();
  readonly #onSent: (err: Error | null) => void;
  #retryTimer: TimerHandle | null = null;
  /** Datagrams that arrived before `connectionMade` returned; null once started. */
  #early: ([Buffer, InetAddress] | Error)[] | null = [];
  /** The last host that passed `checkSendAddress` (an echo server sends to few peers). */
  #checkedHost: string | null = null;

  constructor(
    loop: AbstractEventLoop,
    protocol: DatagramProtocol,
    sock: Socket,
    init: UdpTransportInit,
  ) {
    const extra: Partial<ExtraInfo> = { socket: sock, sockname: sockAddress(sock) };
    if (init.connected && init.remote !== null) extra.peername = init.remote;
    super(loop, protocol, extra);
    this.#sock = sock;
    this.#family = init.family;
    this.#remote = init.remote;
    this.#remoteGiven = init.remoteGiven;
    this.#connected = init.connected;
    this.#onSent = (err) => this.#sent(err);
    this.#sock[kTransport] = this;
    sock.on('message', onMessage);
    sock.on('error', onSocketError);
    sock.on('close', onSocketClose);
  }

  /**
   * Sends one datagram (asyncio `sendto`); never blocks. `addr` may be omitted (or equal
   * `remoteAddr`) on an endpoint made with `remoteAddr`, and is required otherwise.
   * After `close()`/`abort()` the datagram is dropped (from the 5th, with a warning).
   * OS errors (e.g. `EMSGSIZE`, `ECONNREFUSED`) go to `protocol.errorReceived`.
   * @throws TypeError for non-bytes data, a malformed address, or no address on an
   *   unconnected endpoint; RangeError for a bad port; Error for a host name, an
   *   address of the other family, or an address other than `remoteAddr`.
   */
  sendto(data: BytesLike, addr?: Address | null): void {
    const bytes = toBytes(data);
    let host: string | undefined;
    let port = 0;
    const remote = this.#remote;
    if (addr == null) {
      if (remote === null) {
        throw new TypeError('sendto() needs addr: this endpoint was made without remoteAddr');
      }
      if (!this.#connected) {
        host = remote[0];
        port = remote[1];
      }
    } else if (remote !== null) {
      this.#checkRemote(addr, remote);
      if (!this.#connected) {
        host = remote[0];
        port = remote[1];
      }
    } else {
      host = this.#checkHost(addr);
      port = (addr as InetAddress)[1];
    }
    if (this._closing) {
      this._dropWrite();
      return;
    }
    if (this.#backlog.length > 0) this.#backlog.push(bytes, host, port);
    else this.#send(bytes, host, port);
    this._maybePauseProtocol();
  }

  /** Closes at once (asyncio `abort`): unsent datagrams are dropped, `connectionLost(null)` follows. */
  abort(): void {
    this._forceClose(null);
  }

  /**
   * Closes the endpoint (asyncio `close`): no more datagrams are received; datagrams
   * already accepted are still sent, then `connectionLost(null)` is called. Idempotent.
   */
  close(): void {
    if (this._closing) return;
    this._closing = true;
    this.#early = null;
    if (this.getWriteBufferSize() === 0) this._scheduleConnectionLost(null);
  }

  /** Bytes accepted by `sendto()` and not yet handed to the OS. Exact. */
  getWriteBufferSize(): number {
    return this.#inflight.bytes + this.#backlog.bytes;
  }

  /** @internal Called once `connectionMade` returned: delivers early datagrams, then live ones. */
  _start(): void {
    const early = this.#early;
    this.#early = null;
    if (early === null || this._closing) return;
    for (const item of early) {
      if (this._closing) return;
      if (item instanceof Error) this._errorReceived(item);
      else this.#deliver(item[0], item[1]);
    }
  }

  /** @internal A datagram arrived on the socket. */
  _datagramReceived(data: Buffer, rinfo: RemoteInfo): void {
    if (this._closing) return;
    const addr: InetAddress = [rinfo.address, rinfo.port];
    if (this.#early !== null) this.#early.push([data, addr]);
    else this.#deliver(data, addr);
  }

  /** @internal An OS error on the socket (a receive error, ICMP port unreachable, ...). */
  _errorReceived(err: Error): void {
    if (this._connectionLost) return;
    if (this.#early !== null) {
      this.#early.push(err);
      return;
    }
    const protocol = this._protocol as DatagramProtocol;
    if (protocol.errorReceived === undefined) return;
    try {
      protocol.errorReceived(err);
    } catch (thrown) {
      this.#reportCallbackError(thrown, 'errorReceived');
    }
  }

  /** @internal The socket was closed underneath (not by this transport). */
  _socketClosed(): void {
    if (!this._connectionLost) this._forceClose(null);
  }

  /** @internal Sends again the datagrams refused with ENOBUFS/EAGAIN. */
  _retryBacklog(): void {
    this.#retryTimer = null;
    const backlog = this.#backlog;
    let n = backlog.length;
    while (n-- > 0 && !this._connectionLost) {
      const data = backlog.headData();
      const host = backlog.headHost();
      const port = backlog.headPort();
      backlog.shift();
      this.#send(data, host, port);
    }
  }

  _forceClose(exc: Error | null): void {
    if (this._connectionLost) return;
    this.#early = null;
    this.#inflight.clear();
    this.#backlog.clear();
    this.#retryTimer?.cancel();
    this.#retryTimer = null;
    this._scheduleConnectionLost(exc);
  }

  protected _release(): void {
    const sock = this.#sock;
    sock.removeListener('close', onSocketClose);
    try {
      sock.close();
    } catch {
      // Already closed by its owner: nothing to free.
    }
  }

  /** With `remoteAddr`, `addr` must name it (as given, or its numeric form): asyncio's check. */
  #checkRemote(addr: Address, remote: InetAddress): void {
    if (typeof addr === 'string') checkSendAddress(addr, this.#family);
    const [host, port] = validateInetAddress(addr, 'addr');
    const given = this.#remoteGiven;
    const plain = unbracketHost(host);
    if (!sameAddress(plain, port, remote) && !(given !== null && sameAddress(plain, port, given))) {
      throw new Error(`Invalid address: must be null or ${formatAddress(remote)}`);
    }
  }

  #checkHost(addr: Address): string {
    const host = (addr as InetAddress)[0];
    // The common case (replying to the same peers) skips the full check of the host.
    if (host === this.#checkedHost && Array.isArray(addr) && addr.length === 2) {
      const port = addr[1];
      if (typeof port === 'number' && Number.isInteger(port) && port > 0 && port <= 65535)
        return host;
    }
    const checked = checkSendAddress(addr, this.#family);
    if (checked === host) this.#checkedHost = host;
    return checked;
  }

  #send(data: Uint8Array, host: string | undefined, port: number): void {
    try {
      if (host === undefined) this.#sock.send(data, this.#onSent);
      else this.#sock.send(data, port, host, this.#onSent);
    } catch (err) {
      // Node refused at once (the socket went away underneath): report later, never throw.
      this._defer(reportError, toError(err));
      return;
    }
    this.#inflight.push(data, host, port);
  }

  #sent(err: Error | null): void {
    const inflight = this.#inflight;
    // Empty after abort(): the callbacks of dropped datagrams still come.
    if (inflight.length === 0) return;
    if (err !== null && BACKPRESSURE_CODES.has((err as NodeJS.ErrnoException).code ?? '')) {
      this.#backlog.push(inflight.headData(), inflight.headHost(), inflight.headPort());
      inflight.shift();
      this.#scheduleRetry();
      return;
    }
    inflight.shift();
    if (err !== null) this._errorReceived(err);
    if (this.getWriteBufferSize() === 0) {
      this._maybeResumeProtocol();
      if (this._closing) this._scheduleConnectionLost(null);
    } else if (this._flow.paused) {
      this._maybeResumeProtocol();
    }
  }

  #scheduleRetry(): void {
    if (this.#retryTimer !== null || this._connectionLost) return;
    if (this._loop.isClosed()) {
      setTimeout(retrySends, RETRY_DELAY_MS, this);
      return;
    }
    this.#retryTimer = this._loop.callLater(RETRY_DELAY_MS, retrySends, this);
  }

  #deliver(data: Buffer, addr: InetAddress): void {
    const protocol = this._protocol as DatagramProtocol;
    if (protocol.datagramReceived === undefined) return;
    try {
      protocol.datagramReceived(data, addr);
    } catch (thrown) {
      this.#reportCallbackError(thrown, 'datagramReceived');
    }
  }

  /** SPEC §6.3: a throwing datagram callback is reported and the endpoint keeps serving. */
  #reportCallbackError(thrown: unknown, name: string): void {
    this._loop.callExceptionHandler({
      message: `Exception in protocol.${name}() call; the datagram endpoint keeps serving.`,
      exception: toError(thrown),
      transport: this,
      protocol: this._protocol,
    });
  }
}

/** `socket.address()` as an asyncio-style address tuple. */
export function sockAddress(sock: Socket): InetAddress {
  const { address, port } = sock.address();
  return [address, port];
}
