import type { TLSSocket } from 'node:tls';

/**
 * What a TLS socket's 'error', 'end' and 'close' go to: the handshake first, then the
 * transport. Module-level handlers reach it through a symbol on the socket (no closure
 * per connection or per chunk); handing the socket over swaps the owner, not the
 * listeners.
 */
export interface TlsEventSink {
  /** The peer's close_notify or EOF. */
  _onEnd(): void;
  /** The TLS socket closed. */
  _onClose(): void;
  _onError(err: Error): void;
}

/** The owner of a TLS socket after its handshake: {@link TlsEventSink} plus data and writes. */
export interface TlsSocketOwner extends TlsEventSink {
  /** Decrypted data. */
  _onData(chunk: Buffer): void;
  /** The TLS socket's write buffer drained. */
  _afterWrite(): void;
  /** `close()`'s flush finished (the socket's 'finish'). */
  _flushed(): void;
}

const kOwner = Symbol('TlsSocketOwner');

interface OwnedTlsSocket extends TLSSocket {
  [kOwner]: TlsSocketOwner;
}

interface RoutedTlsSocket extends TLSSocket {
  [kOwner]?: TlsEventSink;
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

/** Routes `tls`'s 'error', 'end' and 'close' events to `sink` (the handshake). */
export function routeTlsEvents(tls: TLSSocket, sink: TlsEventSink): void {
  const routed = tls as RoutedTlsSocket;
  const first = routed[kOwner] === undefined;
  routed[kOwner] = sink;
  if (!first) return;
  tls.on('error', onTlsError);
  tls.on('end', onTlsEnd);
  tls.on('close', onTlsClose);
}

/**
 * Makes `owner` the one `tls`'s 'error', 'end' and 'close' go to (the handshake's
 * listeners stay, pointing here now), and routes 'drain' to it.
 */
export function attachTlsEvents(tls: TLSSocket, owner: TlsSocketOwner): void {
  routeTlsEvents(tls, owner);
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
