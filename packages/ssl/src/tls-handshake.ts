import type { Socket as NetSocket } from 'node:net';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  checkServerIdentity,
  type PeerCertificate,
  TLSSocket,
  connect as tlsConnect,
} from 'node:tls';
import type {
  AbstractEventLoop,
  BaseProtocol,
  BaseTransport,
  ConnectionTracker,
  GetExtraInfo,
  TimerHandle,
} from '@x/transport-core';
import {
  ConnectionAbortedError,
  ConnectionResetError,
  handshakeTimeoutError,
} from './tls-errors.js';
import type { TlsSettings } from './tls-settings.js';
import { routeTlsEvents, type TlsEventSink } from './tls-socket-events.js';

/** Told once: the error, or the TLS socket whose handshake (and verification) succeeded. */
export interface HandshakeDone {
  _handshakeDone(err: Error | null, tls: TLSSocket, handshake: TlsHandshake): void;
}

function skipIdentityCheck(_hostname: string, _cert: PeerCertificate): Error | undefined {
  return undefined;
}

/** What Node's TLS wrap exposes on its handle for the server-side verification result. */
interface VerifyHandle {
  verifyError?(): Error | null;
}

/**
 * The TLS handshake of one connection (asyncio `SSLProtocol` in `DO_HANDSHAKE`): starts
 * `tls.TLSSocket` over `stream`, enforces the handshake timeout (through the loop),
 * verifies the peer and reports once through `done`. On failure the TLS socket and the
 * stream under it are destroyed; nothing reaches the application protocol.
 *
 * Client side goes through `tls.connect({ socket })`, which verifies the chain and the
 * host name with Node's own checks (exact Node errors, e.g. `DEPTH_ZERO_SELF_SIGNED_CERT`,
 * `CERT_HAS_EXPIRED`, `ERR_TLS_CERT_ALTNAME_INVALID`). Server side uses
 * `new tls.TLSSocket(stream, { isServer: true })`; with `requestCert` and
 * `rejectUnauthorized` the client's certificate is checked once the handshake is done.
 *
 * On success the socket is handed over paused; its 'error', 'end' and 'close' listeners
 * stay and go to the transport from then on (see {@link routeTlsEvents}).
 */
export class TlsHandshake implements BaseTransport, TlsEventSink {
  readonly tls: TLSSocket;
  #protocol: BaseProtocol;
  #tracker: ConnectionTracker | null;
  readonly #settings: TlsSettings;
  readonly #done: HandshakeDone;
  readonly #timer: TimerHandle;
  #finished = false;

  /**
   * While it runs, the handshake stands for the connection in its server's tracker
   * (asyncio tracks the raw transport): `closeClients()`/`abortClients()` abort it and
   * `waitClosed()` waits for it. `protocol` is the application's, for `getProtocol()`.
   */
  constructor(
    loop: AbstractEventLoop,
    stream: NetSocket | Duplex,
    settings: TlsSettings,
    protocol: BaseProtocol,
    tracker: ConnectionTracker | null,
    done: HandshakeDone,
  ) {
    this.#settings = settings;
    this.#done = done;
    this.#protocol = protocol;
    this.#tracker = tracker;
    const ctx = settings.context;
    const alpn = ctx.alpnProtocols.length > 0 ? [...ctx.alpnProtocols] : undefined;
    if (settings.serverSide) {
      this.tls = new TLSSocket(stream, {
        isServer: true,
        secureContext: ctx.secureContext,
        requestCert: ctx.requestCert,
        rejectUnauthorized: ctx.rejectUnauthorized,
        ALPNProtocols: alpn,
      });
      this.tls.on('secure', onHandshakeSecure);
    } else {
      const hostname = settings.serverHostname;
      this.tls = tlsConnect({
        socket: stream,
        secureContext: ctx.secureContext,
        // RFC 6066: no IP address in SNI. The name is still what the certificate is checked against.
        servername: hostname !== null && isIP(hostname) === 0 ? hostname : undefined,
        host: hostname ?? undefined,
        rejectUnauthorized: ctx.rejectUnauthorized,
        checkServerIdentity: settings.checkHostname ? checkServerIdentity : skipIdentityCheck,
        ALPNProtocols: alpn,
      });
      this.tls.on('secureConnect', onHandshakeSecure);
    }
    // Module-level handlers reach this object through the socket (no closure per connection).
    (this.tls as HandshakeSocket)[kHandshake] = this;
    // The application decides when to read: nothing flows until the transport resumes it.
    this.tls.pause();
    // 'error', 'end' and 'close' come here until the transport takes the socket over.
    routeTlsEvents(this.tls, this);
    // A paused stream emits 'end' only when read: 'readable' is how its EOF shows up meanwhile.
    this.tls.on('readable', onHandshakeReadable);
    this.#timer = loop.callLater(settings.handshakeTimeout, onHandshakeTimeout, this);
    tracker?.attach(this);
  }

  /** Stops standing for the connection in the server's tracker (the transport took over, or it failed). */
  untrack(): void {
    const tracker = this.#tracker;
    this.#tracker = null;
    tracker?.detach(this);
  }

  // ---- BaseTransport, for the server's tracker --------------------------------------

  /** Closing during the handshake aborts it (asyncio B-174): the creator gets ConnectionAbortedError. */
  close(): void {
    this._fail(new ConnectionAbortedError('The connection was closed during the TLS handshake'));
  }

  abort(): void {
    this.close();
  }

  isClosing(): boolean {
    return this.#finished;
  }

  getExtraInfo: GetExtraInfo = handshakeExtraInfo;

  setProtocol(protocol: BaseProtocol): void {
    this.#protocol = protocol;
  }

  getProtocol(): BaseProtocol {
    return this.#protocol;
  }

  /** The handshake timer fired. */
  _timedOut(): void {
    this._fail(handshakeTimeoutError(this.#settings.handshakeTimeout));
  }

  /** The handshake succeeded ('secure' / 'secureConnect'). */
  _secure(): void {
    if (this.#finished) return;
    const ctx = this.#settings.context;
    if (this.#settings.serverSide && ctx.requestCert) {
      // Node verifies a client certificate only inside tls.Server; do the same check here,
      // and set `authorized`/`authorizationError` on the socket as tls.Server does.
      const handle = (this.tls as unknown as { _handle?: VerifyHandle | null })._handle;
      const verifyError = handle?.verifyError?.() ?? null;
      if (verifyError === null) {
        this.tls.authorized = true;
      } else {
        // A code string at run time, as tls.Server sets it (@types/node says Error).
        (this.tls as unknown as { authorizationError: string }).authorizationError =
          (verifyError as { code?: string }).code ?? verifyError.message;
        if (ctx.rejectUnauthorized) {
          this._fail(verifyError);
          return;
        }
      }
    }
    this.#finish();
    if (this.#settings.serverSide) releaseControl(this.tls);
    this.#done._handshakeDone(null, this.tls, this);
  }

  _onError(err: Error): void {
    // Also late errors of a socket thrown away: they must not become unhandled 'error's.
    this._fail(err);
  }

  _onEnd(): void {
    this._onClose();
  }

  _onClose(): void {
    if (this.#finished) return;
    this._fail(new ConnectionResetError('Connection lost during the TLS handshake'));
  }

  /** The handshake failed, or the connection was lost or closed during it. */
  _fail(err: Error): void {
    if (this.#finished) return;
    this.#finish();
    this.tls.destroy();
    this.untrack();
    this.#done._handshakeDone(err, this.tls, this);
  }

  #finish(): void {
    this.#finished = true;
    this.#timer.cancel();
    const tls = this.tls;
    tls.removeListener(this.#settings.serverSide ? 'secure' : 'secureConnect', onHandshakeSecure);
    tls.removeListener('readable', onHandshakeReadable);
    // Removing the 'readable' listener resets the flowing mode: hand over paused.
    this.tls.pause();
  }
}

const kHandshake = Symbol('TlsHandshake');

interface HandshakeSocket extends TLSSocket {
  [kHandshake]: TlsHandshake;
}

function onHandshakeSecure(this: HandshakeSocket): void {
  this[kHandshake]._secure();
}

function onHandshakeReadable(this: HandshakeSocket): void {
  this.read(0);
}

/** A handshake has no extra info yet: every name gives the default. */
const handshakeExtraInfo = ((_name: string, defaultValue: unknown = null) =>
  defaultValue) as GetExtraInfo;

function onHandshakeTimeout(handshake: TlsHandshake): void {
  handshake._timedOut();
}

/**
 * A server-side `TLSSocket` made outside `tls.Server` swallows TLS errors after the
 * handshake until "control is released" (what `tls.Server` does on 'secure'): without
 * this, a corrupted record would never reach 'error'.
 */
function releaseControl(tls: TLSSocket): void {
  const release = (tls as unknown as { _releaseControl?: () => boolean })._releaseControl;
  if (typeof release === 'function') release.call(tls);
}
