import type { RemoteInfo, Socket } from 'node:dgram';
import {
  type AbstractEventLoop,
  type Address,
  type BytesLike,
  type DatagramProtocol,
  type DatagramTransport,
  type ExtraInfo,
  type InetAddress,
  type TimerHandle,
  TransportBase,
  toBytes,
  toError,
} from '@x/transport-core';
import {
  dgramHandle,
  newSendRequest,
  type SendRequest,
  type UdpHandle,
  uvError,
} from './dgram-internals.js';
import { nativeHandle } from './native-handle.js';
import { SendDestinations } from './send-address.js';
import { SendQueue } from './send-queue.js';
import {
  flushHeld,
  kTransport,
  type OwnedSocket,
  onHandleMessage,
  onMessage,
  onSendComplete,
  onSocketClose,
  onSocketError,
  reportError,
  retrySends,
} from './socket-events.js';

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
  /** The transport made the socket (so it may take over its receive path). */
  readonly ownSocket?: boolean;
  /** Datagrams that arrived while the socket was being set up: delivered first. */
  readonly early?: readonly [Buffer, RemoteInfo][];
}

/**
 * A datagram endpoint over a `node:dgram` socket (asyncio `_SelectorDatagramTransport`).
 *
 * Callback grammar:
 * `start -> connectionMade -> (datagramReceived | errorReceived)* -> connectionLost -> end`.
 *
 * `sendto()` hands the datagram to the socket at once. The write-buffer account
 * (`getWriteBufferSize()`) is the bytes the kernel has not taken yet: datagrams queued
 * in libuv (or, on the public-API fallback, whose `send()` callback has not fired), plus
 * datagrams held back for a retry after `ENOBUFS`/`EAGAIN`. Write flow control
 * (`pauseWriting`/`resumeWriting`) follows it. The transport keeps a reference to each
 * datagram's bytes until it is sent: do not change them after `sendto()`.
 */
export class UdpTransport extends TransportBase implements DatagramTransport {
  readonly #sock: OwnedSocket;
  readonly #family: 4 | 6;
  readonly #remote: InetAddress | null;
  readonly #connected: boolean;
  /** Datagrams handed to `socket.send()`, completion pending (callbacks come in order). */
  readonly #inflight = new SendQueue();
  /** Datagrams refused with ENOBUFS/EAGAIN, waiting to be sent again. */
  readonly #backlog = new SendQueue();
  readonly #onSent: (err: Error | null) => void;
  /** The libuv handle (fast path, see dgram-internals.ts), or null: the public API. */
  readonly #handle: UdpHandle | null;
  /** The send request for the next datagram: reused while sends complete at once. */
  #req: SendRequest | null = null;
  /** The one-element list handed to `handle.send()` (it copies the buffer pointers). */
  readonly #list: Uint8Array[] = [];
  #retryTimer: TimerHandle | null = null;
  /** Datagrams and receive errors held back: before `connectionMade` returned, or while paused. */
  #held: ([Buffer, InetAddress] | Error)[] = [];
  /** Deliveries go to {@link UdpTransport.#held} (not started, paused, or held ones pending). */
  #holding = true;
  #started = false;
  #paused = false;
  readonly #destinations: SendDestinations;

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
    this.#destinations = new SendDestinations(init.family, init.remote, init.remoteGiven);
    this.#connected = init.connected;
    this.#onSent = (err) => this.#sent(err);
    this.#sock[kTransport] = this;
    const handle = dgramHandle(sock);
    // A socket of our own may move its reading to the native addon (native-handle.ts).
    this.#handle =
      handle !== null && init.ownSocket === true
        ? (nativeHandle(sock, handle, init.family) ?? handle)
        : handle;
    if (this.#handle !== null) this.#req = newSendRequest(onSendComplete, kTransport, this);
    if (this.#handle !== null && init.ownSocket === true) {
      this.#handle[kTransport] = this;
      this.#handle.onmessage = onHandleMessage;
    } else {
      sock.on('message', onMessage);
    }
    sock.on('error', onSocketError);
    sock.on('close', onSocketClose);
    for (const [data, rinfo] of init.early ?? []) this._datagramReceived(data, rinfo);
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
      this.#destinations.remote(addr, remote);
      if (!this.#connected) {
        host = remote[0];
        port = remote[1];
      }
    } else {
      host = this.#destinations.host(addr);
      port = (addr as InetAddress)[1];
    }
    if (this._closing) {
      this._dropWrite();
      return;
    }
    if (this.#backlog.length > 0 || !this.#send(bytes, host, port)) {
      // Behind held-back datagrams (order kept), or refused now: held for a retry.
      this.#backlog.push(bytes, host, port);
      this.#scheduleRetry();
    }
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
    this.#held = [];
    if (this.getWriteBufferSize() === 0) this._scheduleConnectionLost(null);
  }

  /** Bytes accepted by `sendto()` and not yet handed to the OS. Exact. */
  getWriteBufferSize(): number {
    return this.#inflight.bytes + this.#backlog.bytes;
  }

  /** True while datagrams are delivered: not paused, not closing (asyncio `is_reading`). */
  isReading(): boolean {
    return !this._closing && !this.#paused;
  }

  /**
   * Stops reading datagrams from the kernel until `resumeReading()` (asyncio
   * `pause_reading`): no `datagramReceived` after it returns; what arrives meanwhile waits
   * in the socket's receive buffer (where the kernel drops what does not fit, as UDP does;
   * on the public-API fallback it is held in memory instead). Idempotent, also after close.
   */
  pauseReading(): void {
    if (this._closing || this.#paused) return;
    this.#paused = true;
    this.#holding = true;
    this.#handle?.recvStop();
  }

  /** Reads again after `pauseReading()`; datagrams come later, never inside this call. Idempotent. */
  resumeReading(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (this._closing) return;
    this.#handle?.recvStart();
    if (this.#started) this._defer(flushHeld);
  }

  /** @internal Called once `connectionMade` returned: delivers held datagrams, then live ones. */
  _start(): void {
    this.#started = true;
    this._flushHeld();
  }

  /** @internal Delivers what was held back, in order, unless (or until) reading is paused. */
  _flushHeld(): void {
    const held = this.#held;
    while (held.length > 0) {
      if (this._closing || this.#paused) return;
      const item = held.shift() as [Buffer, InetAddress] | Error;
      if (item instanceof Error) this._errorReceived(item);
      else this.#deliver(item[0], item[1]);
    }
    if (!this.#paused && !this._closing) this.#holding = false;
  }

  /** @internal A datagram arrived on the socket. */
  _datagramReceived(data: Buffer, rinfo: RemoteInfo): void {
    if (this._closing) return;
    const addr: InetAddress = [rinfo.address, rinfo.port];
    if (this.#holding) this.#held.push([data, addr]);
    else this.#deliver(data, addr);
  }

  /** @internal A receive-side OS error (ICMP port unreachable as ECONNREFUSED, ...). */
  _receiveError(err: Error): void {
    if (this._closing) return;
    if (this.#holding) this.#held.push(err);
    else this._errorReceived(err);
  }

  /** @internal Reports an OS error to `protocol.errorReceived` (a send error, or a held receive error). */
  _errorReceived(err: Error): void {
    if (this._connectionLost) return;
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
    while (backlog.length > 0 && !this._connectionLost) {
      if (!this.#send(backlog.headData(), backlog.headHost(), backlog.headPort())) {
        this.#scheduleRetry();
        break;
      }
      backlog.shift();
    }
    if (!this._connectionLost) this.#drained();
  }

  _forceClose(exc: Error | null): void {
    if (this._connectionLost) return;
    this.#held = [];
    this.#inflight.clear();
    this.#backlog.clear();
    this.#retryTimer?.cancel();
    this.#retryTimer = null;
    this._scheduleConnectionLost(exc);
  }

  protected _release(): void {
    this.#handle?.release?.();
    const sock = this.#sock;
    sock.removeListener('close', onSocketClose);
    try {
      sock.close();
    } catch {
      // Already closed by its owner: nothing to free.
    }
  }

  /** @internal libuv finished a queued send (fast path). */
  _sendComplete(status: number): void {
    const inflight = this.#inflight;
    if (inflight.length === 0) return;
    this.#sent(
      status < 0 ? uvError(status, 'send', inflight.headHost(), inflight.headPort()) : null,
    );
  }

  /**
   * Hands one datagram to the socket. Returns false when the kernel refused it for lack
   * of room (ENOBUFS/EAGAIN, known at once on the fast path): the caller holds it back.
   */
  #send(data: Uint8Array, host: string | undefined, port: number): boolean {
    const handle = this.#handle;
    if (handle !== null) {
      const req = this.#req as SendRequest;
      const list = this.#list;
      list[0] = data;
      const status =
        host === undefined
          ? handle.send(req, list, 1, true)
          : handle.send(req, list, 1, port, host, true);
      list.length = 0;
      if (status > 0) return true; // The kernel took it: nothing buffered.
      // Queued by libuv (the request is now in use) or refused: the next send needs a fresh one.
      this.#req = newSendRequest(onSendComplete, kTransport, this);
      if (status === 0) {
        this.#inflight.push(data, host, port);
        return true;
      }
      const err = uvError(status, 'send', host, port);
      if (BACKPRESSURE_CODES.has(err.code as string)) return false;
      // Reported later (never inside the caller's sendto), the datagram is dropped as asyncio does.
      this._defer(reportError, err);
      return true;
    }
    try {
      if (host === undefined) this.#sock.send(data, this.#onSent);
      else this.#sock.send(data, port, host, this.#onSent);
    } catch (err) {
      // Node refused at once (the socket went away underneath): report later, never throw.
      this._defer(reportError, toError(err));
      return true;
    }
    this.#inflight.push(data, host, port);
    return true;
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
    this.#drained();
  }

  /** After datagrams left the account: resume the protocol, finish a pending close(). */
  #drained(): void {
    if (this._flow.paused) this._maybeResumeProtocol();
    if (this._closing && this.getWriteBufferSize() === 0) this._scheduleConnectionLost(null);
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
