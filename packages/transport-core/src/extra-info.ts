import type { ChildProcess } from 'node:child_process';
import type { Socket as DgramSocket } from 'node:dgram';
import type { Socket as NetSocket } from 'node:net';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { Address } from './address.js';
import type { SSLContext } from './tls-engine.js';

/**
 * The keys of `transport.getExtraInfo(name)` and the type of each value
 * (asyncio's `get_extra_info`). Which keys a transport has depends on its kind.
 */
export interface ExtraInfo {
  /** Remote address of a socket (`[host, port]` or a Unix path). */
  peername: Address;
  /** Local address of a socket. */
  sockname: Address;
  /** The Node socket underneath (for TLS: the raw socket below the TLS layer). */
  socket: NetSocket | DgramSocket;
  /** TLS compression in use; always `null` with modern TLS. */
  compression: string | null;
  /** `[cipher name, protocol version, secret bits]`, as Python's `SSLSocket.cipher()`. */
  cipher: readonly [name: string, version: string, bits: number];
  /** The peer's certificate, or `null` when it sent none. */
  peercert: PeerCertificate | null;
  /** The `SSLContext` the TLS transport was made with. */
  sslcontext: SSLContext;
  /** The `tls.TLSSocket` doing the TLS work. */
  ssl_object: TLSSocket;
  /** A pipe transport's pipe: the file descriptor or Node stream it was given. */
  pipe: number | NodeJS.ReadableStream | NodeJS.WritableStream;
  /** A subprocess transport's `ChildProcess`. */
  subprocess: ChildProcess;
}

/** A key of {@link ExtraInfo}. */
export type ExtraInfoKey = keyof ExtraInfo;

/**
 * Typed `getExtraInfo`: the value type follows the key; unknown names return the
 * default (`null` unless given).
 */
export interface GetExtraInfo {
  <K extends ExtraInfoKey>(name: K): ExtraInfo[K] | null;
  <K extends ExtraInfoKey, D>(name: K, defaultValue: D): ExtraInfo[K] | D;
  (name: string, defaultValue?: unknown): unknown;
}
