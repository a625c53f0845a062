import type { TLSSocket } from 'node:tls';

/**
 * What a TLS socket's events go to. Module-level handlers reach it through a symbol on
 * the socket (no closure per connection or per chunk).
 */
export interface TlsSocketOwner {
  /** Decrypted data. */
  _onData(chunk: Buffer): void;
  /** The peer's close_notify or EOF. */
  _onEnd(): void;
  /** The TLS socket closed. */
  _onClose(): void;
  _onError(err: Error): void;
  /** The TLS socket's write buffer drained. */
  _afterWrite(): void;
  /** `close()`'s flush finished (the socket's 'finish'). */
  _flushed(): void;
}

const kOwner = Symbol('TlsSocketOwner');

interface OwnedTlsSocket extends TLSSocket {
  [kOwner]: TlsSocketOwner;
}

function onTlsData(this: OwnedTlsSocket, chunk: Buffer): void {
  this[kOwner]._onData(chunk);
}

function onTlsDrain(this: OwnedTlsSocket): void {
  this[kOwner]._afterWrite();
}

function onTlsEnd(this: OwnedTlsSocket): void {
  this[kOwner]._onEnd();
}

function onTlsClose(this: OwnedTlsSocket): void {
  this[kOwner]._onClose();
}

function onTlsError(this: OwnedTlsSocket, err: Error): void {
  this[kOwner]._onError(err);
}

function onTlsFlushed(this: OwnedTlsSocket): void {
  this[kOwner]._flushed();
}

/** Routes `tls`'s 'error', 'end', 'close' and 'drain' events to `owner`. */
export function attachTlsEvents(tls: TLSSocket, owner: TlsSocketOwner): void {
  (tls as OwnedTlsSocket)[kOwner] = owner;
  tls.on('error', onTlsError);
  tls.on('end', onTlsEnd);
  tls.on('close', onTlsClose);
  tls.on('drain', onTlsDrain);
}

/** Starts routing 'data' (only once the protocol may receive). */
export function listenTlsData(tls: TLSSocket): void {
  tls.on('data', onTlsData);
}

/** Calls the owner's `_flushed()` on 'finish'. */
export function onceTlsFlushed(tls: TLSSocket): void {
  tls.once('finish', onTlsFlushed);
}

/** A 'finish' listener that destroys the socket (both sides are done). */
export function destroyAfterFinish(this: TLSSocket): void {
  this.destroy();
}
