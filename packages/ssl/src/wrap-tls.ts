import { Socket as NetSocket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import {
  type AbstractEventLoop,
  type ConnectionTracker,
  describeType,
  type StreamProtocol,
  type TlsWrapTarget,
  type Transport,
  toError,
} from '@x/transport-core';
import type { TlsUnderlying } from './tls-extra-info.js';
import { type HandshakeDone, TlsHandshake } from './tls-handshake.js';
import type { TlsSettings } from './tls-settings.js';
import { TlsTransport } from './tls-transport.js';
import { TransportDuplex } from './transport-duplex.js';

/**
 * Checks a wrap target before any I/O.
 * @throws TypeError when it is neither a connected `net.Socket` nor a stream transport.
 */
export function checkTarget(target: TlsWrapTarget): void {
  if (target === null || typeof target !== 'object') {
    throw new TypeError(`TLS target must be an object, not '${describeType(target)}'`);
  }
  if (target.kind === 'socket') {
    if (!(target.socket instanceof NetSocket)) {
      throw new TypeError(
        `TLS target socket must be a net.Socket, not '${describeType(target.socket)}'`,
      );
    }
    if (target.socket.destroyed) throw new Error('TLS target socket is already closed');
    return;
  }
  if (target.kind === 'transport') {
    if (!isStreamTransport(target.transport)) {
      throw new TypeError(
        `transport ${describeType(target.transport)} is not supported by TLS: not a stream transport`,
      );
    }
    return;
  }
  throw new TypeError(`TLS target kind must be 'socket' or 'transport'`);
}

/** True for objects with the methods of a stream {@link Transport} that TLS needs. */
export function isStreamTransport(value: unknown): value is Transport {
  if (value === null || typeof value !== 'object') return false;
  const t = value as Partial<Record<keyof Transport, unknown>>;
  return (
    typeof t.write === 'function' &&
    typeof t.writelines === 'function' &&
    typeof t.setProtocol === 'function' &&
    typeof t.pauseReading === 'function' &&
    typeof t.resumeReading === 'function' &&
    typeof t.canWriteEof === 'function' &&
    typeof t.abort === 'function'
  );
}

/**
 * Checks a stream protocol.
 * @throws TypeError when it is not an object.
 */
export function checkProtocol(protocol: unknown): asserts protocol is StreamProtocol {
  if (protocol === null || typeof protocol !== 'object') {
    throw new TypeError(
      `protocol must be a Protocol or BufferedProtocol, not '${describeType(protocol)}'`,
    );
  }
}

function startTransport(transport: TlsTransport, callConnectionMade: boolean): void {
  try {
    transport._start(callConnectionMade);
  } catch (err) {
    // Outside the loop's callbacks nothing else would catch it: a tick must never throw.
    transport._fatalError(toError(err), 'Fatal error starting the SSL transport', true);
  }
}

/**
 * One connection between its handshake and its transport: what the transport needs, the
 * creating promise's settlers, and where it runs. One object per connection, no closures.
 */
class TlsWrapping implements HandshakeDone, TlsUnderlying {
  readonly loop: AbstractEventLoop;
  readonly protocol: StreamProtocol;
  readonly settings: TlsSettings;
  readonly tracker: ConnectionTracker | null;
  readonly callConnectionMade: boolean;
  readonly resolve: (transport: Transport) => void;
  readonly reject: (err: Error) => void;
  socket: NetSocket | null = null;
  transport: Transport | null = null;
  duplex: TransportDuplex | null = null;

  constructor(
    loop: AbstractEventLoop,
    protocol: StreamProtocol,
    settings: TlsSettings,
    tracker: ConnectionTracker | null,
    callConnectionMade: boolean,
    resolve: (transport: Transport) => void,
    reject: (err: Error) => void,
  ) {
    this.loop = loop;
    this.protocol = protocol;
    this.settings = settings;
    this.tracker = tracker;
    this.callConnectionMade = callConnectionMade;
    this.resolve = resolve;
    this.reject = reject;
  }

  _handshakeDone(err: Error | null, tls: TLSSocket, handshake: TlsHandshake): void {
    if (err !== null) {
      this.reject(err);
      return;
    }
    const loop = this.loop;
    const transport = new TlsTransport(
      loop,
      tls,
      this.protocol,
      this.settings,
      this,
      this.tracker,
      this,
    );
    // Detach the handshake only now, so the server never sees zero connections in between.
    handshake.untrack();
    // Within this read, as asyncio's `_on_handshake_complete` calls connection_made at
    // once: data and an EOF that came with the peer's Finished are handled before Node
    // writes, so the protocol's answer (or a close's close_notify) shares one write with
    // the session tickets. A tick, not synchronously: the handshake's 'readable' listener
    // was just removed, and Node's tick after that removal resumes a stream that has a
    // 'data' listener, which would undo a pauseReading() made in connectionMade.
    process.nextTick(startTransport, transport, this.callConnectionMade);
  }
}

/**
 * Runs TLS over `target` (already checked) and resolves with the TLS transport once the
 * handshake succeeded and `connectionMade` returned (skipped when `callConnectionMade`
 * is false: `startTls` keeps the protocol's existing connection). On failure the target
 * is closed and the promise rejects; `protocol` hears nothing.
 */
export function wrapTls(
  loop: AbstractEventLoop,
  target: TlsWrapTarget,
  protocol: StreamProtocol,
  settings: TlsSettings,
  tracker: ConnectionTracker | null,
  callConnectionMade: boolean,
): Promise<Transport> {
  return new Promise<Transport>((resolve, reject) => {
    const wrapping = new TlsWrapping(
      loop,
      protocol,
      settings,
      tracker,
      callConnectionMade,
      resolve,
      reject,
    );
    let stream: NetSocket | Duplex;
    const initial = settings.initialData;
    if (target.kind === 'socket') {
      const socket = target.socket;
      wrapping.socket = socket;
      // As asyncio does for every TCP transport (TLS included): no Nagle delay on small records.
      if (socket.remotePort !== undefined) socket.setNoDelay(true);
      // Bytes read before the upgrade go first: Node's TLS wrap drains the socket's readable buffer.
      if (initial !== null && initial.byteLength > 0) socket.unshift(Buffer.from(initial));
      stream = socket;
    } else {
      const lower = target.transport;
      wrapping.transport = lower;
      const duplex = new TransportDuplex(lower);
      wrapping.duplex = duplex;
      if (initial !== null && initial.byteLength > 0) duplex._feed(Buffer.from(initial));
      stream = duplex;
    }
    try {
      new TlsHandshake(loop, stream, settings, protocol, tracker, wrapping);
    } catch (err) {
      stream.destroy();
      throw err;
    }
  });
}
